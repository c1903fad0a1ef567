package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/audit"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

const (
	auditOpen    = `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`
	auditSocket  = `<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>` + "\x00"
	auditCareful = `<cross-domain-policy><site-control permitted-cross-domain-policies="master-only"/><allow-access-from domain="www.partner.example"/></cross-domain-policy>`
	auditSilver  = `<access-policy><cross-domain-access><policy><allow-from><domain uri="https://www.partner.example"/></allow-from>` +
		`<grant-to><resource path="/api" include-subpaths="true"/><socket-resource port="4502-4506" protocol="tcp"/></grant-to></policy></cross-domain-access></access-policy>`
)

// auditSites serves three made-up sites on loopback, HTTP, HTTPS, 843 and
// 943 among them, and returns the -connect-to flags that reach them and
// the path of a CA file that verifies the HTTPS server's certificate (for
// example.com only; other names need -insecure). example.com is wide open;
// careful.example is not; down.example answers nothing.
func auditSites(t *testing.T) (net []string, cacert string) {
	careful := map[string]string{"Cache-Control": "no-cache", "X-Permitted-Cross-Domain-Policies": "master-only"}
	srv := fakesite.Start(t, fakesite.Site{
		HTTP: map[string]fakesite.Response{
			"http://example.com/crossdomain.xml":             {Status: 200, ContentType: "text/x-cross-domain-policy", Body: auditOpen},
			"https://example.com/crossdomain.xml":            {Status: 200, ContentType: "text/x-cross-domain-policy", Body: auditOpen},
			"https://careful.example/crossdomain.xml":        {Status: 200, ContentType: "text/x-cross-domain-policy", Body: auditCareful, Headers: careful},
			"https://careful.example/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: auditSilver, Headers: careful},
			"https://careful.example/api/crossdomain.xml":    {Status: 200, ContentType: "text/x-cross-domain-policy", Body: auditOpen, Headers: careful},
			"http://careful.example/crossdomain.xml":         {Status: 301, Headers: map[string]string{"Location": "https://careful.example/crossdomain.xml"}},
		},
		Sockets: map[string]string{
			"example.com:843":     auditSocket,
			"careful.example:943": auditSilver,
		},
	})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, srv.CertPEM(), 0o600))
	args := []string{"-timeout", "2s"}
	for _, ct := range srv.ConnectTo() {
		args = append(args, "-connect-to", ct)
	}
	host, port := srv.Refused()
	return append(args, "-connect-to", "::"+host+":"+strconv.Itoa(port)), ca
}

func TestAuditEndToEnd(t *testing.T) {
	net, ca := auditSites(t)
	// Without -cacert (or -insecure) the test certificate is not trusted:
	// the HTTPS files could not be read, so every verdict is unknown, and
	// the audit is incomplete (exit 2), whatever was found over HTTP.
	code, stdout, _ := runCLI(append([]string{"audit", "example.com"}, net...)...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stdout, "example.com: incomplete: flash, silverlight and mozilla unknown; 3 findings, worst high\n")
	assert.Contains(t, stdout, "  https://example.com: could not be read: tls: ")
	assert.Contains(t, stdout, "certificate")
	assert.Contains(t, stdout, "    flash: unknown: https://example.com/crossdomain.xml could not be read (tls: ")
	assert.Contains(t, stdout, "; from what was read, any Flash caller may read everything over HTTP\n")

	code, stdout, stderr := runCLI(append([]string{"audit", "-sockets", "-cacert", ca, "example.com"}, net...)...)
	assert.Equal(t, 1, code, "high findings fail at the default -fail-on low\n%s\n%s", stdout, stderr)
	assert.Empty(t, stderr, "one site shows no progress")
	for _, want := range []string{
		"example.com: 7 findings, worst high\n",
		"  http://example.com/crossdomain.xml: 200 text/x-cross-domain-policy\n" +
			"    flash: used: the master policy (meta-policy master-only)\n" +
			"    silverlight: used: read in place of the missing http://example.com/clientaccesspolicy.xml\n" +
			"    http://example.com/crossdomain.xml:1:22: high: open-access: any caller may read everything this file governs, with the user's cookies\n" +
			"    http://example.com/crossdomain.xml: low: cacheable-response: served with no Cache-Control",
		"  http://example.com/clientaccesspolicy.xml: 404: no file\n",
		"  xmlsocket://example.com:843: socket policy received\n    flash: used: the socket master policy\n" +
			"    xmlsocket://example.com:843:1:22: high: open-socket: any caller may open a socket to any port\n",
		"  https://example.com/crossdomain.xml: low: missing-meta-policy-header: the master policy is served without X-Permitted-Cross-Domain-Policies",
		"  tcp://example.com:943: no answer: ",
		"  verdict:\n" +
			"    flash: any Flash caller may read everything over HTTP and HTTPS and open sockets to any port\n" +
			"    silverlight: any Silverlight caller may read everything over HTTP and HTTPS\n" +
			"    mozilla: no Mozilla-draft caller from another site may read anything over HTTP or HTTPS\n",
	} {
		assert.Contains(t, stdout, want)
	}

	// The careful site: only info findings, so the default -fail-on
	// passes it; -fail-on info does not.
	args := append([]string{"audit", "-sockets", "-insecure", "-path", "/api/crossdomain.xml", "careful.example"}, net...)
	code, stdout, stderr = runCLI(args...)
	assert.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	for _, want := range []string{
		"careful.example: 2 findings, worst info\n",
		// Flash follows the redirect to HTTPS, where the file is
		// another origin's master; Silverlight follows none.
		"  http://careful.example/crossdomain.xml: 301, redirected to https://careful.example/crossdomain.xml\n" +
			"    flash: accepted, not used: redirected to https://careful.example/crossdomain.xml, which is not the master policy of http://careful.example, so Flash Player ignores it\n" +
			"    silverlight: rejected: status 301: Silverlight reads no policy file from a redirect\n" +
			"    http://careful.example/crossdomain.xml: info: ignored-file: no runtime uses this file (flash: redirected",
		"  https://careful.example/crossdomain.xml: 200 text/x-cross-domain-policy\n" +
			"    flash: used: the master policy (meta-policy master-only)\n" +
			"    silverlight: accepted, not used: passed over: Silverlight reads https://careful.example/clientaccesspolicy.xml first\n" +
			"  https://careful.example/clientaccesspolicy.xml: 200 text/xml\n" +
			"    silverlight: used: the policy of https://careful.example\n",
		"  tcp://careful.example:943: socket policy received\n    silverlight: used: the policy of sockets on careful.example\n",
		"  https://careful.example/api/crossdomain.xml: 200 text/x-cross-domain-policy\n" +
			"    flash: accepted, not used: Flash Player ignores this file: the meta-policy is master-only, so only the master counts\n" +
			"    https://careful.example/api/crossdomain.xml: info: ignored-file: no runtime uses this file",
		"    flash: Flash callers from www.partner.example may read everything over HTTPS\n" +
			"    silverlight: Silverlight callers from https://www.partner.example may read /api and below over HTTPS and open sockets to ports 4502-4506\n",
	} {
		assert.Contains(t, stdout, want)
	}
	code, _, _ = runCLI(append([]string{"audit", "-fail-on", "info"}, args[1:]...)...)
	assert.Equal(t, 1, code)

	// A site that answers nothing is an error, whatever the others say.
	code, stdout, stderr = runCLI(append([]string{"audit", "-insecure", "-fail-on", "high", "careful.example", "down.example"}, net...)...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stdout, "down.example: error: no HTTP answer from down.example")
	assert.Contains(t, stdout, "  http://down.example: no answer: ")
	assert.Contains(t, stderr, "xdpolicy audit: [1/2] ")
	assert.Contains(t, stderr, "] down.example: error: no HTTP answer")
	assert.Less(t, strings.Index(stdout, "careful.example:"), strings.Index(stdout, "down.example:"), "reports come in the order given")
}

func TestAuditJSONList(t *testing.T) {
	net, _ := auditSites(t)
	list := "# sites\nexample.com\n\ncareful.example\nhttps://careful.example:443/\n"
	var stdout, stderr bytes.Buffer
	args := append([]string{"audit", "-json", "-q", "-insecure", "-parallel", "2", "-list", "-", "-fail-on", "high"}, net...)
	code := run(args, strings.NewReader(list), &stdout, &stderr)
	assert.Equal(t, 1, code, stderr.String())
	assert.Empty(t, stderr.String(), "-q hides progress")
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 3, "one object per site, one per line")
	var sites []auditSite
	for _, l := range lines {
		var s auditSite
		require.NoError(t, json.Unmarshal([]byte(l), &s))
		sites = append(sites, s)
	}
	assert.Equal(t, "example.com", sites[0].Site)
	assert.Equal(t, "high", sites[0].Worst)
	assert.Len(t, sites[0].Files, 6, "no -sockets: three files on two origins")
	f := sites[0].Files[0]
	assert.Equal(t, "http://example.com/crossdomain.xml", f.URL)
	assert.True(t, f.Found)
	assert.Equal(t, []auditReading{
		{Runtime: "flash", Accepted: true, Used: true, Note: "the master policy (meta-policy master-only)"},
		{Runtime: "silverlight", Accepted: true, Used: true, Note: "read in place of the missing http://example.com/clientaccesspolicy.xml"},
	}, f.Readings)
	require.NotEmpty(t, f.Findings)
	assert.Equal(t, auditFinding{File: f.URL, Line: 1, Column: 22, Level: "high", Code: "open-access", Spec: "https://pkg.go.dev/github.com/xdpolicy/xdpolicy/finding#Docs",
		Message: "any caller may read everything this file governs, with the user's cookies",
		CWE:     "CWE-942", WSTG: "WSTG-CONF-08", Evidence: `<allow-access-from domain="*"/>`}, f.Findings[0])
	require.Len(t, sites[0].Verdicts, 3)
	assert.Equal(t, "any Flash caller may read everything over HTTP and HTTPS", sites[0].Verdicts[0].Text)
	assert.Equal(t, "careful.example", sites[1].Site)
	assert.Equal(t, "info", sites[1].Worst)
	assert.Equal(t, "https://careful.example:443/", sites[2].Site)
	assert.Len(t, sites[2].Files, 3, "a URL with a port audits that origin only")
}

func TestAuditUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit"}, "name at least one SITE"},
		{[]string{"audit", "site.test:8080"}, "a port needs a scheme"},
		{[]string{"audit", "-fail-on", "severe", "site.test"}, `-fail-on: unknown level "severe"`},
		{[]string{"audit", "-parallel", "0", "site.test"}, "-parallel must be at least 1"},
		{[]string{"audit", "-path", "crossdomain.xml", "site.test"}, "want an absolute path"},
		{[]string{"audit", "-list", filepath.Join(t.TempDir(), "none.txt")}, "-list: open "},
		{[]string{"audit", "-connect-to", "bad", "site.test"}, "connect-to"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tc.want)
		})
	}
	code, stdout, _ := runCLI("help", "audit")
	assert.Equal(t, 0, code)
	for _, want := range []string{"-sockets", "-path", "-list", "-parallel", "-fail-on", "-connect-to", "-cacert", "Example"} {
		assert.Contains(t, stdout, want)
	}
}

// TestAuditParallel audits six sites two at a time: never more than two
// sites are fetched at once, and the reports come in the order given.
func TestAuditParallel(t *testing.T) {
	var mu sync.Mutex
	active := map[string]int{} // requests in flight per host
	most := 0
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		active[r.Host]++
		most = max(most, len(active))
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		if active[r.Host]--; active[r.Host] == 0 {
			delete(active, r.Host)
		}
		mu.Unlock()
		http.NotFound(w, r)
	})
	site := fakesite.Site{Handlers: map[string]http.Handler{}}
	var names []string
	for i := range 6 {
		name := fmt.Sprintf("s%d.test", i)
		names = append(names, name)
		site.Handlers["http://"+name] = handler
		site.Handlers["https://"+name] = handler
	}
	srv := fakesite.Start(t, site)
	args := []string{"audit", "-parallel", "2", "-insecure"}
	for _, ct := range srv.ConnectTo() {
		args = append(args, "-connect-to", ct)
	}
	code, stdout, stderr := runCLI(append(args, names...)...)
	assert.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	assert.LessOrEqual(t, most, 2)
	t.Logf("at most %d sites at once", most)
	assert.Equal(t, 6, strings.Count(stderr, "xdpolicy audit: ["), "one progress line per site")
	last := -1
	for _, n := range names {
		i := strings.Index(stdout, n+": no findings\n")
		require.Greater(t, i, last, "%s comes after the site before it", n)
		last = i
	}
}

// TestAuditCanceled: SIGINT (a cancelled context) ends the audit, which
// says so and exits 2.
func TestAuditCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := runContext(ctx, []string{"audit", "-q", "a.test", "b.test", "c.test"}, nil, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "xdpolicy audit: interrupted (context canceled): the rest of the sites were not audited")
	assert.Empty(t, stdout.String())
}

// TestAuditUnknown: a site whose /crossdomain.xml answers after the
// timeout is not clean: Flash's verdict is unknown, -json says why, and
// audit exits 2. Given the time, the same site has a high finding.
func TestAuditUnknown(t *testing.T) {
	srv := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://victim.example/crossdomain.xml": {Status: 200, ContentType: "text/x-cross-domain-policy", Body: auditOpen, Delay: time.Second},
	}})
	var net []string
	for _, ct := range srv.ConnectTo() {
		net = append(net, "-connect-to", ct)
	}
	host, port := srv.Refused()
	net = append(net, "-connect-to", "::"+host+":"+strconv.Itoa(port)) // no HTTPS server: refused

	code, stdout, stderr := runCLI(append([]string{"audit", "-q", "-timeout", "300ms", "victim.example"}, net...)...)
	assert.Equal(t, 2, code, "an incomplete audit does not pass\n%s\n%s", stdout, stderr)
	assert.NotContains(t, stdout, "victim.example: no findings")
	assert.NotContains(t, stdout, "no Flash caller")
	for _, want := range []string{
		"victim.example: incomplete: flash and silverlight unknown; no findings in what was read\n",
		"  http://victim.example/crossdomain.xml: could not be read: no answer within 300ms\n",
		"  https://victim.example: no answer: ",
		"    flash: unknown: http://victim.example/crossdomain.xml could not be read (no answer within 300ms); what Flash callers may reach is not known\n",
		"    mozilla: no Mozilla-draft caller from another site may read anything over HTTP or HTTPS\n",
	} {
		assert.Contains(t, stdout, want)
	}

	code, stdout, _ = runCLI(append([]string{"audit", "-json", "-timeout", "300ms", "victim.example"}, net...)...)
	assert.Equal(t, 2, code)
	var site struct {
		Verdicts []map[string]string
		Files    []auditFile
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &site), stdout)
	require.NotEmpty(t, site.Files)
	assert.Equal(t, "no answer within 300ms", site.Files[0].Unread)
	assert.Empty(t, site.Files[1].Unread, "a 404 is an answer")
	assert.Empty(t, site.Files[3].Unread, "a refused connection is an answer")
	require.Len(t, site.Verdicts, 3)
	assert.Equal(t, "flash", site.Verdicts[0]["Runtime"])
	assert.Equal(t, "http://victim.example/crossdomain.xml could not be read (no answer within 300ms)", site.Verdicts[0]["Unknown"])
	assert.Contains(t, site.Verdicts[0]["Text"], "unknown: ")
	_, ok := site.Verdicts[2]["Unknown"]
	assert.False(t, ok, "a known verdict has no Unknown")

	// No -fail-on makes it pass.
	code, _, _ = runCLI(append([]string{"audit", "-fail-on", "high", "-timeout", "300ms", "victim.example"}, net...)...)
	assert.Equal(t, 2, code)

	// Progress does not call the site clean either.
	_, _, stderr = runCLI(append([]string{"audit", "-timeout", "300ms", "victim.example", "http://victim.example"}, net...)...)
	assert.Contains(t, stderr, "] victim.example: incomplete: flash and silverlight unknown; no findings in what was read\n")

	// With time enough, the file is read: wide open.
	code, stdout, stderr = runCLI(append([]string{"audit", "-q", "-timeout", "5s", "victim.example"}, net...)...)
	assert.Equal(t, 1, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "victim.example: 3 findings, worst high\n")
	assert.Contains(t, stdout, ": high: open-access: ")
	assert.Contains(t, stdout, "    flash: any Flash caller may read everything over HTTP\n")
}

// TestAuditListBadLine: one bad line of a -list is reported with where it
// is, in its place; the other sites are audited; the run does not pass.
func TestAuditListBadLine(t *testing.T) {
	net, _ := auditSites(t)
	list := "careful.example\nsite.test:8080\nhttps://careful.example:443/\n"
	var stdout, stderr bytes.Buffer
	args := append([]string{"audit", "-json", "-q", "-insecure", "-list", "-"}, net...)
	code := run(args, strings.NewReader(list), &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), `xdpolicy audit: -:2: "site.test:8080": site "site.test:8080": a port needs a scheme`)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 3)
	var bad auditSite
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &bad))
	assert.Equal(t, "site.test:8080", bad.Site)
	assert.Contains(t, bad.Error, "-:2: ")
	for _, i := range []int{0, 2} {
		var s auditSite
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &s))
		assert.Empty(t, s.Error)
		assert.NotEmpty(t, s.Files, "audited")
	}
}

// surveySites serves n made-up sites on loopback, every third one wide
// open, and returns their names and the flags that reach them.
func surveySites(t *testing.T, n int) (names, net []string) {
	site := fakesite.Site{Handlers: map[string]http.Handler{}}
	for i := range n {
		name := fmt.Sprintf("s%02d.test", i)
		names = append(names, name)
		open := i%3 == 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if open && r.URL.Path == "/crossdomain.xml" {
				w.Header().Set("Content-Type", "text/x-cross-domain-policy")
				fmt.Fprint(w, auditOpen)
				return
			}
			http.NotFound(w, r)
		})
		site.Handlers["http://"+name] = h
		site.Handlers["https://"+name] = h
	}
	srv := fakesite.Start(t, site)
	net = []string{"-insecure", "-timeout", "2s"}
	for _, ct := range srv.ConnectTo() {
		net = append(net, "-connect-to", ct)
	}
	host, port := srv.Refused() // any other name: nothing listens
	return names, append(net, "-connect-to", "::"+host+":"+strconv.Itoa(port))
}

// reportedSites reads the sites of audit -json output, in order.
func reportedSites(t *testing.T, out string) []string {
	var sites []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var s auditSite
		require.NoError(t, json.Unmarshal([]byte(l), &s), l)
		sites = append(sites, s.Site)
	}
	return sites
}

// TestAuditShard: N shards of one list audit every site once between
// them, each the sites audit.Shard gives it, in the list's order.
func TestAuditShard(t *testing.T) {
	names, net := surveySites(t, 12)
	list := filepath.Join(t.TempDir(), "sites.txt")
	require.NoError(t, os.WriteFile(list, []byte(strings.Join(names, "\n")+"\n"), 0o644))
	var all []string
	for k := range 3 {
		args := append([]string{"audit", "-json", "-list", list, "-shard", fmt.Sprintf("%d/3", k), "-fail-on", "high"}, net...)
		code, stdout, stderr := runCLI(args...)
		assert.Contains(t, []int{0, 1}, code, stderr)
		got := reportedSites(t, stdout)
		var want []string
		for _, n := range names {
			if audit.Shard(n, 3) == k {
				want = append(want, n)
			}
		}
		assert.Equal(t, want, got, "shard %d/3", k)
		assert.Contains(t, stderr, fmt.Sprintf("[%d/%d]", len(want), len(want)), "progress counts the shard's sites")
		all = append(all, got...)
	}
	slices.Sort(all)
	assert.Equal(t, names, all, "every site once")
	code, _, stderr := runCLI("audit", "-shard", "3/3", "x.test")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-shard: want K/N with 0 <= K < N")
}

// TestAuditResume: -resume skips the sites a cut-short run reported,
// drops its half-written last line, and appends the rest.
func TestAuditResume(t *testing.T) {
	names, net := surveySites(t, 6)
	dir := t.TempDir()
	list := filepath.Join(dir, "sites.txt")
	require.NoError(t, os.WriteFile(list, []byte(strings.Join(names, "\n")+"\n"), 0o644))
	out := filepath.Join(dir, "survey.jsonl")

	// A first run that reports two sites and is killed writing the third.
	code, stdout, stderr := runCLI(append([]string{"audit", "-json", "-q", names[0], names[1]}, net...)...)
	require.Contains(t, []int{0, 1}, code, stderr)
	require.NoError(t, os.WriteFile(out, []byte(stdout+`{"site":"`+names[2]+`","files":[`), 0o644))

	code, stdout, stderr = runCLI(append([]string{"audit", "-list", list, "-resume", out, "-summary", filepath.Join(dir, "sum.json"), "-fail-on", "high"}, net...)...)
	assert.Equal(t, 1, code, stderr)
	assert.Empty(t, stdout, "the reports go to the -resume file")
	assert.Contains(t, stderr, "xdpolicy audit: 2 sites skipped (already reported)")
	assert.Contains(t, stderr, "[4/4]")
	survey, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, names, reportedSites(t, string(survey)), "every site once, in order")

	var sum audit.Summary
	b, err := os.ReadFile(filepath.Join(dir, "sum.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sum))
	assert.Equal(t, 6, sum.Sites, "the summary of a resumed survey counts the sites already reported too")
	assert.Equal(t, 6, sum.Audited)
	assert.Equal(t, 2, sum.WithPolicy["flash"], "s00 and s03 are open")
	assert.Equal(t, 2, sum.SitesWithFinding["open-access"])
	assert.Equal(t, 4, sum.Worst["none"])

	// Nothing left: a third run audits nothing, and its summary is still
	// the survey's.
	code, _, stderr = runCLI(append([]string{"audit", "-list", list, "-resume", out, "-summary", filepath.Join(dir, "sum.json")}, net...)...)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "6 sites skipped")
	b, err = os.ReadFile(filepath.Join(dir, "sum.json"))
	require.NoError(t, err)
	var again2 audit.Summary
	require.NoError(t, json.Unmarshal(b, &again2))
	assert.Equal(t, sum, again2)
	again, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(survey), string(again))
}

// TestAuditSummary: a run of several sites ends with the survey's table
// on standard error, and -summary writes it as JSON.
func TestAuditSummary(t *testing.T) {
	names, net := surveySites(t, 6)
	sum := filepath.Join(t.TempDir(), "sum.json")
	code, _, stderr := runCLI(append(append([]string{"audit", "-json", "-summary", sum, "-per-host", "1", "-parallel", "3"}, net...), names...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "xdpolicy audit: summary of 6 sites: 6 audited, 0 unreachable, 0 incomplete, 0 not audited\n")
	assert.Contains(t, stderr, "  flash        policy used on 2 sites (33.3%)\n")
	assert.Contains(t, stderr, "  worst high   2 sites (33.3%)\n")
	assert.Regexp(t, `\n  open-access +2 sites \(33\.3%\), 4 findings\n`, stderr, "http:// and https:// of each")
	var s audit.Summary
	b, err := os.ReadFile(sum)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &s))
	assert.Equal(t, 6, s.Audited)
	assert.Equal(t, 2, s.Worst["high"])
	assert.Equal(t, 4, s.Worst["none"])
}

// TestAuditListPipe: -list reads a pipe (a FIFO, as <(...) gives), once,
// with progress but no total.
func TestAuditListPipe(t *testing.T) {
	names, net := surveySites(t, 3)
	fifo := filepath.Join(t.TempDir(), "sites")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer w.Close()
		fmt.Fprintln(w, strings.Join(names, "\n"))
	}()
	code, stdout, stderr := runCLI(append([]string{"audit", "-json", "-list", fifo, "-fail-on", "high"}, net...)...)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, names, reportedSites(t, stdout))
	assert.Contains(t, stderr, "xdpolicy audit: [3] ")
}

// TestAuditSARIF: audit -sarif writes one SARIF log for all the sites that
// passes the schema and code scanning's rules: the findings at the policy
// files' URLs, the sites not audited in whole as notifications.
func TestAuditSARIF(t *testing.T) {
	names, net := surveySites(t, 4)
	sites := append(slices.Clone(names), "down.test")
	code, stdout, stderr := runCLI(append(append([]string{"audit", "-sarif", "-q", "-parallel", "3"}, net...), sites...)...)
	assert.Equal(t, 2, code, "a site answers nothing: %s", stderr)
	log := checkSARIF(t, []byte(stdout))
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	var got []string
	for _, r := range run.Results {
		got = append(got, r.Locations[0].PhysicalLocation.ArtifactLocation.URI+" "+r.RuleID)
	}
	assert.Contains(t, got, "http://s00.test/crossdomain.xml open-access")
	assert.Contains(t, got, "https://s03.test/crossdomain.xml open-access")
	for _, g := range got {
		assert.NotContains(t, g, "s01.test", "s01 serves no policy")
	}
	require.Len(t, run.Invocations, 1)
	assert.False(t, run.Invocations[0].ExecutionSuccessful)
	require.Len(t, run.Invocations[0].ToolExecutionNotifications, 1)
	assert.Contains(t, run.Invocations[0].ToolExecutionNotifications[0].Message.Text, "down.test: no HTTP answer")

	code, _, stderr = runCLI("audit", "-sarif", "-json", "x.test")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-sarif writes one log for the run")
}

// TestAuditTrust: audit -trust reports the callers a site's policies
// trust outside the allowlist.
func TestAuditTrust(t *testing.T) {
	names, net := surveySites(t, 2) // s00 is wide open, s01 has no policy
	list := filepath.Join(t.TempDir(), "trust.txt")
	require.NoError(t, os.WriteFile(list, []byte("www.partner.example\n"), 0o644))
	code, stdout, stderr := runCLI(append(append([]string{"audit", "-json", "-q", "-trust", list}, net...), names...)...)
	assert.Equal(t, 1, code, stderr)
	sites := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, sites, 2)
	assert.Contains(t, sites[0], `"code":"untrusted-caller"`)
	assert.Contains(t, sites[0], `\"*\" trusts every caller the allowlist does not`)
	assert.NotContains(t, sites[1], "untrusted-caller")
}

// TestAuditPages: with -pages, the audit fetches each origin's root page
// and reports a response without X-Permitted-Cross-Domain-Policies.
func TestAuditPages(t *testing.T) {
	header := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Permitted-Cross-Domain-Policies", "none")
		http.NotFound(w, r)
	})
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>home</html>") })
	srv := fakesite.Start(t, fakesite.Site{Handlers: map[string]http.Handler{
		"http://good.test": header, "https://good.test": header, "http://bare.test": bare, "https://bare.test": bare,
	}})
	args := []string{"audit", "-json", "-q", "-pages", "-insecure"}
	for _, ct := range srv.ConnectTo() {
		args = append(args, "-connect-to", ct)
	}
	code, stdout, stderr := runCLI(append(args, "good.test", "bare.test")...)
	assert.Equal(t, 0, code, "info findings do not fail: %s", stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	var good, bareSite auditSite
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &good))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &bareSite))
	page := func(s auditSite, u string) *auditFile {
		for i := range s.Files {
			if s.Files[i].URL == u {
				return &s.Files[i]
			}
		}
		return nil
	}
	g := page(good, "http://good.test/")
	require.NotNil(t, g, "the root page is in the report")
	assert.Empty(t, g.Findings)
	b := page(bareSite, "https://bare.test/")
	require.NotNil(t, b)
	require.Len(t, b.Findings, 1)
	assert.Equal(t, "missing-page-meta-policy-header", b.Findings[0].Code)
	assert.Equal(t, "info", b.Findings[0].Level)

	// Without -pages, no page is fetched.
	without := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-pages" })
	code, stdout, _ = runCLI(append(without, "bare.test")...)
	assert.Equal(t, 0, code)
	assert.NotContains(t, stdout, "bare.test/\"")
}

// TestAuditListLongLine: a list line too long to be a site stops the
// list with a message that says so, and exit 2.
func TestAuditListLongLine(t *testing.T) {
	list := "a.test\n" + strings.Repeat("x", 70000) + "\n"
	var stdout, stderr bytes.Buffer
	code := run([]string{"audit", "-q", "-json", "-list", "-", "-connect-to", "::127.0.0.1:1"}, strings.NewReader(list), &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "a list holds one site a line")
}
