package bridge

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/xdpolicy/xdpolicy/internal/browsertest"
)

// TestBrowser opens the bridge from a page in headless Chromium, as Ruffle
// does: the page on an origin the socket policy admits gets the echo, the
// page on another origin sees the WebSocket closed with 1008 and the
// reason.
func TestBrowser(t *testing.T) {
	b := browsertest.Start(t)
	target := echoServer(t, "")
	policy := `<cross-domain-policy><allow-access-from domain="127.0.0.1" to-ports="9000"/></cross-domain-policy>`
	_, base, logs := start(t, Options{
		Routes: []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy: mustPolicy(t, policy),
	})
	url := base + "/game.example:9000"

	b.Goto(t, b.Origin)
	got := b.WebSocket(t, url, "hello from the page")
	assert.Equal(t, browsertest.WebSocketResult{Opened: true, Echo: "hello from the page", Code: 1000}, got)

	b.Goto(t, b.OtherOrigin)
	got = b.WebSocket(t, url, "hello from the page")
	assert.Equal(t, int(ClosePolicy), got.Code)
	assert.Empty(t, got.Echo)
	assert.Contains(t, got.Reason, "localhost")
	assert.True(t, strings.HasPrefix(got.Reason, "no rule admits") || strings.Contains(got.Reason, "admit"), got.Reason)
	assert.Contains(t, logs.String(), "origin="+b.OtherOrigin)
}
