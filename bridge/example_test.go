package bridge_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/xdpolicy/xdpolicy/bridge"
	"github.com/xdpolicy/xdpolicy/crossdomain"
)

// A game server on loopback, reached through the bridge as
// game.example:9000 by pages on app.example, and by no other page.
func ExampleNew() {
	game := echo() // the game server: here, an echo

	policy, _, err := crossdomain.ParseSocket([]byte(
		`<cross-domain-policy><allow-access-from domain="app.example" to-ports="9000"/></cross-domain-policy>`))
	if err != nil {
		log.Fatal(err)
	}
	br, err := bridge.New(bridge.Options{
		Routes: []bridge.Route{{Host: "game.example", Port: 9000, Target: game}},
		Policy: policy,
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(br)
	defer srv.Close()
	defer br.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/game.example:9000"

	for _, origin := range []string{"https://app.example", "https://evil.example"} {
		ctx := context.Background()
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		if err != nil {
			log.Fatal(err)
		}
		c.Write(ctx, websocket.MessageBinary, []byte("hello"))
		_, b, err := c.Read(ctx)
		if err != nil {
			fmt.Printf("%s: closed %d\n", origin, websocket.CloseStatus(err))
			continue
		}
		fmt.Printf("%s: %s\n", origin, b)
		c.Close(websocket.StatusNormalClosure, "")
	}
	// Output:
	// https://app.example: hello
	// https://evil.example: closed 1008
}

// Routes are written as operators write them on the command line.
func ExampleParseRoute() {
	r, err := bridge.ParseRoute("Game.Example:9000=10.0.0.5:7000")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Host, r.Port, r.Dest())
	fmt.Println("Ruffle's proxyUrl: wss://bridge.example" + r.Path())
	// Output:
	// game.example 9000 10.0.0.5:7000
	// Ruffle's proxyUrl: wss://bridge.example/game.example:9000
}

func echo() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}
