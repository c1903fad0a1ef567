package crossdomain

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
)

// syncBuffer is a log destination for servers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveSocket runs s on a loopback port until the test ends.
func serveSocket(t *testing.T, s *SocketServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, s.Shutdown(context.Background()))
		assert.ErrorIs(t, <-done, ErrServerClosed)
	})
	return ln.Addr().String()
}

func dialExchange(t *testing.T, addr string, req string) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = io.WriteString(c, req)
	require.NoError(t, err)
	b, _ := io.ReadAll(c)
	return b
}

// The handlers, mounted in a mux, as Flash Player's lookup finds them:
// the master allows by-content-type, so the non-master file under /api/
// counts because it is served as text/x-cross-domain-policy.
func TestHandlersWithClient(t *testing.T) {
	master, err := NewHandler(&Policy{
		SiteControl:     []SiteControl{{PermittedCrossDomainPolicies: "by-content-type"}},
		AllowAccessFrom: []AllowAccessFrom{{Domain: "www.example.com"}},
	}, &HandlerOptions{PermittedCrossDomainPolicies: PermitByContentType})
	require.NoError(t, err)
	api, err := NewRawHandler([]byte(`<cross-domain-policy><allow-access-from domain="*.partner.example"/></cross-domain-policy>`),
		&HandlerOptions{Kind: NonMaster})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/crossdomain.xml", master)
	mux.Handle("/api/crossdomain.xml", api)
	mux.Handle("/", http.NotFoundHandler())
	site := fakesite.Start(t, fakesite.Site{Handlers: map[string]http.Handler{
		"http://api.example.com": MetaPolicyHandler(mux, PermitByContentType),
	}})
	c := &Client{HTTPClient: site.Client(), PolicyFiles: []string{"http://api.example.com/api/crossdomain.xml"}}

	for _, tt := range []struct {
		caller, target string
		allowed        bool
	}{
		{"http://www.example.com/a.swf", "http://api.example.com/data.xml", true},
		{"http://evil.example/a.swf", "http://api.example.com/data.xml", false},
		{"http://app.partner.example/a.swf", "http://api.example.com/api/feed", true},
		{"http://app.partner.example/a.swf", "http://api.example.com/other/feed", false},
	} {
		req, err := match.NewRequest(tt.caller, tt.target)
		require.NoError(t, err)
		l, err := c.Decide(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, tt.allowed, l.Decision.Allowed, "%s -> %s: %s", tt.caller, tt.target, l.Decision)
		for _, f := range l.Files {
			assert.Equal(t, ContentType, f.ContentType, f.URL)
			assert.Equal(t, "by-content-type", f.MetaPolicy, f.URL)
		}
	}
}

func TestNewHandlerChecks(t *testing.T) {
	_, err := NewHandler(&Policy{SiteControl: []SiteControl{{PermittedCrossDomainPolicies: "all"}}}, &HandlerOptions{Kind: NonMaster})
	assert.ErrorContains(t, err, "site-control in a non-master")
	_, err = NewHandler(&Policy{AllowAccessFrom: []AllowAccessFrom{{Domain: "http://"}}}, nil)
	var verr *ValidationError
	assert.ErrorAs(t, err, &verr)
	_, err = NewHandler(&Policy{}, &HandlerOptions{Kind: SocketMaster})
	assert.ErrorContains(t, err, "not over HTTP")
	_, err = NewHandler(&Policy{}, &HandlerOptions{PermittedCrossDomainPolicies: 42})
	assert.ErrorContains(t, err, "not a meta-policy")

	_, err = NewRawHandler([]byte("<cross-domain-policy>\n  <allow-access-from domain='*'>\n</cross-domain-policy>"), nil)
	var d *match.Diagnostic
	require.ErrorAs(t, err, &d)
	assert.Equal(t, 3, d.Pos.Line)
	assert.Contains(t, err.Error(), "Flash Player would reject this master policy")

	assert.Panics(t, func() { MetaPolicyHandler(http.NotFoundHandler(), 0) })
	w := httptest.NewRecorder()
	MetaPolicyHandler(http.NotFoundHandler(), PermitNone).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	assert.Equal(t, "none", w.Header().Get(HeaderMetaPolicy))
}

const socketPolicy = `<cross-domain-policy><allow-access-from domain="*.example.com" to-ports="5000-5010"/></cross-domain-policy>`

func TestSocketServerBytes(t *testing.T) {
	p, _, err := ParseSocket([]byte(socketPolicy))
	require.NoError(t, err)
	for name, s := range map[string]*SocketServer{
		"Raw":          {Raw: []byte(socketPolicy)},
		"Raw with NUL": {Raw: []byte(socketPolicy + "\x00")},
		"Policy":       {Policy: p},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := s.Reply()
			require.NoError(t, err)
			assert.Equal(t, byte(0), want[len(want)-1])
			assert.Equal(t, 1, strings.Count(string(want), "\x00"))
			addr := serveSocket(t, s)
			assert.Equal(t, want, dialExchange(t, addr, "<policy-file-request/>\x00"), "the policy, its NUL, and the close")
			assert.Empty(t, dialExchange(t, addr, "<policy-file-request/>"+"x"))
		})
	}
	got, _ := (&SocketServer{Raw: []byte(socketPolicy)}).Reply()
	assert.Equal(t, socketPolicy+"\x00", string(got), "Raw is served as it is")
}

func TestSocketServerChecksAtStart(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    *SocketServer
		err  string
	}{
		{"nothing", &SocketServer{}, "neither Policy nor Raw"},
		{"not XML", &SocketServer{Raw: []byte("hello")}, "Flash Player would reject this socket policy: 1:1"},
		{"a NUL inside", &SocketServer{Raw: []byte("<cross-domain-policy>\x00</cross-domain-policy>")}, "NUL at byte 21"},
		{"no to-ports", &SocketServer{Policy: &Policy{AllowAccessFrom: []AllowAccessFrom{{Domain: "*"}}}}, "to-ports"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.ListenAndServe("127.0.0.1:0")
			assert.ErrorContains(t, err, tt.err)
			_, err = tt.s.Reply()
			assert.ErrorContains(t, err, tt.err)
			_, err = NewListener(nil, ListenerOptions{Policy: tt.s.Policy, Raw: tt.s.Raw})
			assert.ErrorContains(t, err, tt.err)
			assert.NoError(t, tt.s.Shutdown(context.Background()))
		})
	}
}

// The dedicated server on 843 and the inline listener on an application
// port, as Flash Player's lookup finds them.
func TestSocketServersWithClient(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	master := serveSocket(t, &SocketServer{
		Raw:    []byte(`<cross-domain-policy><site-control permitted-cross-domain-policies="all"/><allow-access-from domain="www.example.com" to-ports="5000"/></cross-domain-policy>`),
		Logger: logger,
	})

	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	app, err := NewListener(inner, ListenerOptions{Raw: []byte(socketPolicy), Logger: logger})
	require.NoError(t, err)
	defer app.Close()
	go func() {
		for {
			c, err := app.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "app\n")
			c.Close()
		}
	}()

	site := fakesite.Start(t, fakesite.Site{Addrs: map[string]string{
		"master.example.com:843":  master,
		"master.example.com:5001": app.Addr().String(),
		"inline.example.com:5001": app.Addr().String(),
	}})
	c := &Client{DialContext: site.DialContext, SocketTimeout: time.Second}
	for _, tt := range []struct {
		caller, target string
		allowed        bool
		used           string
	}{
		{"http://www.example.com/a.swf", "xmlsocket://master.example.com:5000", true, "xmlsocket://master.example.com:843"},
		{"http://app.example.com/a.swf", "xmlsocket://master.example.com:5001", true, "xmlsocket://master.example.com:5001"},
		{"http://app.example.com/a.swf", "xmlsocket://inline.example.com:5001", true, "xmlsocket://inline.example.com:5001"},
		{"http://app.example.org/a.swf", "xmlsocket://inline.example.com:5001", false, ""},
	} {
		req, err := match.NewRequest(tt.caller, tt.target)
		require.NoError(t, err)
		l, err := c.Decide(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, tt.allowed, l.Decision.Allowed, "%s -> %s: %s", tt.caller, tt.target, l.Decision)
		if tt.allowed {
			assert.Equal(t, tt.used, l.Decision.Source)
		}
	}
	// The application still has its port.
	c2, err := net.Dial("tcp", app.Addr().String())
	require.NoError(t, err)
	c2.SetDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c2)
	c2.Close()
	assert.Equal(t, "app\n", string(b))

	assert.Contains(t, logs.String(), "server=flash")
	assert.Contains(t, logs.String(), "outcome=answered")
	assert.Contains(t, logs.String(), "server=inline")
}

// TestSocketServerSetRaw: a reload changes what the next connection gets;
// a rejected one changes nothing; a server never built takes the new
// policy as its first.
func TestSocketServerSetRaw(t *testing.T) {
	a := `<cross-domain-policy><allow-access-from domain="a.example" to-ports="9000"/></cross-domain-policy>`
	b := `<cross-domain-policy><allow-access-from domain="b.example" to-ports="9000"/></cross-domain-policy>`
	s := &SocketServer{Raw: []byte(a)}
	addr := serveSocket(t, s)
	assert.Equal(t, a+"\x00", string(dialExchange(t, addr, PolicyRequest)))

	require.NoError(t, s.SetRaw([]byte(b)))
	assert.Equal(t, b+"\x00", string(dialExchange(t, addr, PolicyRequest)))
	reply, err := s.Reply()
	require.NoError(t, err)
	assert.Equal(t, b+"\x00", string(reply))

	err = s.SetRaw([]byte(`<cross-domain-policy><allow-access-from`))
	assert.ErrorContains(t, err, "Flash Player would reject this socket policy")
	assert.Equal(t, b+"\x00", string(dialExchange(t, addr, PolicyRequest)), "the old policy stays")
	assert.Error(t, s.SetRaw(nil))
	assert.Error(t, s.SetPolicy(nil))

	require.NoError(t, s.SetPolicy(&Policy{AllowAccessFrom: []AllowAccessFrom{{Domain: "c.example", ToPorts: "9000"}}}))
	assert.Contains(t, string(dialExchange(t, addr, PolicyRequest)), `domain="c.example"`)

	// Never built, or built from a bad policy: the new one is the first.
	var fresh SocketServer
	require.NoError(t, fresh.SetRaw([]byte(a)))
	reply, err = fresh.Reply()
	require.NoError(t, err)
	assert.Equal(t, a+"\x00", string(reply))
	bad := &SocketServer{Raw: []byte("<nope")}
	_, err = bad.Reply()
	require.Error(t, err)
	require.NoError(t, bad.SetRaw([]byte(b)))
	reply, err = bad.Reply()
	require.NoError(t, err)
	assert.Equal(t, b+"\x00", string(reply))
}

// A rejected policy given to a server not yet started changes nothing:
// it starts with the policy it had.
func TestSocketServerSetRawBeforeStart(t *testing.T) {
	a := `<cross-domain-policy><allow-access-from domain="a.example" to-ports="9000"/></cross-domain-policy>`
	var logs syncBuffer
	s := &SocketServer{Raw: []byte(a), Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	require.Error(t, s.SetRaw([]byte("<nope")))
	addr := serveSocket(t, s)
	assert.Equal(t, a+"\x00", string(dialExchange(t, addr, PolicyRequest)))

	// Its warnings are logged once.
	fresh := &SocketServer{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	require.NoError(t, fresh.SetRaw([]byte(`<cross-domain-policy><allow-access-from domain="b.example" to-ports="9000" flashfoo="x"/></cross-domain-policy>`)))
	assert.Equal(t, 1, strings.Count(logs.String(), "flashfoo"), logs.String())
}
