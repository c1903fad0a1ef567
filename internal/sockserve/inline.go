package sockserve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Listener answers the policy request inline on an application's port:
// each accepted connection is read for at most the wait; if its first
// bytes are the request, it gets the reply and is closed; otherwise Accept
// hands it on with the bytes read replayed. A connection that sends
// nothing within the wait is handed on untouched, as soon as the wait
// ends; one whose first bytes differ from the request is handed on as
// soon as they arrive.
type Listener struct {
	inner        net.Listener
	request      []byte
	reply        []byte
	wait         time.Duration
	writeTimeout time.Duration
	logger       *slog.Logger

	ready     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	err       error // why Accept fails, set before done closes

	mu      sync.Mutex
	pending map[net.Conn]struct{}
}

// NewListener starts sniffing the connections of inner. Zero durations
// take the defaults; request must be at most MaxRequest bytes.
func NewListener(inner net.Listener, request, reply []byte, wait, writeTimeout time.Duration, logger *slog.Logger) *Listener {
	if wait <= 0 {
		wait = DefaultWait
	}
	if writeTimeout <= 0 {
		writeTimeout = DefaultWriteTimeout
	}
	l := &Listener{
		inner: inner, request: request, reply: reply,
		wait: wait, writeTimeout: writeTimeout, logger: logger,
		ready:   make(chan net.Conn),
		done:    make(chan struct{}),
		pending: map[net.Conn]struct{}{},
	}
	go l.acceptLoop()
	return l
}

func (l *Listener) acceptLoop() {
	var backoff time.Duration
	for {
		c, err := l.inner.Accept()
		if err != nil {
			if Temporary(err) {
				backoff = nextBackoff(backoff)
				select {
				case <-time.After(backoff):
					continue
				case <-l.done:
					return
				}
			}
			l.shut(err)
			return
		}
		backoff = 0
		l.mu.Lock()
		select {
		case <-l.done:
			l.mu.Unlock()
			c.Close()
			return
		default:
		}
		l.pending[c] = struct{}{}
		l.mu.Unlock()
		go l.sniff(c)
	}
}

func (l *Listener) sniff(c net.Conn) {
	start := time.Now()
	c.SetReadDeadline(start.Add(l.wait))
	buf := make([]byte, MaxRequest)
	n, err := ReadRequest(c, l.request, buf)
	if err == nil {
		l.forget(c)
		err = Answer(c, l.reply, l.writeTimeout)
		if l.logger != nil {
			l.logger.LogAttrs(context.Background(), slog.LevelInfo, "policy request",
				slog.String("server", "inline"),
				slog.String("remote", c.RemoteAddr().String()),
				slog.String("outcome", outcome(err)),
				slog.Duration("took", time.Since(start)))
		}
		return
	}
	// Anything else belongs to the application, deadline cleared and the
	// bytes read so far replayed.
	c.SetReadDeadline(time.Time{})
	var out net.Conn = c
	if n > 0 {
		out = &replayConn{Conn: c, buf: buf[:n]}
	}
	select {
	case l.ready <- out:
		l.forget(c)
	case <-l.done:
		l.forget(c)
		c.Close()
	}
}

func (l *Listener) forget(c net.Conn) {
	l.mu.Lock()
	delete(l.pending, c)
	l.mu.Unlock()
}

// Accept returns the next connection that is not a policy request.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		return nil, l.err
	}
}

// Close closes the inner listener and every connection not yet handed on.
// Connections being answered finish on their own, within the write
// timeout.
func (l *Listener) Close() error {
	err := l.inner.Close()
	l.shut(net.ErrClosed)
	return err
}

func (l *Listener) shut(err error) {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.err = err
		close(l.done)
		for c := range l.pending {
			c.Close()
		}
		l.mu.Unlock()
	})
}

// Addr is the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// replayConn gives the application the bytes the listener read before the
// rest of the stream.
type replayConn struct {
	net.Conn
	buf []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// NetConn returns the connection underneath, as tls.Conn's does.
func (c *replayConn) NetConn() net.Conn { return c.Conn }

// CloseWrite half-closes the connection when the one underneath can.
func (c *replayConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
