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
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
)

// serveInProcess runs serve with args until the test ends; hup stands for
// SIGHUP and env for the environment.
func serveInProcess(t *testing.T, args []string, env map[string]string, servers int) (addrs map[string]string, hup chan os.Signal, logs *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &lockedBuffer{}
	hup = make(chan os.Signal, 1)
	c := &cli{ctx: ctx, stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs, hangups: hup,
		lookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	done := make(chan int, 1)
	go func() { done <- c.run(append([]string{"serve"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, exitOK, <-done, logs.String())
	})
	return waitListening(t, logs.String, servers), hup, logs
}

// flashDecide asks Flash Player's lookup, at a site whose ports 80 and
// 843 are the addresses serve listens on.
func flashDecide(t *testing.T, addrs map[string]string, caller, target string) match.Decision {
	t.Helper()
	m := map[string]string{}
	if a := addrs["http"]; a != "" {
		m["api.example.com:80"] = a
	}
	if a := addrs["flash"]; a != "" {
		m["api.example.com:843"] = a
	}
	site := fakesite.Start(t, fakesite.Site{Addrs: m})
	req, err := match.NewRequest(caller, target)
	require.NoError(t, err)
	l, err := (&crossdomain.Client{HTTPClient: site.Client(), DialContext: site.DialContext}).Decide(context.Background(), req)
	require.NoError(t, err)
	return l.Decision
}

// Quick policies from flags, and the same from the environment: the
// files they build are served and Flash Player's lookup honours them.
func TestServeAllow(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flags", []string{"-http", "127.0.0.1:0", "-flash", "127.0.0.1:0", "-allow", "*.example.com:9000-9010", "-allow", "app.example.net:9000", "-allow", "www.example.org"}, nil},
		{"environment", nil, map[string]string{"XDPOLICY_HTTP": "127.0.0.1:0", "XDPOLICY_FLASH": "127.0.0.1:0",
			"XDPOLICY_ALLOW": "*.example.com:9000-9010  app.example.net:9000\nwww.example.org"}},
		{"flag wins over environment", []string{"-http", "127.0.0.1:0", "-flash", "127.0.0.1:0", "-allow", "*.example.com:9000-9010", "-allow", "app.example.net:9000", "-allow", "www.example.org"},
			map[string]string{"XDPOLICY_ALLOW": "*", "XDPOLICY_HTTP": "not an address"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addrs, _, logs := serveInProcess(t, tt.args, tt.env, 2)
			for _, c := range []struct {
				caller, target string
				want           bool
			}{
				{"http://a.example.com/x.swf", "xmlsocket://api.example.com:9005", true},
				{"http://a.example.com/x.swf", "xmlsocket://api.example.com:9011", false},
				{"http://app.example.net/x.swf", "xmlsocket://api.example.com:9000", true},
				{"http://app.example.net/x.swf", "xmlsocket://api.example.com:9001", false},
				{"http://www.example.org/x.swf", "xmlsocket://api.example.com:9000", false},
				{"http://www.example.org/x.swf", "http://api.example.com/data", true},
				{"http://a.example.com/x.swf", "http://api.example.com/data", true},
				{"http://evil.example/x.swf", "http://api.example.com/data", false},
				{"http://evil.example/x.swf", "xmlsocket://api.example.com:9000", false},
			} {
				d := flashDecide(t, addrs, c.caller, c.target)
				assert.Equal(t, c.want, d.Allowed, "%s -> %s: %s", c.caller, c.target, d.Reason())
			}
			assert.Contains(t, logs.String(), "msg=serving path=/crossdomain.xml file=-allow")
		})
	}
}

func TestServeAllowPrint(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"serve", "-print", "-allow", "*.example.com:9000-9010", "-allow", "https://app.example.net"}, nil, &out, &errb)
	require.Equal(t, exitOK, code, errb.String())
	want := `==> crossdomain.xml <==
<?xml version="1.0" encoding="UTF-8"?>
<cross-domain-policy>
  <allow-access-from domain="*.example.com"/>
  <allow-access-from domain="https://app.example.net"/>
</cross-domain-policy>

==> socketpolicy.xml <==
<?xml version="1.0" encoding="UTF-8"?>
<cross-domain-policy>
  <allow-access-from domain="*.example.com" to-ports="9000-9010"/>
</cross-domain-policy>
`
	assert.Equal(t, want, out.String())
	// What -print shows is what Flash Player reads.
	files := strings.Split(out.String(), "\n\n")
	require.Len(t, files, 2)
	_, _, err := crossdomain.Parse([]byte(strings.SplitN(files[0], "\n", 2)[1]))
	assert.NoError(t, err)
	_, _, err = crossdomain.ParseSocket([]byte(strings.SplitN(files[1], "\n", 2)[1]))
	assert.NoError(t, err)
}

func TestServeAllowErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "crossdomain.xml"), []byte(`<cross-domain-policy/>`), 0o644))
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-print"}, nil, "give -allow"},
		{[]string{"-http", ":0", "-allow", ":9000"}, nil, "no domain"},
		{[]string{"-http", ":0", "-allow", "a..example"}, nil, "-allow \"a..example\""},
		{[]string{"-http", ":0", "-allow", "a.example:70000"}, nil, "-allow"},
		{[]string{"-http", ":0", "-allow", "a.example:9-1"}, nil, "-allow"},
		{[]string{"-flash", ":0", "-allow", "a.example"}, nil, "-flash: no socketpolicy.xml"},
		{[]string{"-http", ":0", "-allow", "a.example", "-dir", dir}, nil, "-allow would both be served as /crossdomain.xml"},
		{nil, map[string]string{"XDPOLICY_PRINT": "maybe", "XDPOLICY_ALLOW": "a.example"}, "environment XDPOLICY_PRINT=\"maybe\""},
	} {
		var errb bytes.Buffer
		c := &cli{ctx: context.Background(), stdout: io.Discard, stderr: &errb,
			lookupEnv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
		assert.Equal(t, exitUsage, c.run(append([]string{"serve"}, tt.args...)), tt.args)
		assert.Contains(t, errb.String(), tt.want, tt.args)
	}
}

func TestSplitAllow(t *testing.T) {
	for _, tt := range []struct{ in, domain, ports string }{
		{"a.example", "a.example", ""},
		{"a.example:9000", "a.example", "9000"},
		{"*.example.com:9000-9010,9020", "*.example.com", "9000-9010,9020"},
		{"*:*", "*", "*"},
		{"https://a.example", "https://a.example", ""},
		{"https://a.example:9000", "https://a.example", "9000"},
		{"a.example:", "a.example:", ""},
		{"a.example:x", "a.example:x", ""},
	} {
		d, p := splitAllow(tt.in)
		assert.Equal(t, [2]string{tt.domain, tt.ports}, [2]string{d, p}, tt.in)
	}
}

// TestServeReload: on a hangup every file is read again; a changed file
// serves its new version, on HTTP and on the socket ports; a file that
// now fails keeps its old version and the log says why; added and
// removed files come and go; one line says what changed.
func TestServeReload(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	policy := func(domain, extra string) string {
		return `<cross-domain-policy>` + extra + `<allow-access-from domain="` + domain + `" to-ports="9000"/></cross-domain-policy>`
	}
	write("crossdomain.xml", policy("a.example", ""))
	write("socketpolicy.xml", policy("a.example", ""))
	write("old/crossdomain.xml", policy("a.example", ""))
	addrs, hup, logs := serveInProcess(t, []string{"-http", "127.0.0.1:0", "-flash", "127.0.0.1:0", "-dir", dir}, nil, 2)
	get := func(p string) (int, string, string) {
		res, err := http.Get("http://" + addrs["http"] + p)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header.Get("X-Permitted-Cross-Domain-Policies")
	}
	socket := func() string {
		c, err := net.Dial("tcp", addrs["flash"])
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, crossdomain.PolicyRequest)
		b, _ := io.ReadAll(c)
		return string(b)
	}
	reload := func() string {
		n := strings.Count(logs.String(), "msg=reloaded")
		hup <- syscall.SIGHUP
		require.Eventually(t, func() bool { return strings.Count(logs.String(), "msg=reloaded") > n }, 5*time.Second, 10*time.Millisecond)
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		return lines[len(lines)-1]
	}

	// A change, an addition, a removal, a new site-control.
	write("crossdomain.xml", policy("b.example", `<site-control permitted-cross-domain-policies="all"/>`))
	write("socketpolicy.xml", policy("b.example", ""))
	write("new/crossdomain.xml", policy("b.example", ""))
	require.NoError(t, os.Remove(filepath.Join(dir, "old/crossdomain.xml")))
	line := reload()
	assert.Contains(t, line, `changed=/crossdomain.xml,/socketpolicy.xml added=/new/crossdomain.xml removed=/old/crossdomain.xml failed="" meta_policy="master-only -> all"`)
	code, body, meta := get("/crossdomain.xml")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "b.example")
	assert.Equal(t, "all", meta)
	code, _, _ = get("/new/crossdomain.xml")
	assert.Equal(t, 200, code)
	code, _, _ = get("/old/crossdomain.xml")
	assert.Equal(t, 404, code)
	assert.Contains(t, socket(), "b.example")

	// Broken files keep their old versions; the others move on.
	write("crossdomain.xml", `<cross-domain-policy><allow-access-from`)
	write("socketpolicy.xml", `not xml`)
	write("new/crossdomain.xml", policy("c.example", ""))
	line = reload()
	assert.Contains(t, line, `changed=/new/crossdomain.xml added="" removed="" failed=/crossdomain.xml,/socketpolicy.xml`)
	assert.Contains(t, logs.String(), `level=ERROR msg="reload: file rejected, its old version keeps serving" path=/crossdomain.xml err=`)
	_, body, _ = get("/crossdomain.xml")
	assert.Contains(t, body, "b.example")
	assert.Contains(t, socket(), "b.example")
	_, body, _ = get("/new/crossdomain.xml")
	assert.Contains(t, body, "c.example")

	// The socket policy gone: the socket server keeps serving it.
	require.NoError(t, os.Remove(filepath.Join(dir, "socketpolicy.xml")))
	line = reload()
	assert.Contains(t, line, "failed=/crossdomain.xml,/socketpolicy.xml")
	assert.Contains(t, socket(), "b.example")
	assert.Contains(t, logs.String(), "a socket server serves it")

	// Repaired.
	write("crossdomain.xml", policy("d.example", ""))
	write("socketpolicy.xml", policy("d.example", ""))
	line = reload()
	assert.Contains(t, line, `changed=/crossdomain.xml,/socketpolicy.xml added="" removed="" failed="" meta_policy="all -> master-only"`)
	assert.Contains(t, socket(), "d.example")
	_, body, meta = get("/crossdomain.xml")
	assert.Contains(t, body, "d.example")
	assert.Equal(t, "master-only", meta)

	// Nothing changed.
	assert.Contains(t, reload(), `changed="" added="" removed="" failed=""`)
}

// The built binary reloads on a real SIGHUP.
func TestServeSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "xdpolicy")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := t.TempDir()
	file := filepath.Join(dir, "crossdomain.xml")
	require.NoError(t, os.WriteFile(file, []byte(`<cross-domain-policy><allow-access-from domain="a.example"/></cross-domain-policy>`), 0o644))
	var logs lockedBuffer
	cmd := exec.Command(bin, "serve", "-http", "127.0.0.1:0", "-dir", dir)
	cmd.Stderr = &logs
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	addrs := waitListening(t, logs.String, 1)
	require.NoError(t, os.WriteFile(file, []byte(`<cross-domain-policy><allow-access-from domain="b.example"/></cross-domain-policy>`), 0o644))
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "msg=reloaded") }, 10*time.Second, 10*time.Millisecond)
	res, err := http.Get("http://" + addrs["http"] + "/crossdomain.xml")
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(b), "b.example")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), logs.String())
	assert.Contains(t, logs.String(), "changed=/crossdomain.xml")
}

// -allow with a -dir that holds nothing (yet): the quick policies serve,
// and files added later come with a reload.
func TestServeAllowEmptyDir(t *testing.T) {
	dir := t.TempDir()
	addrs, hup, logs := serveInProcess(t, []string{"-http", "127.0.0.1:0", "-allow", "a.example", "-dir", dir}, nil, 1)
	assert.True(t, flashDecide(t, addrs, "http://a.example/x.swf", "http://api.example.com/data").Allowed)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clientaccesspolicy.xml"), []byte(servedSilverlight), 0o644))
	hup <- syscall.SIGHUP
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "added=/clientaccesspolicy.xml") }, 5*time.Second, 10*time.Millisecond)
}

// FuzzQuickPolicies: whatever -allow values are given, serve either
// refuses them or builds files Flash Player's readings accept, every
// domain in the HTTP file, every one with ports in the socket policy.
func FuzzQuickPolicies(f *testing.F) {
	for _, s := range []string{"*.example.com:9000-9010", "app.example.net", "https://a.example:843", "*:*", "a.example:", ":1", "a..b", "a.example:9000,9001", "*.co.uk:1"} {
		f.Add(s, "b.example:1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		files, err := quickPolicies([]string{a, b})
		if err != nil {
			return
		}
		withPorts := 0
		for _, s := range []string{a, b} {
			if _, ports := splitAllow(s); ports != "" {
				withPorts++
			}
		}
		for _, sf := range files {
			var p *crossdomain.Policy
			var err error
			switch sf.path {
			case "/crossdomain.xml":
				p, _, err = crossdomain.Parse(sf.data)
				if err == nil && len(p.AllowAccessFrom) != 2 {
					t.Fatalf("%q %q: crossdomain.xml has %d entries", a, b, len(p.AllowAccessFrom))
				}
			case "/socketpolicy.xml":
				p, _, err = crossdomain.ParseSocket(sf.data)
				if err == nil && len(p.AllowAccessFrom) != withPorts {
					t.Fatalf("%q %q: the socket policy has %d entries, want %d", a, b, len(p.AllowAccessFrom), withPorts)
				}
			default:
				t.Fatalf("unexpected file %s", sf.path)
			}
			if err != nil {
				t.Fatalf("%q %q: Flash Player rejects the %s built: %v\n%s", a, b, sf.path, err, sf.data)
			}
		}
	})
}
