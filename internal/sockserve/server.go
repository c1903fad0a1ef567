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
	"sync/atomic"
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
	// minEvictAge is how long a connection waiting for its request is
	// kept, when the server is full, before it may be closed to make
	// room: long enough for a request sent as the client connects to
	// arrive, short enough that the server, full, can still close and
	// replace MaxConns connections 50 times a second.
	minEvictAge = 20 * time.Millisecond
	// fullReportEvery spaces the warnings that the server is full.
	fullReportEvery = time.Minute
)

// MaxRequest bounds the length of a request (the real ones are 22 and 23
// bytes); nothing longer is ever read.
const MaxRequest = 32

// Server answers Request with Reply. Set the fields before the first
// Serve; they are read then. SetReply changes the reply later.
type Server struct {
	Request, Reply            []byte
	replaced                  atomic.Pointer[[]byte] // SetReply's, when set
	ReadTimeout, WriteTimeout time.Duration
	// MaxConns bounds the connections open at once; see Serve.
	MaxConns int
	Logger   *slog.Logger
	// Name tells the servers apart in log records ("flash", "silverlight").
	Name string

	initOnce sync.Once
	done     chan struct{}
	doneOnce sync.Once

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{} // open, and not closed by eviction
	reserved  int                // slots held by Serve loops for their next connection
	// The connections that may be closed to make room, oldest first:
	// those waiting for their request, and those lingering after their
	// reply.
	waiting, lingering connList
	writing            int           // connections being sent their reply
	handlers           int           // handle goroutines running
	serving            int           // Serve calls running
	wake               chan struct{} // closed when a Serve loop waiting for a slot may find one
	// Connections closed to make room since the last warning, and when
	// that was.
	evictions int
	reported  time.Time
}

// SetReply replaces the reply for the connections answered from now on;
// those being answered finish with the old one. It is safe to call while
// the server runs.
func (s *Server) SetReply(reply []byte) { s.replaced.Store(&reply) }

// CurrentReply returns the reply being sent: the last SetReply's, or
// Reply.
func (s *Server) CurrentReply() []byte {
	if r := s.replaced.Load(); r != nil {
		return *r
	}
	return s.Reply
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
		s.done = make(chan struct{})
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
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
// returns.
//
// At most MaxConns connections are open at once, over all the listeners
// served. With that many open Serve keeps accepting: it makes room for
// the next connection by closing the oldest one not being answered, one
// lingering after its reply first (its client has been sent the reply),
// else one that has waited minEvictAge (20 ms) or more without sending
// its whole request. Were it to stop accepting instead, a flood of
// clients that connect and send nothing would hold every place for the
// read timeout while real clients waited in the listen queue behind
// them, past Flash Player's 3 s. A real client sends its request as soon
// as it is connected, so it is answered once accepted; under a flood it
// waits only for the connections queued before it, which Serve gets
// through at the pace it can close and accept them. The 20 ms keep a
// connection whose request is still on its way from being closed first.
//
// A connection being sent its reply is never closed to make room, and at
// most MaxConns-1 are sent a reply at once, so that Serve never waits on
// a slow reader: a client whose request comes while MaxConns-1 replies
// are being sent is closed unanswered. Serve pauses only while no open
// connection may be closed yet: each has just been accepted, is being
// sent its reply, or has waited less than 20 ms (a pause of 20 ms at
// most, unless MaxConns is 1 and the one connection is being answered).
//
// Memory stays bounded by MaxConns: an open connection costs a
// goroutine, a 32-byte buffer and a socket, and a closed one nothing.
// A connection closed to make room is logged at Debug level; a warning
// that the server is full, at most once a minute, counts them.
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
		if err := s.reserve(); err != nil {
			return err
		}
		c, err := l.Accept()
		if err != nil {
			s.unreserve()
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
		cc := s.track(c)
		if cc == nil {
			c.Close()
			return ErrServerClosed
		}
		go s.handle(cc)
	}
}

// A conn is an open connection and where it is in its exchange.
type conn struct {
	net.Conn
	state   connState
	evicted bool      // closed to make room
	since   time.Time // when it entered its list

	list       *connList // the list it is in, if any
	prev, next *conn
}

type connState int

const (
	stateNew       connState = iota // accepted; its handler has not started
	stateWaiting                    // waiting for its request
	stateWriting                    // being sent the reply
	stateLingering                  // after the reply, for the client to close
)

// connList is a list of connections, oldest first.
type connList struct {
	head, tail *conn
}

func (l *connList) push(c *conn) {
	c.list, c.prev, c.next = l, l.tail, nil
	c.since = time.Now()
	if l.tail != nil {
		l.tail.next = c
	} else {
		l.head = c
	}
	l.tail = c
}

func (l *connList) remove(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		l.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		l.tail = c.prev
	}
	c.list, c.prev, c.next = nil, nil, nil
}

// reserve holds a slot for the connection a Serve loop accepts next,
// closing the oldest evictable connection when all are taken. With none
// to close yet (each connection new, being written to, or waiting for
// less than minEvictAge), it waits until one may be, or a slot frees.
func (s *Server) reserve() error {
	for {
		s.mu.Lock()
		if s.closed() {
			s.mu.Unlock()
			return ErrServerClosed
		}
		if len(s.conns)+s.reserved < s.MaxConns {
			s.reserved++
			s.mu.Unlock()
			return nil
		}
		var retry time.Duration
		if s.evictLocked(&retry) {
			s.reserved++
			s.evictions++
			var report int
			if now := time.Now(); s.reported.IsZero() || now.Sub(s.reported) >= fullReportEvery {
				report, s.evictions, s.reported = s.evictions, 0, now
			}
			s.mu.Unlock()
			if report > 0 {
				s.log(slog.LevelWarn, "server full: closing the oldest connections not being answered to make room",
					slog.Int("closed", report), slog.Int("max_conns", s.MaxConns))
			}
			return nil
		}
		if s.wake == nil {
			s.wake = make(chan struct{})
		}
		wake := s.wake
		s.mu.Unlock()
		var timer *time.Timer
		var ripe <-chan time.Time // when the oldest waiting may be closed
		if retry > 0 {
			timer = time.NewTimer(retry)
			ripe = timer.C
		}
		select {
		case <-wake:
		case <-ripe:
		case <-s.done:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

func (s *Server) unreserve() {
	s.mu.Lock()
	s.reserved--
	s.wakeLocked()
	s.mu.Unlock()
}

// evictLocked closes the oldest connection lingering after its reply, or
// else the oldest waiting for its request, and reports whether there was
// one.
func (s *Server) evictLocked(retry *time.Duration) bool {
	c := s.lingering.head
	if c == nil {
		c = s.waiting.head
		if c == nil {
			return false
		}
		if age := time.Since(c.since); age < minEvictAge {
			*retry = minEvictAge - age
			return false
		}
	}
	c.list.remove(c)
	delete(s.conns, c)
	c.evicted = true
	c.Close()
	return true
}

func (s *Server) wakeLocked() {
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

// track turns a Serve loop's reserved slot into the accepted connection;
// it returns nil once the server is closed.
func (s *Server) track(c net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved--
	if s.closed() {
		s.wakeLocked()
		return nil
	}
	cc := &conn{Conn: c}
	s.conns[cc] = struct{}{}
	s.handlers++
	return cc
}

// setState moves c to stateWaiting or stateLingering, where it may be
// evicted; it reports false if c was evicted already.
func (s *Server) setState(c *conn, st connState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.evicted {
		return false
	}
	if c.state == stateWriting {
		s.writing--
	}
	c.state = st
	if st == stateWaiting {
		s.waiting.push(c)
	} else {
		s.lingering.push(c)
	}
	s.wakeLocked()
	return true
}

// startWriting moves c, whose request has been read, to stateWriting,
// where it is not evicted. It fails, saying why, if c was evicted already
// or if MaxConns-1 connections are being written to.
func (s *Server) startWriting(c *conn) (why string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.evicted {
		return outcomeEvicted, false
	}
	if c.list != nil {
		c.list.remove(c)
	}
	if s.writing >= max(1, s.MaxConns-1) {
		c.state = stateNew
		return outcomeBusy, false
	}
	c.state = stateWriting
	s.writing++
	return "", true
}

// release forgets c, which its handler has closed.
func (s *Server) release(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !c.evicted {
		if c.list != nil {
			c.list.remove(c)
		}
		if c.state == stateWriting {
			s.writing--
		}
		delete(s.conns, c)
	}
	s.handlers--
	s.wakeLocked()
}

func (s *Server) wasEvicted(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.evicted
}

const (
	outcomeEvicted = "closed to make room"
	outcomeBusy    = "not answered: server busy"
)

func (s *Server) handle(c *conn) {
	start := time.Now()
	what, n := s.exchange(c)
	c.Close()
	s.release(c)
	s.logConn(c, start, what, n)
}

// exchange reads the request from c and answers it, and says how it went;
// n is the number of bytes read.
func (s *Server) exchange(c *conn) (what string, n int) {
	c.SetReadDeadline(time.Now().Add(s.ReadTimeout))
	if !s.setState(c, stateWaiting) {
		return outcomeEvicted, 0
	}
	var buf [MaxRequest]byte
	n, err := ReadRequest(c, s.Request, buf[:])
	if err != nil {
		if s.wasEvicted(c) {
			return outcomeEvicted, n
		}
		return outcome(err), n
	}
	if why, ok := s.startWriting(c); !ok {
		return why, n
	}
	halfClosed, err := writeReply(c, s.CurrentReply(), s.WriteTimeout)
	if err == nil && halfClosed && s.setState(c, stateLingering) {
		linger(c)
	}
	return outcome(err), n
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
	switch what {
	case "answered":
	case outcomeEvicted:
		// Under a flood there would be one warning per connection
		// closed; the one that the server is full, at most every
		// fullReportEvery, counts them instead.
		level = slog.LevelDebug
	default:
		level = slog.LevelWarn
	}
	if !s.Logger.Enabled(context.Background(), level) {
		return
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
	return s.handlers == 0 && s.serving == 0
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
	mu    sync.Mutex
	built bool
	core  *Server
	err   error
}

// Get builds the Server on the first call and returns it, or the error
// that building it gave.
func (f *Front) Get(build func() (*Server, error)) (*Server, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.built {
		f.core, f.err = build()
		f.built = true
	}
	return f.core, f.err
}

// Replace changes the reply to what check makes of the new policy; when
// check fails nothing changes. A built Server serves the new reply from
// then on, and check logs the policy's warnings to logger. Otherwise set
// stores the new policy in the public type's fields and the Server is
// built now (also when an earlier build failed), which logs them.
func (f *Front) Replace(check func(*slog.Logger) ([]byte, error), logger *slog.Logger, set func(), build func() (*Server, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	running := f.built && f.err == nil
	if !running {
		logger = nil
	}
	reply, err := check(logger)
	if err != nil {
		return err
	}
	if running {
		f.core.SetReply(reply)
		return nil
	}
	set()
	f.core, f.err = build()
	f.built = true
	return f.err
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
