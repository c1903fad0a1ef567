package bridge

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/xdpolicy/xdpolicy/crossdomain"
)

// The cost of the bridge on a round trip: a 64-byte message echoed by a
// loopback TCP server, through the bridge (BenchmarkBridgeEcho) and
// straight over TCP (BenchmarkDirectEcho, the baseline measured in the
// same run). The ratio of the two is the bridge's overhead.
func benchEchoServer(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
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

var benchMsg = []byte(strings.Repeat("x", 64))

func BenchmarkDirectEcho(b *testing.B) {
	c, err := net.Dial("tcp", benchEchoServer(b))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, len(benchMsg))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(benchMsg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBridgeEcho(b *testing.B) {
	p, _, err := parseSocketForBench()
	if err != nil {
		b.Fatal(err)
	}
	br, err := New(Options{Routes: []Route{{Host: "game.example", Port: 9000, Target: benchEchoServer(b)}}, Policy: p})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(br)
	defer srv.Close()
	defer br.Close()
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/game.example:9000",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://app.example"}}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := c.Write(ctx, websocket.MessageBinary, benchMsg); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(benchMsg); {
			_, m, err := c.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			got += len(m)
		}
	}
}

// BenchmarkBridgeConnect is a whole connection: handshake, decision,
// dial, one echo, close.
func BenchmarkBridgeConnect(b *testing.B) {
	p, _, err := parseSocketForBench()
	if err != nil {
		b.Fatal(err)
	}
	br, err := New(Options{Routes: []Route{{Host: "game.example", Port: 9000, Target: benchEchoServer(b)}}, Policy: p})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(br)
	defer srv.Close()
	defer br.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/game.example:9000"
	ctx := context.Background()
	opts := &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://app.example"}}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, _, err := websocket.Dial(ctx, url, opts)
		if err != nil {
			b.Fatal(err)
		}
		c.Write(ctx, websocket.MessageBinary, benchMsg)
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
}

func parseSocketForBench() (*crossdomain.Policy, []byte, error) {
	p, _, err := crossdomain.ParseSocket([]byte(allowApp))
	return p, nil, err
}
