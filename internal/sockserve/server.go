// Package sockserve is the socket policy protocol, server side: a server
// that answers one exact request with one reply and closes (Flash Player's
// port 843, Silverlight's port 943), and a listener wrapper that answers
// the Flash request inline on an application's own port. The public types
// of packages crossdomain and clientaccess are thin layers over it.
package sockserve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown
// or Close.
var ErrServerClosed = errors.New("socket policy server closed")

// Defaults of Server and Listener.
const (
	DefaultReadTimeout  = 3 * time.Second
	DefaultWriteTimeout = 3 * time.Second
	DefaultMaxConns     = 1024
	DefaultWait         = 200 * time.Millisecond
	// lingerTimeout bounds how long a connection is kept, after the
	// reply and a half-close, for the client to read and close its end.
	lingerTimeout = 500 * time.Millisecond
)

// MaxRequest bounds the length of a request (the real ones are 22 and 23
// bytes); nothing longer is ever read.
const MaxRequest = 32

// Server answers Request with Reply. Set the fields before the first
// Serve; they are read then.
type Server struct {
	Request, Reply            []byte
	ReadTimeout, WriteTimeout time.Duration
	MaxConns                  int
	Logger                    *slog.Logger
	// Name tells the servers apart in log records ("flash", "silverlight").
	Name string

	initOnce sync.Once
	sem      chan struct{}
	done     chan struct{}
	doneOnce sync.Once

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	serving   int // Serve calls running
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		if s.ReadTimeout <= 0 {
			s.ReadTimeout = DefaultReadTimeout
		}
		if s.WriteTimeout <= 0 {
			s.WriteTimeout = DefaultWriteTimeout
		}
		if s.MaxConns <= 0 {
			s.MaxConns = DefaultMaxConns
		}
		s.sem = make(chan struct{}, s.MaxConns)
		s.done = make(chan struct{})
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[net.Conn]struct{}{}
	})
}

func (s *Server) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// ListenAndServe listens on the TCP address addr and serves.
func (s *Server) ListenAndServe(addr string) error {
	s.init()
	if s.closed() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l and answers each; it closes l when it
// returns. At most MaxConns connections are open at once: while that many
// are, Serve stops accepting and new clients wait in the listen queue.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	s.mu.Lock()
	if s.closed() {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.serving++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.serving--
		s.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		select {
		case s.sem <- struct{}{}:
		case <-s.done:
			return ErrServerClosed
		}
		c, err := l.Accept()
		if err != nil {
			<-s.sem
			if s.closed() {
				return ErrServerClosed
			}
			if !Temporary(err) {
				return err
			}
			backoff = nextBackoff(backoff)
			s.log(slog.LevelWarn, "accept failed; retrying", slog.Duration("in", backoff), slog.Any("err", err))
			select {
			case <-time.After(backoff):
			case <-s.done:
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		if !s.track(c) {
			c.Close()
			<-s.sem
			return ErrServerClosed
		}
		go s.handle(c)
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) handle(c net.Conn) {
	defer func() {
		<-s.sem
		s.untrack(c)
	}()
	start := time.Now()
	c.SetReadDeadline(start.Add(s.ReadTimeout))
	var buf [MaxRequest]byte
	n, err := ReadRequest(c, s.Request, buf[:])
	if err != nil {
		c.Close()
		s.logConn(c, start, outcome(err), n)
		return
	}
	err = Answer(c, s.Reply, s.WriteTimeout)
	s.logConn(c, start, outcome(err), n)
}

// ErrWrongRequest reports a client whose bytes differ from the request.
var ErrWrongRequest = errors.New("not a policy file request")

// ReadRequest reads len(req) bytes from c into buf, which must be at least
// that long, stopping at the first chunk that differs from req
// (ErrWrongRequest). The bytes read are buf[:n]; n is at most len(req).
func ReadRequest(c io.Reader, req, buf []byte) (n int, err error) {
	buf = buf[:len(req)]
	for n < len(req) {
		m, err := c.Read(buf[n:])
		if !bytes.Equal(buf[n:n+m], req[n:n+m]) {
			return n + m, ErrWrongRequest
		}
		n += m
		if err != nil && n < len(req) {
			return n, err
		}
	}
	return n, nil
}

// Answer writes reply to c within timeout, half-closes the connection so
// that a client reading until the end (Silverlight) sees it, waits briefly
// for the client to close its end (so that closing does not reset a
// connection whose reply the client has not yet read), and closes c.
func Answer(c net.Conn, reply []byte, timeout time.Duration) error {
	defer c.Close()
	halfClosed, err := writeReply(c, reply, timeout)
	if err != nil {
		return err
	}
	if halfClosed {
		linger(c)
	}
	return nil
}

// writeReply writes reply to c within timeout and half-closes c when it
// can, which it reports.
func writeReply(c net.Conn, reply []byte, timeout time.Duration) (halfClosed bool, err error) {
	c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write(reply); err != nil {
		return false, err
	}
	cw, ok := c.(interface{ CloseWrite() error })
	return ok && cw.CloseWrite() == nil, nil
}

// linger waits, for at most lingerTimeout, for the client to close its end
// of a half-closed c, reading and discarding at most 1 KiB more.
func linger(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(lingerTimeout))
	var sink [64]byte
	for range 16 {
		if _, err := c.Read(sink[:]); err != nil {
			break
		}
	}
}

func outcome(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "answered"
	case errors.Is(err, ErrWrongRequest):
		return "not a policy request"
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.Is(err, io.EOF):
		return "closed by client"
	}
	return err.Error()
}

func (s *Server) log(level slog.Level, msg string, attrs ...slog.Attr) {
	if s.Logger == nil {
		return
	}
	attrs = append(attrs, slog.String("server", s.Name))
	s.Logger.LogAttrs(context.Background(), level, msg, attrs...)
}

func (s *Server) logConn(c net.Conn, start time.Time, what string, n int) {
	if s.Logger == nil {
		return
	}
	level := slog.LevelInfo
	if what != "answered" {
		level = slog.LevelWarn
	}
	s.log(level, "policy request",
		slog.String("remote", c.RemoteAddr().String()),
		slog.String("outcome", what),
		slog.Int("read", n),
		slog.Duration("took", time.Since(start)))
}

// Shutdown stops the server: it closes every listener, then waits until
// the connections being answered are done, or until ctx ends, when it
// closes them and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			s.closeConns()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close stops the server at once: listeners and open connections are
// closed.
func (s *Server) Close() error {
	s.init()
	s.stop()
	s.closeConns()
	return nil
}

func (s *Server) stop() {
	s.doneOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		l.Close()
	}
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

func (s *Server) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns) == 0 && s.serving == 0
}

// Temporary reports whether an Accept error is worth retrying after a
// pause (out of file descriptors, a connection aborted before it was
// accepted), as net/http's Server decides.
func Temporary(err error) bool {
	// net.Error's Temporary is deprecated, but net/http.Server asks it too:
	// there is no other portable test for EMFILE and ECONNABORTED.
	var ne interface{ Temporary() bool }
	return errors.As(err, &ne) && ne.Temporary()
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 5 * time.Millisecond
	}
	if d *= 2; d > time.Second {
		d = time.Second
	}
	return d
}

// Front is what a public socket server type holds: its Server, built (and
// its policy checked) once, on first use, by the build function the type
// passes to each method.
type Front struct {
	once sync.Once
	core *Server
	err  error
}

// Get builds the Server on the first call and returns it, or the error
// that building it gave.
func (f *Front) Get(build func() (*Server, error)) (*Server, error) {
	f.once.Do(func() { f.core, f.err = build() })
	return f.core, f.err
}

// ListenAndServe is Server.ListenAndServe, on defaultAddr when addr is
// empty.
func (f *Front) ListenAndServe(build func() (*Server, error), addr, defaultAddr string) error {
	c, err := f.Get(build)
	if err != nil {
		return err
	}
	if addr == "" {
		addr = defaultAddr
	}
	return c.ListenAndServe(addr)
}

// Serve is Server.Serve; l is closed when the server cannot be built.
func (f *Front) Serve(build func() (*Server, error), l net.Listener) error {
	c, err := f.Get(build)
	if err != nil {
		l.Close()
		return err
	}
	return c.Serve(l)
}

// Shutdown is Server.Shutdown; a server that could not be built has
// nothing to stop.
func (f *Front) Shutdown(build func() (*Server, error), ctx context.Context) error {
	if c, err := f.Get(build); err == nil {
		return c.Shutdown(ctx)
	}
	return nil
}

// Close is Server.Close.
func (f *Front) Close(build func() (*Server, error)) error {
	if c, err := f.Get(build); err == nil {
		return c.Close()
	}
	return nil
}
