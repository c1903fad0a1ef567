package sockserve

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	silverlightRequest = []byte("<policy-file-request/>")
	silverlightReply   = []byte(`<?xml version="1.0" encoding="utf-8"?><access-policy><cross-domain-access><policy>` +
		`<allow-from><domain uri="*"/></allow-from><grant-to><socket-resource port="4502-4534" protocol="tcp"/></grant-to>` +
		`</policy></cross-domain-access></access-policy>`)
)

// playerLimit is how long Flash Player waits for a socket policy before
// it gives up (Silverlight waits no longer).
const playerLimit = 3 * time.Second

// floodEnv, when set (to "ADDR N"), makes the test binary a flood of N
// silent connections to ADDR instead of running tests. The flood runs in
// its own process, as an attacker's would: in the process of the server
// and the real clients, its thousands of busy goroutines would hold a
// real client's goroutine from running (its Dial returns 100-300 ms after
// the connection is made), which no real client suffers.
const floodEnv = "SOCKSERVE_TEST_FLOOD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(floodEnv); spec != "" {
		if err := runFlood(spec); err != nil {
			fmt.Fprintln(os.Stderr, "flood:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runFlood holds n silent connections to addr open, each reopened as soon
// as the server closes it. It prints "up" once every one has been opened;
// when its standard input ends it closes them and prints how many
// connections it opened in all.
func runFlood(spec string) error {
	addr, count, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		return fmt.Errorf("%s=%q: %w", floodEnv, spec, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var opened atomic.Int64
	var up, wg sync.WaitGroup
	up.Add(n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			var d net.Dialer
			for ctx.Err() == nil {
				c, err := d.DialContext(ctx, "tcp", addr)
				if err != nil {
					select { // the listen queue was full; try again
					case <-time.After(10 * time.Millisecond):
					case <-ctx.Done():
					}
					continue
				}
				opened.Add(1)
				if first {
					up.Done()
					first = false
				}
				unhook := context.AfterFunc(ctx, func() { c.Close() })
				var b [64]byte
				for { // until the server closes it
					if _, err := c.Read(b[:]); err != nil {
						break
					}
				}
				unhook()
				c.Close()
			}
			if first {
				up.Done()
			}
		}()
	}
	up.Wait()
	fmt.Println("up")
	io.Copy(io.Discard, os.Stdin)
	cancel()
	wg.Wait()
	fmt.Println(opened.Load())
	return nil
}

// flood starts a process holding n silent connections to addr open, each
// reopened as soon as the server closes it (see floodEnv), and returns
// once every one has been opened. stop ends the flood and returns the
// number of connections it opened in all; it is called when the test
// ends if not before.
func flood(tb testing.TB, addr string, n int) (stop func() int64) {
	tb.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", floodEnv, addr, n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(tb, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start())
	lines := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var (
		once   sync.Once
		opened int64
	)
	stop = func() int64 {
		once.Do(func() {
			stdin.Close()
			kill := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
			defer kill.Stop()
			for line := range lines {
				opened, _ = strconv.ParseInt(line, 10, 64)
			}
			if err := cmd.Wait(); err != nil {
				tb.Errorf("flood process: %v", err)
			}
		})
		return opened
	}
	tb.Cleanup(func() { stop() })
	select {
	case line := <-lines:
		require.Equal(tb, "up", line, "the flood process starts")
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		tb.Fatal("the flood process did not open its connections within 30 s")
	}
	return stop
}

// timedExchange is Flash Player's side: connect, send req and read until
// the server closes, all within the player's limit.
func timedExchange(addr string, req []byte) ([]byte, time.Duration, error) {
	begin := time.Now()
	d := net.Dialer{Deadline: begin.Add(playerLimit)}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, time.Since(begin), err
	}
	defer c.Close()
	c.SetDeadline(begin.Add(playerLimit))
	if _, err := c.Write(req); err != nil {
		return nil, time.Since(begin), err
	}
	got, err := io.ReadAll(c)
	return got, time.Since(begin), err
}

var floodCases = []struct {
	name       string
	req, reply []byte
}{
	{"flash 843", flashRequest, flashReply},
	{"silverlight 943", silverlightRequest, silverlightReply},
}

// TestServerFlood holds 2,000 silent connections against a server capped
// at 100, each reopened as soon as the server closes it, and asks for the
// policy while the flood lasts: every request is answered, exactly,
// within Flash Player's 3 s, and the server never has more than 100
// connections open.
func TestServerFlood(t *testing.T) {
	const silent, capConns, real = 2000, 100, 10
	for _, tt := range floodCases {
		t.Run(tt.name, func(t *testing.T) {
			// The default read timeout, 3 s: what a silent client
			// would otherwise hold its slot for.
			s := &Server{Request: tt.req, Reply: tt.reply, MaxConns: capConns}
			addr, cl := start(t, s)
			stop := flood(t, addr, silent)
			require.Eventually(t, func() bool { return cl.maxOpen.Load() == capConns }, 10*time.Second, 10*time.Millisecond,
				"the flood fills the server")

			var wg sync.WaitGroup
			for i := range real {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(i) * 100 * time.Millisecond)
					got, took, err := timedExchange(addr, tt.req)
					if assert.NoError(t, err, "request %d, after %v", i, took) {
						assert.Equal(t, tt.reply, got, "request %d", i)
					}
				}()
			}
			wg.Wait()
			assert.Greater(t, stop(), int64(silent), "the flood lasted: the server closed silent clients and they came back")
			assert.LessOrEqual(t, cl.maxOpen.Load(), int64(capConns), "never more open than MaxConns")
		})
	}
}

// BenchmarkFlood measures real requests while 4,000 silent connections,
// each reopened as soon as the server closes it, hold a server with the
// default cap (1,024). It reports the 50th and 99th percentile latencies
// of the real exchanges (connect, request, reply, close), one client at a
// time, over loopback. The flood runs in a process of its own (see
// floodEnv); the memory figures are this process's: the server's and the
// real client's.
func BenchmarkFlood(b *testing.B) {
	const silent = 4000
	for _, tt := range floodCases {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			s := &Server{Request: tt.req, Reply: tt.reply}
			addr, _ := start(b, s)
			defer flood(b, addr, silent)()
			check := func(got []byte) error {
				if !bytes.Equal(got, tt.reply) {
					return fmt.Errorf("wrong reply: %.40q", got)
				}
				return nil
			}
			b.ResetTimer()
			res := Load(context.Background(), addr, tt.req, 1, b.N, check)
			b.StopTimer()
			if res.Failed > 0 {
				b.Fatalf("%d of %d exchanges failed; first: %v", res.Failed, b.N, res.FirstError)
			}
			b.ReportMetric(float64(res.Percentile(50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(res.Percentile(99).Microseconds())/1000, "p99-ms")
		})
	}
}
