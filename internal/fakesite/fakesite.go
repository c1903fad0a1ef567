// Package fakesite serves made-up sites on loopback for tests: HTTP and
// HTTPS responses at any host name, and socket policy servers on any
// host:port, reached through a DialContext that maps each address to the
// loopback listener standing in for it. Nothing leaves 127.0.0.1.
package fakesite

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Response is what the site answers at one URL.
type Response struct {
	Status      int
	ContentType string
	Headers     map[string]string
	Body        string
	// Delay holds the answer back this long, or until the client gives
	// up (for timeouts).
	Delay time.Duration
}

// Site describes the made-up servers.
type Site struct {
	// HTTP maps absolute URLs (http or https, with or without the default
	// port) to responses. Any other URL on a listed scheme, host and port
	// answers 404; a host:port not listed at all refuses connections.
	HTTP map[string]Response
	// Sockets maps host:port to what a socket policy server there sends
	// after reading the request; it then closes. A port not listed
	// refuses connections.
	Sockets map[string]string
	// SocketHandlers, when set for a host:port, handle its connections
	// instead (for silent, slow or misbehaving servers).
	SocketHandlers map[string]func(net.Conn)
	// Handlers serve every request to an origin (scheme://host:port, the
	// port may be left out) with a real handler instead of HTTP's canned
	// responses.
	Handlers map[string]http.Handler
	// Addrs sends connections for host:port to a loopback address where
	// the test already listens (a socket policy server under test).
	Addrs map[string]string
}

// Server is a running Site.
type Server struct {
	plain, tls *httptest.Server
	https      map[string]bool   // host:port served over TLS
	http       map[string]bool   // host:port served over plain HTTP
	sockets    map[string]string // host:port -> loopback address
	refused    string            // a loopback address nothing listens on
	responses  map[string]Response
	handlers   map[string]http.Handler // scheme://host:port

	mu       sync.Mutex
	requests map[string]int
	dials    map[string]int
}

// Start serves s until the test ends.
func Start(t testing.TB, s Site) *Server {
	t.Helper()
	srv := &Server{
		https: map[string]bool{}, http: map[string]bool{}, sockets: map[string]string{},
		responses: map[string]Response{}, handlers: map[string]http.Handler{}, requests: map[string]int{}, dials: map[string]int{},
	}
	for raw, r := range s.HTTP {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("fakesite: %q: %v", raw, err)
		}
		hp := HostPort(u)
		if u.Scheme == "https" {
			srv.https[hp] = true
		} else {
			srv.http[hp] = true
		}
		srv.responses[u.Scheme+"://"+hp+u.EscapedPath()] = r
	}
	for origin, h := range s.Handlers {
		u, err := url.Parse(origin)
		if err != nil {
			t.Fatalf("fakesite: %q: %v", origin, err)
		}
		hp := HostPort(u)
		if u.Scheme == "https" {
			srv.https[hp] = true
		} else {
			srv.http[hp] = true
		}
		srv.handlers[u.Scheme+"://"+hp] = h
	}
	h := http.HandlerFunc(srv.serveHTTP)
	srv.plain = httptest.NewServer(h)
	srv.tls = httptest.NewUnstartedServer(h)
	srv.tls.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that distrust the test certificate are expected
	srv.tls.StartTLS()
	t.Cleanup(srv.plain.Close)
	t.Cleanup(srv.tls.Close)

	handlers := map[string]func(net.Conn){}
	for hp, reply := range s.Sockets {
		reply := reply
		handlers[hp] = func(c net.Conn) {
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 64)
			_, _ = c.Read(buf)
			_, _ = io.WriteString(c, reply)
		}
	}
	for hp, fn := range s.SocketHandlers {
		handlers[hp] = fn
	}
	for hp, fn := range handlers {
		srv.sockets[hp] = Listen(t, fn)
	}
	for hp, addr := range s.Addrs {
		srv.sockets[normalize(hp)] = addr
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.refused = ln.Addr().String()
	ln.Close()
	return srv
}

// Listen serves each connection to a new loopback listener with fn, in
// its own goroutine, until the test ends (then it closes the listener and
// waits for fn to return); it returns the listener's address.
func Listen(t testing.TB, fn func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return Serve(t, ln, fn)
}

// Serve is Listen on a listener of the test's own (a wrapped one), which
// it closes when the test ends, with the connections still open.
func Serve(t testing.TB, ln net.Listener, fn func(net.Conn)) string {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					c.Close()
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
				}()
				fn(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// Echo sends back what it reads, until the peer closes: the simplest
// application server.
func Echo(c net.Conn) { io.Copy(c, c) }

// HostPort returns u's host:port with the scheme's default port filled
// in, the host in lower case.
func HostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
	key := scheme + "://" + HostPort(u) + u.EscapedPath()
	s.mu.Lock()
	s.requests[key]++
	s.mu.Unlock()
	if h := s.handlers[scheme+"://"+HostPort(u)]; h != nil {
		h.ServeHTTP(w, r)
		return
	}
	res, ok := s.responses[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if res.Delay > 0 {
		t := time.NewTimer(res.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range res.Headers {
		w.Header().Set(k, v)
	}
	if res.ContentType != "" {
		w.Header().Set("Content-Type", res.ContentType)
	} else {
		w.Header()["Content-Type"] = nil // no sniffing: absent means absent
	}
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, res.Body)
}

// DialContext connects addr to the loopback server standing in for it,
// or fails as a refused connection does.
func (s *Server) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	addr = normalize(addr)
	s.mu.Lock()
	s.dials[addr]++
	s.mu.Unlock()
	to := s.refused
	switch {
	case s.sockets[addr] != "":
		to = s.sockets[addr]
	case s.https[addr]:
		to = s.tls.Listener.Addr().String()
	case s.http[addr]:
		to = s.plain.Listener.Addr().String()
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

func normalize(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort(strings.ToLower(host), port)
}

// Client returns an HTTP client that reaches the site through DialContext
// and trusts its test certificate for every host name.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:     s.DialContext,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // loopback test servers only
	}}
}

// Requests returns how many requests reached url (scheme://host:port/path).
func (s *Server) Requests(url string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[url]
}

// Dials returns how many connections were opened to host:port.
func (s *Server) Dials(hostport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dials[normalize(hostport)]
}

// ConnectTo returns curl-style -connect-to values that send every listed
// address to its loopback stand-in, for tests of the command line.
func (s *Server) ConnectTo() []string {
	var out []string
	add := func(hp, to string) {
		h, p, _ := net.SplitHostPort(hp)
		th, tp, _ := net.SplitHostPort(to)
		out = append(out, fmt.Sprintf("%s:%s:%s:%s", h, p, th, tp))
	}
	for hp := range s.http {
		add(hp, s.plain.Listener.Addr().String())
	}
	for hp := range s.https {
		add(hp, s.tls.Listener.Addr().String())
	}
	for hp, to := range s.sockets {
		add(hp, to)
	}
	return out
}

// CertPEM returns the HTTPS server's certificate in PEM form. It is valid
// for example.com, 127.0.0.1 and ::1 only.
func (s *Server) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.tls.Certificate().Raw})
}

// Refused returns the loopback address that refuses connections.
func (s *Server) Refused() (host string, port int) {
	h, p, _ := net.SplitHostPort(s.refused)
	n, _ := strconv.Atoi(p)
	return h, n
}
