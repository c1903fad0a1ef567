package sockserve

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoApp accepts from l and, per connection, writes greeting (if any)
// and then echoes what it reads, prefixed, until EOF.
func echoApp(t *testing.T, l net.Listener, greeting string) {
	t.Helper()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if greeting != "" {
					io.WriteString(c, greeting)
				}
				b, _ := io.ReadAll(c)
				io.WriteString(c, "echo:"+string(b))
			}()
		}
	}()
}

func inline(t *testing.T, wait time.Duration) *Listener {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := NewListener(inner, flashRequest, flashReply, wait, 0, nil)
	t.Cleanup(func() { l.Close() })
	return l
}

// talk connects, sends each chunk (pausing between them), half-closes,
// and reads everything.
func talk(t *testing.T, addr string, pause time.Duration, chunks ...string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	for i, ch := range chunks {
		if i > 0 {
			time.Sleep(pause)
		}
		_, err := io.WriteString(c, ch)
		require.NoError(t, err)
	}
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	return string(b)
}

func TestInline(t *testing.T) {
	l := inline(t, 100*time.Millisecond)
	echoApp(t, l, "")
	addr := l.Addr().String()
	req := string(flashRequest)

	for _, tt := range []struct {
		name   string
		chunks []string
		pause  time.Duration
		want   string
	}{
		{"the request", []string{req}, 0, string(flashReply)},
		{"the request in pieces", []string{req[:5], req[5:20], req[20:]}, 10 * time.Millisecond, string(flashReply)},
		{"the request and more", []string{req + "tail"}, 0, string(flashReply)},
		{"application bytes", []string{"HELO there"}, 0, "echo:HELO there"},
		{"a prefix, then other bytes", []string{"<policy-", "file"}, 10 * time.Millisecond, "echo:<policy-file"},
		{"a prefix, a stall past the wait, the rest", []string{"<pol", "icy-file-request/>\x00"}, 300 * time.Millisecond, "echo:" + req},
		{"the request without its NUL, then EOF", []string{req[:22]}, 0, "echo:" + req[:22]},
		{"nothing", nil, 0, "echo:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, talk(t, addr, tt.pause, tt.chunks...))
		})
	}
}

// A protocol where the server speaks first still works: the connection
// reaches the application when the wait ends.
func TestInlineServerSpeaksFirst(t *testing.T) {
	l := inline(t, 50*time.Millisecond)
	echoApp(t, l, "220 ready\r\n")
	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "220 ready\r\n", line)
}

// An HTTP server on the wrapped listener serves HTTP as before, the bytes
// read by the listener replayed.
func TestInlineHTTP(t *testing.T) {
	l := inline(t, 0)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "app "+r.URL.Path)
	})}
	go srv.Serve(l)
	defer srv.Close()

	res, err := http.Get("http://" + l.Addr().String() + "/hello")
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "app /hello", string(b))
	assert.Equal(t, string(flashReply), talk(t, l.Addr().String(), 0, string(flashRequest)))
}

func TestInlineClose(t *testing.T) {
	base := runtime.NumGoroutine()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := NewListener(inner, flashRequest, flashReply, time.Minute, 0, nil)

	// A connection still being sniffed when the listener closes is closed.
	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	io.WriteString(c, "<pol")
	time.Sleep(50 * time.Millisecond)

	require.NoError(t, l.Close())
	_, err = l.Accept()
	assert.True(t, errors.Is(err, net.ErrClosed), "%v", err)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = c.Read(make([]byte, 1))
	assert.Error(t, err)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "closed, not left waiting")
	settleGoroutines(t, base)
}

func TestReplayConn(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	rc := &replayConn{Conn: b, buf: []byte("abc")}
	go func() { io.WriteString(a, "def"); a.Close() }()
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, "abcdef", string(got))
	assert.Same(t, b, rc.NetConn())
	assert.True(t, strings.Contains(rc.CloseWrite().Error(), "unsupported"))
}
