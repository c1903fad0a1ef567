package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// lockedBuffer collects a server's log while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listeningRE = regexp.MustCompile(`msg=listening server=(\w+) addr=(\S+)`)

// waitListening waits for n "listening" lines in log and returns the
// addresses by server.
func waitListening(t *testing.T, log func() string, n int) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindAllStringSubmatch(log(), -1); len(m) == n {
			addrs := map[string]string{}
			for _, x := range m {
				addrs[x[1]] = x[2]
			}
			return addrs
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the servers did not start:\n%s", log())
	return nil
}

const servedSilverlight = `<?xml version="1.0" encoding="utf-8"?>
<access-policy><cross-domain-access><policy>
  <allow-from><domain uri="*"/></allow-from>
  <grant-to><resource path="/" include-subpaths="true"/><socket-resource port="4502-4506" protocol="tcp"/></grant-to>
</policy></cross-domain-access></access-policy>`

// A site directory served by "xdpolicy serve", read back by the library's
// own lookup clients over loopback.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"crossdomain.xml": flashExample, "socketpolicy.xml": socketExample, "cross-domain-policy.xml": mozExample} {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clientaccesspolicy.xml"), []byte(servedSilverlight), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "users"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "users", "cross-domain-policy.xml"),
		[]byte(`<cross-domain-policy><allow from="app.example.com"/></cross-domain-policy>`), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"serve", "-http", "127.0.0.1:0", "-flash", "127.0.0.1:0", "-silverlight", "127.0.0.1:0", "-dir", dir},
			strings.NewReader(""), io.Discard, &logs)
	}()
	addrs := waitListening(t, logs.String, 3)
	site := fakesite.Start(t, fakesite.Site{Addrs: map[string]string{
		"api.example.com:80":  addrs["http"],
		"api.example.com:843": addrs["flash"],
		"api.example.com:943": addrs["silverlight"],
	}})

	decide := func(caller, target string) match.Decision {
		req, err := match.NewRequest(caller, target)
		require.NoError(t, err)
		var l *match.Lookup
		switch {
		case strings.HasSuffix(caller, ".xap"):
			l, err = (&clientaccess.Client{HTTPClient: site.Client(), DialContext: site.DialContext}).Decide(context.Background(), req)
		default:
			l, err = (&crossdomain.Client{HTTPClient: site.Client(), DialContext: site.DialContext}).Decide(context.Background(), req)
		}
		require.NoError(t, err)
		return l.Decision
	}
	assert.True(t, decide("http://www.partner.example/a.swf", "http://api.example.com/feed").Allowed)
	assert.False(t, decide("http://evil.example/a.swf", "http://api.example.com/feed").Allowed)
	assert.True(t, decide("http://app.example.com/a.swf", "xmlsocket://api.example.com:9005").Allowed)
	assert.False(t, decide("http://app.example.com/a.swf", "xmlsocket://api.example.com:9500").Allowed)
	assert.True(t, decide("http://any.example/a.xap", "tcp://api.example.com:4503").Allowed)
	assert.True(t, decide("http://any.example/a.xap", "http://api.example.com/x").Allowed)

	req, _ := match.NewRequest("http://app.example.com/", "http://api.example.com/users/feed.xml")
	res, err := (&mozpolicy.Client{HTTPClient: site.Client()}).Decide(context.Background(), req)
	require.NoError(t, err)
	assert.True(t, res.Decision.Allowed, res.Decision.String())

	hres, err := site.Client().Get("http://api.example.com/clientaccesspolicy.xml")
	require.NoError(t, err)
	hres.Body.Close()
	assert.Equal(t, "text/xml", hres.Header.Get("Content-Type"))
	assert.Equal(t, "master-only", hres.Header.Get("X-Permitted-Cross-Domain-Policies"), "auto: the master's site-control")
	assert.Equal(t, "no-cache", hres.Header.Get("Cache-Control"))

	cancel()
	assert.Equal(t, exitOK, <-done)
	log := logs.String()
	assert.Contains(t, log, `msg="http request" remote=`)
	assert.Contains(t, log, "path=/crossdomain.xml status=200")
	assert.Contains(t, log, "path=/users/cross-domain-policy.xml status=200")
	assert.Contains(t, log, "server=flash")
	assert.Contains(t, log, "server=silverlight")
	assert.Contains(t, log, "outcome=answered")
	assert.Contains(t, log, "msg=stopped")
}

func TestServeErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	bad := writeFile(t, "crossdomain.xml", "<cross-domain-policy>\n<allow-access-from domain='*'>\n")
	good := writeFile(t, "clientaccesspolicy.xml", servedSilverlight)
	other := writeFile(t, "policy.xml", servedSilverlight)
	huge := writeFile(t, "cross-domain-policy.xml", "<cross-domain-policy>"+strings.Repeat(" ", maxInput)+"</cross-domain-policy>")

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no address", []string{"serve", good}, "give at least one of -http, -flash and -silverlight"},
		{"no files", []string{"serve", "-http", ":0"}, "no policy files"},
		{"both", []string{"serve", "-http", ":0", "-dir", ".", good}, "not both"},
		{"unknown name", []string{"serve", "-http", ":0", other}, "serve knows files by name"},
		{"rejected", []string{"serve", "-http", "127.0.0.1:0", bad}, "crossdomain.xml:3:1: "},
		{"no socket policy", []string{"serve", "-flash", "127.0.0.1:0", good}, "-flash: no socketpolicy.xml"},
		{"bad meta-policy", []string{"serve", "-http", "127.0.0.1:0", "-meta-policy", "some", good}, "-meta-policy"},
		{"busy port", []string{"serve", "-http", busy.Addr().String(), good}, "address already in use"},
		{"too big", []string{"serve", "-http", "127.0.0.1:0", huge}, "cross-domain-policy.xml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(""), io.Discard, &stderr)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr.String(), tt.want)
			if tt.name == "bad meta-policy" {
				assert.NotContains(t, stderr.String(), "serving", "the flag is checked before anything is said to be served")
			}
		})
	}
}

// The built binary stops cleanly on SIGTERM and on SIGINT.
func TestServeSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "xdpolicy")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			var logs lockedBuffer
			cmd := exec.Command(bin, "serve", "-http", "127.0.0.1:0", "-dir", "../../testdata/examples")
			cmd.Stderr = &logs
			require.NoError(t, cmd.Start())
			addrs := waitListening(t, logs.String, 1)
			res, err := http.Get("http://" + addrs["http"] + "/crossdomain.xml")
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, 200, res.StatusCode)
			require.NoError(t, cmd.Process.Signal(sig))
			require.NoError(t, cmd.Wait(), logs.String())
			assert.Contains(t, logs.String(), "msg=stopped")
		})
	}
}

func TestServeHelp(t *testing.T) {
	var stdout bytes.Buffer
	assert.Equal(t, exitOK, run([]string{"help", "serve"}, nil, &stdout, io.Discard))
	for _, want := range []string{"setcap cap_net_bind_service", "--dport 843 -j REDIRECT", "-silverlight", "socketpolicy.xml"} {
		assert.Contains(t, stdout.String(), want)
	}
}

// Each file's warnings are logged once, with the file's name, whether the
// file goes to a socket server, over HTTP, or both.
func TestServeWarnsOnce(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "socketpolicy.xml"),
		[]byte(`<cross-domain-policy><allow-access-from domain="*.example.com" to-ports="9000" flashfoo="x"/></cross-domain-policy>`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clientaccesspolicy.xml"),
		[]byte(strings.Replace(servedSilverlight, `<domain uri="*"/>`, `<domain uri="*" slfoo="x"/>`, 1)), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"serve", "-http", "127.0.0.1:0", "-flash", "127.0.0.1:0", "-silverlight", "127.0.0.1:0", "-dir", dir},
			strings.NewReader(""), io.Discard, &logs)
	}()
	waitListening(t, logs.String, 3)
	cancel()
	require.Equal(t, exitOK, <-done)
	log := logs.String()
	for _, attr := range []string{"flashfoo", "slfoo"} {
		var lines []string
		for _, l := range strings.Split(log, "\n") {
			if strings.Contains(l, attr) {
				lines = append(lines, l)
			}
		}
		if assert.Len(t, lines, 1, "%s:\n%s", attr, log) {
			assert.Contains(t, lines[0], "file="+filepath.Join(dir, ""))
		}
	}
}
