package clientaccess

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
)

var servedPolicy = &Policy{CrossDomainAccess: []CrossDomainAccess{{Policies: []Rule{{
	AllowFrom: []AllowFrom{{Domains: []Domain{{URI: "http://app.example.com"}}}},
	GrantTo: []GrantTo{{
		Resources:       []Resource{{Path: "/api", IncludeSubpaths: true}},
		SocketResources: []SocketResource{{Port: match.PortRange{Lo: 4502, Hi: 4506}, Protocol: "tcp"}},
	}},
}}}}}

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

// The handler and the port-943 server, as Silverlight's lookup finds them.
func TestServingWithClient(t *testing.T) {
	h, err := NewHandler(servedPolicy, &HandlerOptions{PermittedCrossDomainPolicies: crossdomain.PermitNone})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/clientaccesspolicy.xml", h)
	sock := serveSocket(t, &SocketServer{Policy: servedPolicy})
	site := fakesite.Start(t, fakesite.Site{
		Handlers: map[string]http.Handler{"http://api.example.com": mux},
		Addrs:    map[string]string{"api.example.com:943": sock},
	})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext}
	for _, tt := range []struct {
		caller, target string
		allowed        bool
		source         string
	}{
		{"http://app.example.com/a.xap", "http://api.example.com/api/feed", true, "http://api.example.com/clientaccesspolicy.xml"},
		{"http://app.example.com/a.xap", "http://api.example.com/other", false, ""},
		{"http://evil.example/a.xap", "http://api.example.com/api/feed", false, ""},
		{"http://app.example.com/a.xap", "tcp://api.example.com:4503", true, "tcp://api.example.com:943"},
		{"http://app.example.com/a.xap", "tcp://api.example.com:4510", false, ""},
	} {
		req, err := match.NewRequest(tt.caller, tt.target)
		require.NoError(t, err)
		l, err := c.Decide(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, tt.allowed, l.Decision.Allowed, "%s -> %s: %s", tt.caller, tt.target, l.Decision)
		if tt.allowed {
			assert.Equal(t, tt.source, l.Decision.Source)
		}
	}
}

func TestSocketServerBytes(t *testing.T) {
	s := &SocketServer{Policy: servedPolicy}
	want, err := s.Reply()
	require.NoError(t, err)
	data, _ := servedPolicy.Marshal()
	assert.Equal(t, data, want, "the file as Marshal writes it, no NUL")
	addr := serveSocket(t, s)

	exchange := func(req string) string {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, req)
		b, _ := io.ReadAll(c) // Silverlight reads until the server closes
		return string(b)
	}
	assert.Equal(t, string(want), exchange("<policy-file-request/>"))
	assert.Empty(t, exchange("<policy-file-request>"))
	assert.Empty(t, exchange("GET /clientaccesspolicy.xml HTTP/1.1\r\n\r\n"))
}

func TestServingChecks(t *testing.T) {
	_, err := NewRawHandler([]byte("<access-policy>\n<cross-domain-access>"), nil)
	var d *match.Diagnostic
	require.ErrorAs(t, err, &d)
	assert.Contains(t, err.Error(), "Silverlight would reject this policy: 2:")
	_, err = NewHandler(&Policy{CrossDomainAccess: []CrossDomainAccess{{}}}, nil)
	assert.Error(t, err)
	_, err = NewHandler(servedPolicy, &HandlerOptions{PermittedCrossDomainPolicies: 77})
	assert.ErrorContains(t, err, "not a meta-policy")

	for name, s := range map[string]*SocketServer{
		"nothing":  {},
		"rejected": {Raw: []byte(`<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>`)},
	} {
		err := s.ListenAndServe("127.0.0.1:0")
		assert.Error(t, err, name)
		assert.NotErrorIs(t, err, ErrServerClosed, name)
	}
	var logs strings.Builder
	_, err = (&SocketServer{Raw: []byte(`<access-policy><cross-domain-access><policy><allow-from><domain uri="*"/></allow-from><grant-to><resource path="/"/></grant-to></policy></cross-domain-access></access-policy>`),
		Logger: newLogger(&logs)}).Reply()
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "grants no socket access")
}

func newLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// TestSocketServerSetRaw: a reload changes what the next connection gets;
// a rejected one changes nothing.
func TestSocketServerSetRaw(t *testing.T) {
	s := &SocketServer{Policy: servedPolicy}
	addr := serveSocket(t, s)
	exchange := func() string {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "<policy-file-request/>")
		b, _ := io.ReadAll(c)
		return string(b)
	}
	first := exchange()
	next := strings.Replace(first, "4506", "4510", 1)
	require.NotEqual(t, first, next)
	require.NoError(t, s.SetRaw([]byte(next)))
	assert.Equal(t, next, exchange())
	assert.Error(t, s.SetRaw([]byte("<access-policy>")))
	assert.Equal(t, next, exchange(), "the old policy stays")
	require.NoError(t, s.SetPolicy(servedPolicy))
	assert.Equal(t, first, exchange())
	assert.Error(t, s.SetPolicy(nil))
}
