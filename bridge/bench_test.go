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
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

// The cost of the bridge on a round trip: a 64-byte message echoed by a
// loopback TCP server, through the bridge (BenchmarkBridgeEcho) and
// straight over TCP (BenchmarkDirectEcho, the baseline measured in the
// same run). The ratio of the two is the bridge's overhead.
func benchEchoServer(b *testing.B) string { return fakesite.Listen(b, fakesite.Echo) }

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

// benchBridge serves a Bridge to an echo server and returns its route's
// URL.
func benchBridge(b *testing.B) string {
	p, _, err := crossdomain.ParseSocket([]byte(allowApp))
	if err != nil {
		b.Fatal(err)
	}
	br, err := New(Options{Routes: []Route{{Host: "game.example", Port: 9000, Target: benchEchoServer(b)}}, Policy: p})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(br)
	b.Cleanup(func() { br.Close(); srv.Close() })
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/game.example:9000"
}

var benchDial = &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://app.example"}}}

func BenchmarkBridgeEcho(b *testing.B) {
	url := benchBridge(b)
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, url, benchDial)
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
	url := benchBridge(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, _, err := websocket.Dial(ctx, url, benchDial)
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
