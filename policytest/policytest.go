// Package policytest helps other projects' tests check cross-domain
// policies the way the runtimes read them: it serves policy files from a
// loopback site that answers for a made-up host name, and asserts that a
// caller may (or may not) reach a target under Flash Player, Silverlight
// or the Mozilla draft, failing with the decision's reason and the files
// the runtime consulted.
//
// A test serves its files and asks:
//
//	site := policytest.Serve(t, policytest.Config{
//		Files: map[string]string{"/crossdomain.xml": policy},
//	})
//	site.Allowed(t, policytest.Flash, "http://app.example/a.swf", site.URL+"/api/feed")
//	site.Denied(t, policytest.Flash, "http://evil.example/a.swf", site.URL+"/api/feed")
//
// or checks a handler or socket policy server it built itself:
//
//	policytest.HandlerAllows(t, h, policytest.Flash, "http://app.example/a.swf", "http://api.example/feed")
//	policytest.SocketServerAllows(t, srv, policytest.Flash, "http://app.example/a.swf", "xmlsocket://api.example:5000")
//
// Everything listens on 127.0.0.1 and is closed when the test ends; no
// request leaves the machine, whatever host names the test uses. The
// package depends only on the standard library and this module.
package policytest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/internal/httpserve"
	"github.com/xdpolicy/xdpolicy/match"
)

// Runtime is whose lookup an assertion performs: the module's runtime
// type, so xdpolicy.Flash and policytest.Flash are one value.
type Runtime = xdpolicy.Runtime

// The runtimes.
const (
	Flash       = xdpolicy.Flash
	Silverlight = xdpolicy.Silverlight
	Mozilla     = xdpolicy.Mozilla
)

// DefaultHost is the host name a Site answers for when Config.Host is
// empty.
const DefaultHost = "site.test"

// Config says what a Site serves.
type Config struct {
	// Host is the site's host name (default DefaultHost). Nothing resolves
	// it: the Site's clients reach it on loopback.
	Host string
	// Files maps URL paths to file contents, served over HTTP and HTTPS
	// as the handlers of the format packages serve them (the Content-Type
	// of their format: text/x-cross-domain-policy for files named
	// crossdomain.xml, text/xml otherwise; Cache-Control no-cache; an
	// ETag), but unchecked, so that a test may serve a file the runtime
	// rejects. No meta-policy header unless Header sets one.
	Files map[string]string
	// Header, when set, is sent as X-Permitted-Cross-Domain-Policies on
	// every HTTP response.
	Header string
	// FlashSocket, when set, is served by a crossdomain.SocketServer as
	// the site's port 843; SilverlightSocket by a clientaccess.SocketServer
	// as its port 943. Both are checked as the servers check them: a
	// policy the runtime would reject fails the test at once.
	FlashSocket, SilverlightSocket string
	// Routes sends connections for other host:port pairs to loopback
	// addresses where the test listens (an application port with an
	// inline policy listener, another site).
	Routes map[string]string
}

// Site is a running Config.
type Site struct {
	// Host is the site's host name; URL is "http://" + Host and
	// SecureURL "https://" + Host.
	Host, URL, SecureURL string
	fake                 *fakesite.Server
}

// Serve starts serving cfg until the test ends.
func Serve(tb testing.TB, cfg Config) *Site {
	tb.Helper()
	host := cfg.Host
	if host == "" {
		host = DefaultHost
	}
	mux := http.NewServeMux()
	for p, body := range cfg.Files {
		if !strings.HasPrefix(p, "/") {
			tb.Fatalf("policytest: file path %q does not start with /", p)
		}
		ct := "text/xml"
		if path.Base(p) == "crossdomain.xml" {
			ct = crossdomain.ContentType
		}
		// The library's own file handler, without its checks: a test may
		// serve a file the runtime rejects.
		mux.Handle(p, httpserve.New([]byte(body), ct, "", time.Time{}))
	}
	var h http.Handler = mux
	if cfg.Header != "" {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(crossdomain.HeaderMetaPolicy, cfg.Header)
			mux.ServeHTTP(w, r)
		})
	}
	routes := map[string]string{}
	for hp, addr := range cfg.Routes {
		routes[hp] = addr
	}
	if cfg.FlashSocket != "" {
		routes[net.JoinHostPort(host, "843")] = startSocket(tb, &crossdomain.SocketServer{Raw: []byte(cfg.FlashSocket)})
	}
	if cfg.SilverlightSocket != "" {
		routes[net.JoinHostPort(host, "943")] = startSocket(tb, &clientaccess.SocketServer{Raw: []byte(cfg.SilverlightSocket)})
	}
	fake := fakesite.Start(tb, fakesite.Site{
		Handlers: map[string]http.Handler{"http://" + host: h, "https://" + host: h},
		Addrs:    routes,
	})
	return &Site{Host: host, URL: "http://" + host, SecureURL: "https://" + host, fake: fake}
}

// SocketServer is what crossdomain.SocketServer and
// clientaccess.SocketServer have in common.
type SocketServer interface {
	Serve(net.Listener) error
	Close() error
}

// startSocket serves srv on a loopback port until the test ends.
func startSocket(tb testing.TB, srv SocketServer) string {
	tb.Helper()
	if r, ok := srv.(interface{ Reply() ([]byte, error) }); ok {
		if _, err := r.Reply(); err != nil {
			tb.Fatalf("policytest: %v", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("policytest: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	tb.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// HTTPClient returns a client that reaches the site (and its Routes) on
// loopback, over HTTP and HTTPS; it trusts the site's test certificate.
func (s *Site) HTTPClient() *http.Client { return s.fake.Client() }

// DialContext connects to the site's servers: HTTP, HTTPS, the socket
// policy ports and the Routes; any other address refuses.
func (s *Site) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.fake.DialContext(ctx, network, addr)
}

// Decide performs rt's lookup for caller and target against the site and
// returns it. The test fails if the request does not parse.
func (s *Site) Decide(tb testing.TB, rt Runtime, caller, target string) *match.Lookup {
	tb.Helper()
	req, err := match.NewRequest(caller, target)
	if err != nil {
		tb.Fatalf("policytest: %v", err)
	}
	return s.DecideRequest(tb, rt, req)
}

// DecideRequest is Decide for a request built with package match, with a
// method, headers or a Mozilla service type.
func (s *Site) DecideRequest(tb testing.TB, rt Runtime, req match.Request) *match.Lookup {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := xdpolicy.NewClient(rt, xdpolicy.ClientOptions{HTTPClient: s.HTTPClient(), DialContext: s.DialContext, SocketTimeout: 2 * time.Second})
	if err != nil {
		tb.Fatalf("policytest: %v (want Flash, Silverlight or Mozilla)", err)
	}
	l, err := c.Decide(ctx, req)
	if err != nil {
		tb.Fatalf("policytest: %s lookup: %v", rt, err)
	}
	return l
}

// Allowed fails the test unless rt lets caller reach target on this site.
func (s *Site) Allowed(tb testing.TB, rt Runtime, caller, target string) {
	tb.Helper()
	expect(tb, rt, s.Decide(tb, rt, caller, target), true)
}

// Denied fails the test unless rt stops caller from reaching target.
func (s *Site) Denied(tb testing.TB, rt Runtime, caller, target string) {
	tb.Helper()
	expect(tb, rt, s.Decide(tb, rt, caller, target), false)
}

// expect reports a decision that is not the one wanted, with its reason
// and the files consulted.
func expect(tb testing.TB, rt Runtime, l *match.Lookup, allowed bool) {
	tb.Helper()
	if l.Decision.Allowed == allowed {
		return
	}
	want, got := "allowed", "denied"
	if !allowed {
		want, got = got, want
	}
	var b strings.Builder
	fmt.Fprintf(&b, "policytest: %s: %s -> %s: %s, want %s\n  %s", rt, l.Decision.Request.Origin, l.Decision.Request.Target, got, want, l.Decision)
	if len(l.Files) > 0 {
		b.WriteString("\n  files consulted:")
		for _, f := range l.Files {
			b.WriteString("\n    " + f.String())
		}
	}
	tb.Error(b.String())
}

// HandlerAllows fails the test unless h, serving every path of target's
// host over HTTP and HTTPS, grants caller access to target under rt.
func HandlerAllows(tb testing.TB, h http.Handler, rt Runtime, caller, target string) {
	tb.Helper()
	expect(tb, rt, handlerSite(tb, h, target).Decide(tb, rt, caller, target), true)
}

// HandlerDenies is HandlerAllows' opposite.
func HandlerDenies(tb testing.TB, h http.Handler, rt Runtime, caller, target string) {
	tb.Helper()
	expect(tb, rt, handlerSite(tb, h, target).Decide(tb, rt, caller, target), false)
}

func handlerSite(tb testing.TB, h http.Handler, target string) *Site {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil || u.Hostname() == "" {
		tb.Fatalf("policytest: target %q is not an absolute URL", target)
	}
	host := u.Hostname()
	fake := fakesite.Start(tb, fakesite.Site{Handlers: map[string]http.Handler{"http://" + host: h, "https://" + host: h}})
	return &Site{Host: host, URL: "http://" + host, SecureURL: "https://" + host, fake: fake}
}

// SocketServerAllows fails the test unless srv (a crossdomain.SocketServer
// under Flash, a clientaccess.SocketServer under Silverlight), standing as
// the target host's socket policy port (843 or 943), grants caller access
// to target, a socket such as xmlsocket://host:port or tcp://host:port. It
// serves srv on a new loopback listener, and closes srv when the test
// ends; one server may be asked several times.
func SocketServerAllows(tb testing.TB, srv SocketServer, rt Runtime, caller, target string) {
	tb.Helper()
	expect(tb, rt, socketDecide(tb, srv, rt, caller, target), true)
}

// SocketServerDenies is SocketServerAllows' opposite.
func SocketServerDenies(tb testing.TB, srv SocketServer, rt Runtime, caller, target string) {
	tb.Helper()
	expect(tb, rt, socketDecide(tb, srv, rt, caller, target), false)
}

func socketDecide(tb testing.TB, srv SocketServer, rt Runtime, caller, target string) *match.Lookup {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil || u.Hostname() == "" {
		tb.Fatalf("policytest: target %q is not a socket such as xmlsocket://host:port", target)
	}
	port := map[Runtime]string{Flash: "843", Silverlight: "943"}[rt]
	if port == "" {
		tb.Fatalf("policytest: %s has no socket policy server", rt)
	}
	addr := startSocket(tb, srv)
	fake := fakesite.Start(tb, fakesite.Site{Addrs: map[string]string{net.JoinHostPort(u.Hostname(), port): addr}})
	site := &Site{Host: u.Hostname(), fake: fake}
	return site.Decide(tb, rt, caller, target)
}
