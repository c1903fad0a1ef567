package bridge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
)

const (
	allowApp          = `<cross-domain-policy><allow-access-from domain="app.example" to-ports="9000"/></cross-domain-policy>`
	allowAll          = `<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>`
	masterOnlyNoGrant = `<cross-domain-policy><site-control permitted-cross-domain-policies="master-only"/>` +
		`<allow-access-from domain="other.example" to-ports="9000"/></cross-domain-policy>`
)

// echoServer is a loopback TCP server that echoes; with policy, it also
// answers Flash Player's socket policy request inline.
func echoServer(t testing.TB, policy string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if policy != "" {
		ln, err = crossdomain.NewListener(ln, crossdomain.ListenerOptions{Raw: []byte(policy)})
		require.NoError(t, err)
	}
	return fakesite.Serve(t, ln, fakesite.Echo)
}

// socketMaster serves policy as the socket master and returns a Dial that
// sends every connection to port 843 there; the others go where they are
// addressed. With policy empty, port 843 refuses.
func socketMaster(t *testing.T, policy string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	t.Helper()
	master := ""
	if policy != "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := &crossdomain.SocketServer{Raw: []byte(policy)}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		master = ln.Addr().String()
	}
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasSuffix(addr, ":843") {
			if master == "" {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			addr = master
		}
		return d.DialContext(ctx, network, addr)
	}
}

// logBuffer collects log records safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// start serves a Bridge on loopback and returns it with its ws:// base.
func start(t *testing.T, opt Options) (*Bridge, string, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	br, err := New(opt)
	require.NoError(t, err)
	srv := httptest.NewServer(br)
	t.Cleanup(func() { br.Close(); srv.Close() })
	return br, "ws" + strings.TrimPrefix(srv.URL, "http"), logs
}

func mustPolicy(t *testing.T, s string) *crossdomain.Policy {
	t.Helper()
	p, _, err := crossdomain.ParseSocket([]byte(s))
	require.NoError(t, err)
	return p
}

// dial opens a WebSocket from origin ("" sends none).
func dial(t *testing.T, url, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
}

// outcome is what a caller saw: the echo of its message, or the close.
type outcome struct {
	Echo   string
	Code   websocket.StatusCode
	Reason string
}

// exchange sends msg and reads until the echo is whole or the connection
// closes.
func exchange(t *testing.T, c *websocket.Conn, msg string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out outcome
	if err := c.Write(ctx, websocket.MessageBinary, []byte(msg)); err != nil {
		return closeOutcome(err)
	}
	for len(out.Echo) < len(msg) {
		typ, b, err := c.Read(ctx)
		if err != nil {
			o := closeOutcome(err)
			o.Echo = out.Echo
			return o
		}
		require.Equal(t, websocket.MessageBinary, typ)
		out.Echo += string(b)
	}
	c.Close(websocket.StatusNormalClosure, "")
	return out
}

func closeOutcome(err error) outcome {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return outcome{Code: ce.Code, Reason: ce.Reason}
	}
	return outcome{Code: -1, Reason: err.Error()}
}

func TestBridge(t *testing.T) {
	withPolicy := echoServer(t, allowApp)
	plain := echoServer(t, "")
	down := func() string { // a loopback port nothing listens on
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	route := func(target string) []Route { return []Route{{Host: "game.example", Port: 9000, Target: target}} }
	tests := []struct {
		name   string
		opt    Options
		origin string
		want   outcome
		reason string // a part of the close reason
	}{
		{name: "policy allows", opt: Options{Routes: route(plain), Policy: mustPolicy(t, allowApp)},
			origin: "http://app.example", want: outcome{Echo: "hello"}},
		{name: "policy allows https caller", opt: Options{Routes: route(plain), Policy: mustPolicy(t, allowApp)},
			origin: "https://app.example", want: outcome{Echo: "hello"}},
		{name: "policy denies caller", opt: Options{Routes: route(plain), Policy: mustPolicy(t, allowApp)},
			origin: "http://evil.example", want: outcome{Code: ClosePolicy}, reason: "evil.example"},
		{name: "no origin", opt: Options{Routes: route(plain), Policy: mustPolicy(t, allowAll)},
			want: outcome{Code: ClosePolicy}, reason: "no Origin header"},
		{name: "null origin", opt: Options{Routes: route(plain), Policy: mustPolicy(t, allowAll)},
			origin: "null", want: outcome{Code: ClosePolicy}, reason: "null"},
		{name: "policy grants other port", opt: Options{Routes: []Route{{Host: "game.example", Port: 9001, Target: plain}}, Policy: mustPolicy(t, allowApp)},
			origin: "http://app.example", want: outcome{Code: ClosePolicy}},
		{name: "lookup: inline policy on the port", opt: Options{Routes: route(withPolicy), Dial: socketMaster(t, "")},
			origin: "http://app.example", want: outcome{Echo: "hello"}},
		{name: "lookup: inline policy denies", opt: Options{Routes: route(withPolicy), Dial: socketMaster(t, "")},
			origin: "http://evil.example", want: outcome{Code: ClosePolicy}},
		{name: "lookup: policy missing", opt: Options{Routes: route(plain), Dial: socketMaster(t, "")},
			origin: "http://app.example", want: outcome{Code: ClosePolicy}},
		{name: "lookup: master grants", opt: Options{Routes: route(plain), Dial: socketMaster(t, allowApp)},
			origin: "http://app.example", want: outcome{Echo: "hello"}},
		{name: "lookup: master-only master stops the port's grant", opt: Options{Routes: route(withPolicy), Dial: socketMaster(t, masterOnlyNoGrant)},
			origin: "http://app.example", want: outcome{Code: ClosePolicy}},
		{name: "target down", opt: Options{Routes: route(down), Policy: mustPolicy(t, allowApp)},
			origin: "http://app.example", want: outcome{Code: CloseTargetUnreach}, reason: "cannot reach game.example:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br, base, logs := start(t, tt.opt)
			c, _, err := dial(t, base+tt.opt.Routes[0].Path(), tt.origin)
			require.NoError(t, err)
			defer c.CloseNow()
			got := exchange(t, c, "hello")
			reason := got.Reason
			got.Reason = ""
			assert.Equal(t, tt.want, got)
			assert.Contains(t, reason, tt.reason)
			assert.LessOrEqual(t, len(reason), maxCloseReasonBytes)
			// One record per connection, once it has ended.
			require.Eventually(t, func() bool { return br.Open() == 0 }, 5*time.Second, 10*time.Millisecond)
			log := logs.String()
			assert.Equal(t, 1, strings.Count(log, "bridge connection"), log)
			assert.Contains(t, log, "route=game.example:")
			switch {
			case tt.want.Echo != "":
				assert.Contains(t, log, "decision=allow")
				assert.Contains(t, log, "bytes_in=5 bytes_out=5")
			case tt.want.Code == ClosePolicy:
				assert.Contains(t, log, "decision=deny")
				assert.Contains(t, log, "bytes_in=0 bytes_out=0 close=1008")
			default:
				assert.Contains(t, log, "decision=allow")
				assert.Contains(t, log, "close="+strconv.Itoa(int(tt.want.Code)))
			}
		})
	}
}

// TestBridgeNotBridged: what is not a bridged WebSocket gets an HTTP
// answer, and nothing is dialled.
func TestBridgeNotBridged(t *testing.T) {
	dialled := 0
	_, base, _ := start(t, Options{
		Routes: []Route{{Host: "game.example", Port: 9000}},
		Policy: mustPolicy(t, allowAll),
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dialled++
			return nil, errors.New("no")
		},
	})
	httpBase := "http" + strings.TrimPrefix(base, "ws")
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/game.example:9000", http.StatusUpgradeRequired},
		{"/game.example:9001", http.StatusNotFound},
		{"/other.example:9000", http.StatusNotFound},
		{"/", http.StatusNotFound},
		{"/game.example:9000/x", http.StatusNotFound},
	} {
		resp, err := http.Get(httpBase + tt.path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tt.want, resp.StatusCode, tt.path)
	}
	// A host written otherwise is the same route.
	c, _, err := dial(t, base+"/GAME.example:9000", "http://app.example")
	require.NoError(t, err)
	got := exchange(t, c, "x")
	assert.Equal(t, CloseTargetUnreach, got.Code)
	assert.Equal(t, 1, dialled)
}

func TestBridgeMessages(t *testing.T) {
	target := echoServer(t, "")
	_, base, logs := start(t, Options{
		Routes:          []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy:          mustPolicy(t, allowAll),
		MaxMessageBytes: 1024,
	})
	url := base + "/game.example:9000"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("text message", func(t *testing.T) {
		c, _, err := dial(t, url, "http://app.example")
		require.NoError(t, err)
		require.NoError(t, c.Write(ctx, websocket.MessageText, []byte("hi")))
		_, _, err = c.Read(ctx)
		assert.Equal(t, CloseUnsupported, websocket.CloseStatus(err))
	})
	t.Run("message too big", func(t *testing.T) {
		c, _, err := dial(t, url, "http://app.example")
		require.NoError(t, err)
		c.Write(ctx, websocket.MessageBinary, make([]byte, 1025))
		_, _, err = c.Read(ctx)
		assert.Equal(t, CloseMessageTooBig, websocket.CloseStatus(err))
	})
	t.Run("many messages, both ways", func(t *testing.T) {
		c, _, err := dial(t, url, "http://app.example")
		require.NoError(t, err)
		c.SetReadLimit(-1)
		var sent, got bytes.Buffer
		for i := range 200 {
			msg := bytes.Repeat([]byte{byte(i)}, 1+i*5)
			sent.Write(msg)
			require.NoError(t, c.Write(ctx, websocket.MessageBinary, msg))
		}
		for got.Len() < sent.Len() {
			_, b, err := c.Read(ctx)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(b), 1024, "a message to the caller is at most MaxMessageBytes")
			got.Write(b)
		}
		assert.Equal(t, sent.Bytes(), got.Bytes())
		c.Close(websocket.StatusNormalClosure, "")
	})
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `end="text message"`) }, 5*time.Second, 10*time.Millisecond)
}

func TestBridgeIdle(t *testing.T) {
	target := echoServer(t, "")
	_, base, logs := start(t, Options{
		Routes:      []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy:      mustPolicy(t, allowAll),
		IdleTimeout: 300 * time.Millisecond,
	})
	c, _, err := dial(t, base+"/game.example:9000", "http://app.example")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Traffic keeps it open past the timeout.
	for range 4 {
		time.Sleep(100 * time.Millisecond)
		require.NoError(t, c.Write(ctx, websocket.MessageBinary, []byte("x")))
		_, _, err := c.Read(ctx)
		require.NoError(t, err)
	}
	begin := time.Now()
	_, _, err = c.Read(ctx)
	assert.Equal(t, CloseNormal, websocket.CloseStatus(err))
	assert.Less(t, time.Since(begin), 5*time.Second)
	var ce websocket.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "idle for 300ms", ce.Reason)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "end=idle") }, 5*time.Second, 10*time.Millisecond)
}

// TestBridgeFlood: a flood of idle connections fills the bridge; the
// next handshake gets 503 at once; the idle ones are closed after
// IdleTimeout and the bridge serves again.
func TestBridgeFlood(t *testing.T) {
	target := echoServer(t, "")
	const max = 16
	br, base, _ := start(t, Options{
		Routes:      []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy:      mustPolicy(t, allowAll),
		MaxConns:    max,
		IdleTimeout: 500 * time.Millisecond,
	})
	url := base + "/game.example:9000"
	var flood []*websocket.Conn
	for range max {
		c, _, err := dial(t, url, "http://app.example")
		require.NoError(t, err)
		flood = append(flood, c)
		// The flood reads nothing but must take the close frames.
		go c.Read(context.Background())
	}
	assert.Equal(t, max, br.Open())
	_, resp, err := dial(t, url, "http://app.example")
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))

	require.Eventually(t, func() bool { return br.Open() == 0 }, 10*time.Second, 20*time.Millisecond)
	c, _, err := dial(t, url, "http://app.example")
	require.NoError(t, err)
	assert.Equal(t, "again", exchange(t, c, "again").Echo)
	for _, c := range flood {
		c.CloseNow()
	}
}

func TestBridgeShutdown(t *testing.T) {
	target := echoServer(t, "")
	br, base, _ := start(t, Options{
		Routes: []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy: mustPolicy(t, allowAll),
	})
	url := base + "/game.example:9000"
	c, _, err := dial(t, url, "http://app.example")
	require.NoError(t, err)
	assert.Equal(t, "a", exchange(t, c, "a").Echo)
	c2, _, err := dial(t, url, "http://app.example")
	require.NoError(t, err)
	read := make(chan error, 1)
	go func() { _, _, err := c2.Read(context.Background()); read <- err }()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t.Log("open", br.Open())
	assert.ErrorIs(t, br.Shutdown(ctx), context.DeadlineExceeded)
	assert.Equal(t, CloseGoingAway, websocket.CloseStatus(<-read))
	_, resp, err := dial(t, url, "http://app.example")
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Eventually(t, func() bool { return br.Open() == 0 }, 5*time.Second, 10*time.Millisecond)
	assert.NoError(t, br.Shutdown(context.Background()))
}

// TestBridgeReload: SetPolicy applies to the next connection; the default
// lookup reads the files again once LookupTTL has passed.
func TestBridgeReload(t *testing.T) {
	target := echoServer(t, "")
	br, base, _ := start(t, Options{
		Routes: []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy: mustPolicy(t, allowApp),
	})
	url := base + "/game.example:9000"
	try := func(origin string) outcome {
		c, _, err := dial(t, url, origin)
		require.NoError(t, err)
		o := exchange(t, c, "x")
		o.Reason = ""
		return o
	}
	assert.Equal(t, outcome{Echo: "x"}, try("http://app.example"))
	assert.Equal(t, outcome{Code: ClosePolicy}, try("http://new.example"))
	br.SetPolicy(mustPolicy(t, strings.ReplaceAll(allowApp, "app.example", "new.example")), "reloaded.xml")
	assert.Equal(t, outcome{Echo: "x"}, try("http://new.example"))
	assert.Equal(t, outcome{Code: ClosePolicy}, try("http://app.example"))

	// The lookup, renewed.
	var mu sync.Mutex
	policy := allowApp
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			p := policy
			mu.Unlock()
			io.ReadFull(c, make([]byte, 23))
			io.WriteString(c, p+"\x00")
			c.Close()
		}
	}()
	masterDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasSuffix(addr, ":843") {
			addr = ln.Addr().String()
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	_, base2, _ := start(t, Options{
		Routes:    []Route{{Host: "game.example", Port: 9000, Target: target}},
		Dial:      masterDial,
		LookupTTL: 200 * time.Millisecond,
	})
	url = base2 + "/game.example:9000"
	assert.Equal(t, outcome{Code: ClosePolicy}, try("http://new.example"))
	mu.Lock()
	policy = strings.ReplaceAll(allowApp, "app.example", "new.example")
	mu.Unlock()
	assert.Equal(t, outcome{Code: ClosePolicy}, try("http://new.example"), "cached within LookupTTL")
	time.Sleep(250 * time.Millisecond)
	assert.Equal(t, outcome{Echo: "x"}, try("http://new.example"))
}

func TestNewRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  Options
		want string
	}{
		{"no routes", Options{}, "no routes"},
		{"twice", Options{Routes: []Route{{Host: "a.example", Port: 1}, {Host: "A.example", Port: 1, Target: "x:1"}}}, "twice"},
		{"bad port", Options{Routes: []Route{{Host: "a.example", Port: 0}}}, "port"},
		{"843 nowhere", Options{Routes: []Route{{Host: "a.example", Port: 1, Target: "h1:1"}, {Host: "a.example", Port: 2, Target: "h2:2"}}}, "different hosts"},
	} {
		_, err := New(tt.opt)
		assert.ErrorContains(t, err, tt.want, tt.name)
	}
	// With a policy, the 843 master is not asked, so split targets are fine.
	_, err := New(Options{Routes: []Route{{Host: "a.example", Port: 1, Target: "h1:1"}, {Host: "a.example", Port: 2, Target: "h2:2"}},
		Policy: mustPolicy(t, allowAll)})
	assert.NoError(t, err)
}

func TestParseRoute(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Route
		err  string
	}{
		{in: "game.example:9000=10.0.0.5:7000", want: Route{Host: "game.example", Port: 9000, Target: "10.0.0.5:7000"}},
		{in: "game.example:9000", want: Route{Host: "game.example", Port: 9000}},
		{in: "GAME.Example:9000", want: Route{Host: "game.example", Port: 9000}},
		{in: "bücher.example:843", want: Route{Host: "xn--bcher-kva.example", Port: 843}},
		{in: "[2001:DB8::1]:9000=[::1]:9000", want: Route{Host: "2001:db8::1", Port: 9000, Target: "[::1]:9000"}},
		{in: "game.example", err: "want host:port"},
		{in: ":9000", err: "no host"},
		{in: "game.example:0", err: "port"},
		{in: "game.example:65536", err: "port"},
		{in: "game.example:+80", err: "port"},
		{in: "game.example:080", err: "port"},
		{in: "game.example:x", err: "port"},
		{in: "game.example:9000=", err: "target"},
		{in: "game.example:9000=host", err: "target"},
		{in: "a..b:1", err: "route"},
	} {
		got, err := ParseRoute(tt.in)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.in)
			var re *RouteError
			assert.ErrorAs(t, err, &re, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		again, err := ParseRoute(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, again, "String round-trips")
	}
	r := Route{Host: "2001:db8::1", Port: 9000}
	assert.Equal(t, "/[2001:db8::1]:9000", r.Path())
	assert.Equal(t, "[2001:db8::1]:9000", r.Dest())
}

func TestClipReason(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	got := clip(long, maxCloseReasonBytes)
	assert.LessOrEqual(t, len(got), maxCloseReasonBytes)
	assert.True(t, strings.HasSuffix(got, "…"))
	assert.True(t, strings.HasPrefix(long, strings.TrimSuffix(got, "…")))
	assert.Equal(t, "short", clip("short", maxCloseReasonBytes))
	assert.Equal(t, strings.Repeat("a", 123), clip(strings.Repeat("a", 123), maxCloseReasonBytes))
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"game.example:9000=10.0.0.5:7000", "[::1]:1", "a:1=b:2", "x:65535", "=:", "é:1=é:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoute(s)
		if err != nil {
			return
		}
		if r.Port < 1 || r.Port > 65535 || r.Host == "" {
			t.Fatalf("%q: parsed to %+v", s, r)
		}
		again, err := ParseRoute(r.String())
		if err != nil || again != r {
			t.Fatalf("%q: %+v does not round-trip: %+v, %v", s, r, again, err)
		}
		if _, err := strconv.Atoi(strings.TrimPrefix(r.Path()[strings.LastIndex(r.Path(), ":"):], ":")); err != nil {
			t.Fatalf("%q: path %q", s, r.Path())
		}
	})
}

// TestBridgeCloseAll: at shutdown every connection is closed with 1001
// and has logged by the time Shutdown returns; a caller that never
// answers the close frame is dropped after the grace.
func TestBridgeCloseAll(t *testing.T) {
	target := echoServer(t, "")
	br, base, logs := start(t, Options{
		Routes: []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy: mustPolicy(t, allowAll),
	})
	url := base + "/game.example:9000"
	const n = 5
	reads := make(chan error, n)
	for range n {
		c, _, err := dial(t, url, "http://app.example")
		require.NoError(t, err)
		go func() { _, _, err := c.Read(context.Background()); reads <- err }()
	}
	// One caller that reads nothing, so never answers the close frame.
	deaf, _, err := dial(t, url, "http://app.example")
	require.NoError(t, err)
	defer deaf.CloseNow()
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "bridge connection") == 0 && br.Open() == n+1 }, 5*time.Second, 10*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	assert.ErrorIs(t, br.Shutdown(ctx), context.DeadlineExceeded)
	took := time.Since(begin)
	assert.Less(t, took, 100*time.Millisecond+closeGrace+time.Second, "bounded by the grace")
	assert.GreaterOrEqual(t, took, 100*time.Millisecond+closeGrace, "the deaf caller had the grace")
	assert.Equal(t, n+1, strings.Count(logs.String(), "bridge connection"), "every connection logged before Shutdown returned")
	assert.Equal(t, n+1, strings.Count(logs.String(), "close=1001 end=shutdown"))
	for range n {
		assert.Equal(t, CloseGoingAway, websocket.CloseStatus(<-reads))
	}
	assert.Equal(t, 0, br.Open())
}

// TestBridgeWholeMessages: a message over MaxMessageBytes never reaches
// the target, not even in part.
func TestBridgeWholeMessages(t *testing.T) {
	var mu sync.Mutex
	var got []byte
	target := fakesite.Listen(t, func(c net.Conn) {
		b, _ := io.ReadAll(c)
		mu.Lock()
		got = append(got, b...)
		mu.Unlock()
	})
	br, base, logs := start(t, Options{
		Routes:          []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy:          mustPolicy(t, allowAll),
		MaxMessageBytes: 1024,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, size := range []int{1025, 1026, 100_000} {
		c, _, err := dial(t, base+"/game.example:9000", "http://app.example")
		require.NoError(t, err)
		require.NoError(t, c.Write(ctx, websocket.MessageBinary, make([]byte, 1024))) // whole: forwarded
		c.Write(ctx, websocket.MessageBinary, make([]byte, size))
		_, _, err = c.Read(ctx)
		assert.Equal(t, CloseMessageTooBig, websocket.CloseStatus(err), size)
	}
	require.Eventually(t, func() bool { return br.Open() == 0 }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3*1024 }, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, logs.String(), "bytes_in=1024 bytes_out=0 close=1009")
}

type failingDecider struct{}

func (failingDecider) Decide(context.Context, match.Request) (*match.Lookup, error) {
	return nil, errors.New("the policy store is down")
}

// TestBridgeRefusals: what the page sees in odd cases, and that nothing
// inside the network shows in a close reason.
func TestBridgeRefusals(t *testing.T) {
	target := echoServer(t, "")
	var dialled atomic.Int32
	dialCount := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !strings.HasSuffix(addr, ":843") {
			dialled.Add(1)
		}
		return socketMaster(t, "")(ctx, network, addr)
	}

	t.Run("decider fails", func(t *testing.T) {
		_, base, logs := start(t, Options{Routes: []Route{{Host: "game.example", Port: 9000, Target: target}}, Decider: failingDecider{}})
		c, _, err := dial(t, base+"/game.example:9000", "http://app.example")
		require.NoError(t, err)
		got := exchange(t, c, "x")
		assert.Equal(t, outcome{Code: CloseInternalError, Reason: "the socket policy could not be judged"}, got)
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), "the policy store is down") }, 5*time.Second, 10*time.Millisecond)
	})
	t.Run("lookup detail stays in the log", func(t *testing.T) {
		_, base, logs := start(t, Options{Routes: []Route{{Host: "game.example", Port: 9000, Target: target}}, Dial: dialCount})
		c, _, err := dial(t, base+"/game.example:9000", "http://app.example")
		require.NoError(t, err)
		got := exchange(t, c, "x")
		assert.Equal(t, outcome{Code: ClosePolicy, Reason: "no socket policy grants http://app.example this socket"}, got)
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), "decision=deny") }, 5*time.Second, 10*time.Millisecond)
		assert.Contains(t, logs.String(), "127.0.0.1", "the log has the detail")
	})
	t.Run("file origin", func(t *testing.T) {
		_, base, _ := start(t, Options{Routes: []Route{{Host: "game.example", Port: 9000, Target: target}}, Policy: mustPolicy(t, allowAll)})
		for _, origin := range []string{"file:///x", "http://app.example/page", "ftp://app.example"} {
			c, _, err := dial(t, base+"/game.example:9000", origin)
			require.NoError(t, err)
			got := exchange(t, c, "x")
			assert.Equal(t, ClosePolicy, got.Code, origin)
			assert.Contains(t, got.Reason, "not", origin)
		}
	})
	t.Run("not a handshake: nothing dialled", func(t *testing.T) {
		dialled.Store(0)
		_, base, _ := start(t, Options{Routes: []Route{{Host: "game.example", Port: 9000, Target: target}}, Policy: mustPolicy(t, allowAll), Dial: dialCount})
		httpURL := "http" + strings.TrimPrefix(base, "ws") + "/game.example:9000"
		for _, tt := range []struct {
			method string
			header map[string]string
		}{
			{"POST", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}},
			{"GET", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}},
			{"GET", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}},
			{"GET", map[string]string{"Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}},
			// Past the quick checks, refused by the library's handshake:
			// still nothing dialled.
			{"GET", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "short"}},
		} {
			req, err := http.NewRequest(tt.method, httpURL, nil)
			require.NoError(t, err)
			req.Header.Set("Origin", "http://app.example")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			if tt.header["Sec-WebSocket-Key"] == "short" {
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			} else {
				assert.Equal(t, http.StatusUpgradeRequired, resp.StatusCode, tt)
			}
		}
		assert.Zero(t, dialled.Load())
	})
}

func TestPageReason(t *testing.T) {
	req, err := match.NewRequest("https://app.example", "xmlsocket://game.example:9000")
	require.NoError(t, err)
	for _, tt := range []struct {
		code match.Code
		want string
	}{
		{match.NoCaller, "the socket policy admits no caller https://app.example"},
		{match.NotGranted, "the socket policy does not grant port 9000 to https://app.example"},
		{match.NotSecure, "the socket policy admits https://app.example from https pages only"},
		{match.NoPolicy, "no socket policy grants https://app.example this socket"},
		{match.Rejected, "no socket policy grants https://app.example this socket"},
		{match.Malformed, "detail"},
		{match.TypeNotAllowed, "the socket policy denies https://app.example (" + match.TypeNotAllowed.String() + ")"},
	} {
		d := match.Deny(req, tt.code, "flash", "/etc/secret/path.xml", "detail")
		assert.Equal(t, tt.want, pageReason(d), tt.code.String())
	}
}

// TestBridgeSetPolicyNil: SetPolicy(nil) goes back to the lookup.
func TestBridgeSetPolicyNil(t *testing.T) {
	target := echoServer(t, allowApp) // answers the policy inline
	br, base, _ := start(t, Options{
		Routes: []Route{{Host: "game.example", Port: 9000, Target: target}},
		Policy: mustPolicy(t, allowAll),
		Dial:   socketMaster(t, ""),
	})
	try := func(origin string) websocket.StatusCode {
		c, _, err := dial(t, base+"/game.example:9000", origin)
		require.NoError(t, err)
		return exchange(t, c, "x").Code
	}
	assert.Equal(t, websocket.StatusCode(0), try("http://other.example"))
	br.SetPolicy(nil, "")
	assert.Equal(t, ClosePolicy, try("http://other.example"))
	assert.Equal(t, websocket.StatusCode(0), try("http://app.example"))
}

// blockingDecider decides nothing until its context ends.
type blockingDecider struct{ asked chan struct{} }

func (d blockingDecider) Decide(ctx context.Context, _ match.Request) (*match.Lookup, error) {
	d.asked <- struct{}{}
	<-ctx.Done()
	return nil, ctx.Err()
}

// Close ends the decisions in progress: their handshakes get 503 and
// their records are logged before Close returns; nothing is dialled.
func TestBridgeCloseWhileDeciding(t *testing.T) {
	var dialled atomic.Int32
	d := blockingDecider{asked: make(chan struct{}, 1)}
	br, base, logs := start(t, Options{
		Routes:  []Route{{Host: "game.example", Port: 9000, Target: "127.0.0.1:1"}},
		Decider: d,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dialled.Add(1)
			return nil, errors.New("no")
		},
	})
	errc := make(chan error, 1)
	var resp *http.Response
	go func() {
		var err error
		_, resp, err = dial(t, base+"/game.example:9000", "http://app.example")
		errc <- err
	}()
	<-d.asked
	begin := time.Now()
	require.NoError(t, br.Close())
	assert.Less(t, time.Since(begin), closeGrace, "Close does not wait out the decision")
	assert.Contains(t, logs.String(), `end="shutdown while deciding"`)
	require.Error(t, <-errc)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Zero(t, dialled.Load())
}

// A host whose routes go to different hosts has no socket master: with
// the lookup (after SetPolicy(nil)), its port 843 is asked nowhere.
func TestBridgeSplitHostNoMaster(t *testing.T) {
	var asked sync.Map
	plain := echoServer(t, "")
	br, base, _ := start(t, Options{
		Routes: []Route{{Host: "game.example", Port: 9000, Target: plain}, {Host: "game.example", Port: 9001, Target: "localhost:1"}},
		Policy: mustPolicy(t, allowAll),
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			asked.Store(addr, true)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	})
	br.SetPolicy(nil, "")
	c, _, err := dial(t, base+"/game.example:9000", "http://app.example")
	require.NoError(t, err)
	assert.Equal(t, ClosePolicy, exchange(t, c, "x").Code)
	asked.Range(func(k, _ any) bool {
		assert.False(t, strings.HasSuffix(k.(string), ":843"), "asked %s", k)
		return true
	})
}

func TestNewMaxMessage(t *testing.T) {
	_, err := New(Options{Routes: []Route{{Host: "a.example", Port: 1}}, MaxMessageBytes: math.MaxInt64})
	assert.ErrorContains(t, err, "MaxMessageBytes")
	_, err = New(Options{Routes: []Route{{Host: "a.example", Port: 1}}, MaxMessageBytes: MaxMessageBytesLimit})
	assert.NoError(t, err)
}
