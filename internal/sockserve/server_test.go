package sockserve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	flashRequest = []byte("<policy-file-request/>\x00")
	flashReply   = []byte(`<?xml version="1.0"?><cross-domain-policy><allow-access-from domain="*" to-ports="4502"/></cross-domain-policy>` + "\x00")
)

// counting wraps a listener to watch what the server does with its
// connections: bytes read, and connections open at once.
type counting struct {
	net.Listener
	read                    atomic.Int64
	accepted, open, maxOpen atomic.Int64
}

func (l *counting) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	n := l.open.Add(1)
	for {
		m := l.maxOpen.Load()
		if n <= m || l.maxOpen.CompareAndSwap(m, n) {
			break
		}
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l      *counting
	closed sync.Once
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Close() error {
	c.closed.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

func (c *countingConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// start serves s on a loopback port and returns its address; the server
// is shut down when the test ends.
func start(t testing.TB, s *Server) (string, *counting) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cl := &counting{Listener: ln}
	done := make(chan error, 1)
	go func() { done <- s.Serve(cl) }()
	t.Cleanup(func() {
		s.Close()
		assert.ErrorIs(t, <-done, ErrServerClosed)
	})
	return ln.Addr().String(), cl
}

// exchange connects, sends req, and reads until the server closes.
func exchange(addr string, req []byte) ([]byte, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}

func TestServerAnswersExactly(t *testing.T) {
	s := &Server{Request: flashRequest, Reply: flashReply, ReadTimeout: 500 * time.Millisecond}
	addr, cl := start(t, s)

	got, err := exchange(addr, flashRequest)
	require.NoError(t, err)
	assert.Equal(t, flashReply, got, "the policy, its NUL, then the server closes")

	// Sent a byte at a time, the request is still the request.
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	for _, b := range flashRequest {
		_, err := c.Write([]byte{b})
		require.NoError(t, err)
		time.Sleep(2 * time.Millisecond)
	}
	got, err = io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, flashReply, got)

	for name, req := range map[string][]byte{
		"no NUL":      flashRequest[:22],
		"wrong case":  []byte("<POLICY-FILE-REQUEST/>\x00"),
		"HTTP":        []byte("GET /crossdomain.xml HTTP/1.0\r\n\r\n"),
		"one byte":    []byte("x"),
		"space first": append([]byte(" "), flashRequest...),
	} {
		t.Run(name, func(t *testing.T) {
			got, _ := exchange(addr, req) // a reset is as good as a close
			assert.Empty(t, got)
		})
	}
	assert.LessOrEqual(t, cl.read.Load(), int64(7*len(flashRequest)), "never more than the request's length from any of the 7 connections")
}

func TestServerFaults(t *testing.T) {
	const timeout = 200 * time.Millisecond
	s := &Server{Request: flashRequest, Reply: flashReply, ReadTimeout: timeout, WriteTimeout: timeout}
	addr, cl := start(t, s)

	// A client that sends nothing, and one that stalls halfway, are
	// dropped at the read deadline, unanswered.
	for name, send := range map[string][]byte{"silent": nil, "partial": flashRequest[:10]} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer c.Close()
			_, err = c.Write(send)
			require.NoError(t, err)
			begin := time.Now()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err := io.ReadAll(c)
			require.NoError(t, err, "closed by the server, not by our own deadline")
			assert.Empty(t, got)
			assert.GreaterOrEqual(t, time.Since(begin), timeout/2, "not before the deadline")
		})
	}

	// A client that sends a megabyte is cut off after the first chunk.
	t.Run("1MB", func(t *testing.T) {
		before := cl.read.Load()
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		go c.Write(bytes.Repeat([]byte("A"), 1<<20)) //nolint:errcheck // the server resets the connection
		got, _ := io.ReadAll(c)
		assert.Empty(t, got)
		assert.LessOrEqual(t, cl.read.Load()-before, int64(MaxRequest))
	})
}

// TestServerLoad opens 2,000 connections at once against a server capped
// at 100: 1,600 valid requests, 200 silent clients and 200 sending
// garbage. Every valid one is answered; the others are dropped; the
// server never has more than 100 open nor reads more than 23 bytes from
// any connection.
//
// Full, the server makes room by closing the oldest connection that has
// waited minEvictAge for its request, so a valid client whose request is
// that late is closed unanswered: here, one whose goroutine has not run
// yet to send it, among the 2,000 that share the test's CPUs. Such a
// client gets nothing (never part of a reply) and tries again.
func TestServerLoad(t *testing.T) {
	const total, capConns, attempts = 2000, 100, 10
	s := &Server{Request: flashRequest, Reply: flashReply, ReadTimeout: 300 * time.Millisecond, MaxConns: capConns}
	addr, cl := start(t, s)

	var answered, wrong, retries atomic.Int64
	var wg sync.WaitGroup
	for i := range total {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var req []byte
			switch {
			case i%10 == 1:
				req = nil // silent
			case i%10 == 2:
				req = []byte("garbage garbage garbage garbage")
			default:
				req = flashRequest
			}
			for range attempts {
				got, err := exchange(addr, req)
				if req == nil || req[0] == 'g' {
					if len(got) == 0 {
						wrong.Add(1)
					}
					return
				}
				if len(got) == 0 {
					retries.Add(1) // closed unanswered to make room
					continue
				}
				if assert.NoError(t, err) && assert.Equal(t, flashReply, got) {
					answered.Add(1)
				}
				return
			}
		}()
	}
	wg.Wait()
	t.Logf("%d valid clients tried again", retries.Load())
	assert.EqualValues(t, total*8/10, answered.Load())
	assert.EqualValues(t, total*2/10, wrong.Load())
	assert.LessOrEqual(t, cl.maxOpen.Load(), int64(capConns))
	assert.LessOrEqual(t, cl.read.Load(), (total+retries.Load())*int64(len(flashRequest)))
}

// lockedBuffer is a log destination the server's goroutines share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServerMakesRoom fills a server with clients that send nothing, or
// part of the request, and a read timeout of a minute: a real request is
// still answered, the oldest of the others is closed to make room (long
// before its read deadline) and the cap holds.
func TestServerMakesRoom(t *testing.T) {
	for _, capConns := range []int{1, 2, 10} {
		t.Run(strconv.Itoa(capConns), func(t *testing.T) {
			var logs lockedBuffer
			s := &Server{
				Request: flashRequest, Reply: flashReply, ReadTimeout: time.Minute, MaxConns: capConns,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			}
			addr, cl := start(t, s)
			idle := make([]net.Conn, capConns)
			for i := range idle {
				c, err := net.Dial("tcp", addr)
				require.NoError(t, err)
				defer c.Close()
				if i == 0 {
					_, err := c.Write(flashRequest[:10])
					require.NoError(t, err)
				}
				idle[i] = c
				// The server waits for their requests in the order they came.
				require.Eventually(t, func() bool { return cl.accepted.Load() == int64(i+1) && handlersStarted(s) },
					5*time.Second, time.Millisecond)
			}

			got, err := exchange(addr, flashRequest)
			require.NoError(t, err)
			assert.Equal(t, flashReply, got)

			idle[0].SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err = io.ReadAll(idle[0])
			if !errors.Is(err, syscall.ECONNRESET) { // closed with bytes unread
				require.NoError(t, err, "closed by the server, not by our own deadline")
			}
			assert.Empty(t, got)
			assert.LessOrEqual(t, cl.maxOpen.Load(), int64(capConns))
			for _, want := range []string{
				`level=WARN msg="server full: closing the oldest connections not being answered to make room"`,
				`level=DEBUG msg="policy request" remote=` + idle[0].LocalAddr().String() + ` outcome="closed to make room"`,
			} {
				// The handler of a connection closed to make room logs it
				// when it notices.
				assert.Eventually(t, func() bool { return strings.Contains(logs.String(), want) }, 5*time.Second, time.Millisecond,
					"%s not in\n%s", want, &logs)
			}
		})
	}
}

// handlersStarted reports whether the handler of every connection s holds
// has started.
func handlersStarted(s *Server) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.state == stateNew {
			return false
		}
	}
	return true
}

func settleGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > want {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines left, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
	}
}

func TestShutdown(t *testing.T) {
	base := runtime.NumGoroutine()
	s := &Server{Request: flashRequest, Reply: flashReply, ReadTimeout: 300 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	// In flight at Shutdown: a silent client, and a client that sent the
	// request but has not read the reply yet.
	silent, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer silent.Close()
	slow, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer slow.Close()
	_, err = slow.Write(flashRequest)
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)

	require.NoError(t, s.Shutdown(context.Background()))
	assert.ErrorIs(t, <-served, ErrServerClosed)
	got, err := io.ReadAll(slow)
	require.NoError(t, err)
	assert.Equal(t, flashReply, got, "an answer in flight is finished")
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "the listener is closed")
	assert.ErrorIs(t, s.Serve(ln), ErrServerClosed)
	assert.ErrorIs(t, s.ListenAndServe("127.0.0.1:0"), ErrServerClosed)
	settleGoroutines(t, base)
}

func TestShutdownContext(t *testing.T) {
	base := runtime.NumGoroutine()
	s := &Server{Request: flashRequest, Reply: flashReply, ReadTimeout: time.Minute}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	silent, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer silent.Close()
	time.Sleep(50 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = s.Shutdown(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a connection outlived the context; it is closed")
	assert.ErrorIs(t, <-served, ErrServerClosed)
	silent.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = silent.Read(make([]byte, 1))
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "closed by the server, not left open: %v", err)
	settleGoroutines(t, base)
}

func TestReadRequest(t *testing.T) {
	buf := make([]byte, MaxRequest)
	for _, tt := range []struct {
		in   string
		n    int
		fail bool
	}{
		{string(flashRequest), 23, false},
		{string(flashRequest) + "more", 23, false},
		{"<policy", 7, true},
		{"<polx", 5, true},
		{"", 0, true},
	} {
		n, err := ReadRequest(bytes.NewReader([]byte(tt.in)), flashRequest, buf)
		assert.Equal(t, tt.n, n, tt.in)
		assert.Equal(t, tt.fail, err != nil, tt.in)
		assert.Equal(t, tt.in[:n], string(buf[:n]))
	}
}
