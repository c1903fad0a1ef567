package audit

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

const (
	flashOpen   = `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`
	flashSafe   = `<cross-domain-policy><site-control permitted-cross-domain-policies="master-only"/><allow-access-from domain="www.partner.example"/></cross-domain-policy>`
	socketOpen  = `<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>` + "\x00"
	silverNamed = `<access-policy><cross-domain-access><policy><allow-from><domain uri="https://www.partner.example"/></allow-from>` +
		`<grant-to><resource path="/api" include-subpaths="true"/><socket-resource port="4502" protocol="tcp"/></grant-to></policy></cross-domain-access></access-policy>`
	mozOpen = `<cross-domain-policy><allow from="*"/></cross-domain-policy>`
)

var policyType = fakesite.Response{Status: 200, ContentType: "text/x-cross-domain-policy"}

func with(r fakesite.Response, body string, headers map[string]string) fakesite.Response {
	r.Body, r.Headers = body, headers
	return r
}

// codes lists the site's findings as "URL CODE LEVEL".
func codes(s *Site) []string {
	var out []string
	for _, f := range s.Findings() {
		out = append(out, f.File+" "+f.Code+" "+f.Level.String())
	}
	return out
}

func verdicts(s *Site) []string {
	var out []string
	for _, v := range s.Verdicts {
		out = append(out, v.Runtime+": "+v.Text)
	}
	return out
}

func readings(f *File) []string {
	var out []string
	for _, r := range f.Readings {
		out = append(out, r.Runtime+" "+r.State()+": "+r.Note)
	}
	return out
}

func audit(t *testing.T, site fakesite.Site, cfg Config, arg string) *Site {
	t.Helper()
	srv := fakesite.Start(t, site)
	cfg.HTTPClient, cfg.DialContext = srv.Client(), srv.DialContext
	rep, err := Audit(context.Background(), arg, cfg)
	require.NoError(t, err)
	return rep
}

func TestAuditOpenSite(t *testing.T) {
	rep := audit(t, fakesite.Site{
		HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":  with(policyType, flashOpen, nil),
			"https://site.test/crossdomain.xml": with(policyType, flashOpen, map[string]string{"Cache-Control": "max-age=3600"}),
		},
		Sockets: map[string]string{"site.test:843": socketOpen},
	}, Config{Sockets: true}, "site.test")
	require.NoError(t, rep.Err)
	assert.Equal(t, "site.test", rep.Host)
	var urls []string
	for _, f := range rep.Files {
		urls = append(urls, f.URL)
	}
	assert.Equal(t, []string{
		"http://site.test/crossdomain.xml", "http://site.test/clientaccesspolicy.xml", "http://site.test/cross-domain-policy.xml",
		"https://site.test/crossdomain.xml", "https://site.test/clientaccesspolicy.xml", "https://site.test/cross-domain-policy.xml",
		"xmlsocket://site.test:843", "tcp://site.test:943",
	}, urls)
	assert.Equal(t, []string{
		"flash used: the master policy (meta-policy master-only)",
		"silverlight used: read in place of the missing http://site.test/clientaccesspolicy.xml",
	}, readings(rep.Files[0]))
	assert.Empty(t, readings(rep.Files[1]), "a 404 needs no note")
	assert.Equal(t, []string{"flash used: the socket master policy"}, readings(rep.Files[6]))
	require.Len(t, readings(rep.Files[7]), 1)
	assert.Regexp(t, `^silverlight rejected: no socket policy server: .*connection refused$`, readings(rep.Files[7])[0])
	assert.Equal(t, []string{
		"http://site.test/crossdomain.xml open-access high",
		"http://site.test/crossdomain.xml cacheable-response low",
		"http://site.test/crossdomain.xml missing-meta-policy-header low",
		"https://site.test/crossdomain.xml open-access high",
		"https://site.test/crossdomain.xml cacheable-response low",
		"https://site.test/crossdomain.xml missing-meta-policy-header low",
		"xmlsocket://site.test:843 open-socket high",
	}, codes(rep))
	assert.Equal(t, finding.High, rep.Worst())
	assert.Equal(t, []string{
		"flash: any Flash caller may read everything over HTTP and HTTPS and open sockets to any port",
		"silverlight: any Silverlight caller may read everything over HTTP and HTTPS",
		"mozilla: no Mozilla-draft caller from another site may read anything over HTTP or HTTPS",
	}, verdicts(rep))
}

func TestAuditCarefulSite(t *testing.T) {
	careful := map[string]string{"Cache-Control": "no-cache", "X-Permitted-Cross-Domain-Policies": "master-only"}
	rep := audit(t, fakesite.Site{
		HTTP: map[string]fakesite.Response{
			"https://site.test/crossdomain.xml":         with(policyType, flashSafe, careful),
			"https://site.test/api/crossdomain.xml":     with(policyType, flashOpen, careful),
			"https://site.test/clientaccesspolicy.xml":  {Status: 200, ContentType: "text/xml", Body: silverNamed, Headers: careful},
			"https://site.test/cross-domain-policy.xml": {Status: 301, Headers: map[string]string{"Location": "/elsewhere.xml"}},
			"https://site.test/elsewhere.xml":           {Status: 200, ContentType: "text/xml", Body: mozOpen},
		},
		Sockets: map[string]string{"site.test:943": silverNamed},
	}, Config{Sockets: true, Paths: []string{"/api/crossdomain.xml"}}, "https://site.test/any/path")
	require.NoError(t, rep.Err)
	require.Len(t, rep.Files, 10, "both schemes of the URL's host, four paths each, and two sockets")
	assert.Regexp(t, `^flash rejected: no answer: .*connection refused$`, readings(rep.Files[0])[0])
	assert.Equal(t, []string{
		"flash used: the master policy (meta-policy master-only)",
		"silverlight accepted, not used: passed over: Silverlight reads https://site.test/clientaccesspolicy.xml first",
	}, readings(rep.Files[4]))
	assert.Equal(t, []string{"mozilla rejected: status 301: the draft's client does not follow redirects for policy files"}, readings(rep.Files[6]))
	assert.Equal(t, []string{"flash accepted, not used: Flash Player ignores this file: the meta-policy is master-only, so only the master counts"}, readings(rep.Files[7]))
	assert.Equal(t, []string{"silverlight used: the policy of sockets on site.test"}, readings(rep.Files[9]))
	// The redirect at /cross-domain-policy.xml is the draft client's answer
	// (no file); no runtime follows it there, so the audit does not either.
	assert.Equal(t, []string{
		"https://site.test/api/crossdomain.xml ignored-file info",
	}, codes(rep), "an ignored file's own findings (open-access here) are moot")
	assert.Equal(t, finding.Info, rep.Worst())
	assert.Equal(t, []string{
		"flash: Flash callers from www.partner.example may read everything over HTTPS",
		"silverlight: Silverlight callers from https://www.partner.example may read /api and below over HTTPS and open sockets to port 4502",
		"mozilla: no Mozilla-draft caller from another site may read anything over HTTP or HTTPS",
	}, verdicts(rep))
}

func TestParseSite(t *testing.T) {
	for _, tc := range []struct {
		arg     string
		host    string
		origins []string
		err     string
	}{
		{arg: "site.test", host: "site.test", origins: []string{"http://site.test", "https://site.test"}},
		{arg: " Site.TEST ", host: "site.test", origins: []string{"http://site.test", "https://site.test"}},
		{arg: "https://site.test/some/page?q=1", host: "site.test", origins: []string{"http://site.test", "https://site.test"}},
		{arg: "https://site.test:443", host: "site.test", origins: []string{"https://site.test"}},
		{arg: "http://site.test:8080", host: "site.test", origins: []string{"http://site.test:8080"}},
		{arg: "http://[::1]:8080", host: "::1", origins: []string{"http://[::1]:8080"}},
		{arg: "bücher.example", host: "xn--bcher-kva.example", origins: []string{"http://xn--bcher-kva.example", "https://xn--bcher-kva.example"}},
		{arg: "site.test:8080", err: "a port needs a scheme"},
		{arg: "site.test/path", err: "give a host name, or a URL"},
		{arg: "ftp://site.test", err: "want an http or https URL"},
		{arg: "http://user@site.test", err: "without user information"},
		{arg: "http://site.test:99999", err: "bad port"},
		{arg: "", err: "empty site"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			host, origins, err := ParseSite(tc.arg)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.host, host)
			assert.Equal(t, tc.origins, origins)
		})
	}
}

func TestAuditUnreachable(t *testing.T) {
	rep := audit(t, fakesite.Site{}, Config{Sockets: true}, "site.test")
	require.Error(t, rep.Err)
	assert.Contains(t, rep.Err.Error(), "no HTTP answer from site.test")
	assert.Empty(t, rep.Findings())

	_, err := Audit(context.Background(), "site.test", Config{Paths: []string{"api/crossdomain.xml"}})
	assert.ErrorContains(t, err, "want an absolute path")
	_, err = Audit(context.Background(), "site.test:1", Config{})
	assert.ErrorContains(t, err, "a port needs a scheme")
}

func TestAuditMetaPolicies(t *testing.T) {
	permissive := `<cross-domain-policy><site-control permitted-cross-domain-policies="by-content-type"/><allow-access-from domain="www.partner.example"/></cross-domain-policy>`
	rep := audit(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://site.test/crossdomain.xml":       with(policyType, permissive, map[string]string{"Cache-Control": "no-store"}),
		"http://site.test/up/crossdomain.xml":    with(policyType, flashOpen, map[string]string{"Cache-Control": "no-cache"}),
		"http://site.test/other/crossdomain.xml": {Status: 200, ContentType: "text/plain", Body: flashOpen},
		"http://site.test/cross-domain-policy.xml": {Status: 200, ContentType: "text/xml", Body: mozOpen,
			Headers: map[string]string{"Cache-Control": "no-cache"}},
		"https://site.test/crossdomain.xml": with(policyType, flashOpen, map[string]string{"X-Permitted-Cross-Domain-Policies": "none", "Cache-Control": "no-cache"}),
	}}, Config{Paths: []string{"/up/crossdomain.xml", "/other/crossdomain.xml"}}, "site.test")
	require.NoError(t, rep.Err)
	assert.Equal(t, []string{
		"http://site.test/crossdomain.xml permissive-site-control medium",
		"http://site.test/crossdomain.xml missing-meta-policy-header info",
		"http://site.test/cross-domain-policy.xml open-access high",
		"http://site.test/up/crossdomain.xml open-access high",
		"http://site.test/other/crossdomain.xml ignored-file info",
		"https://site.test/crossdomain.xml ignored-file info",
	}, codes(rep))
	assert.Equal(t, []string{"flash accepted, not used: Flash Player ignores this file: served as \"text/plain\"; the meta-policy by-content-type admits only text/x-cross-domain-policy"}, readings(rep.Files[4]))
	assert.Equal(t, []string{"flash accepted, not used: the master policy, switched off: " + rep.Files[5].compiled[Flash].Disabled,
		"silverlight accepted, not used: switched off: " + rep.Files[5].Readings[1].Note[len("switched off: "):]}, readings(rep.Files[5]))
	assert.Equal(t, []string{
		"flash: any Flash caller may read /up/ and below over HTTP; Flash callers from www.partner.example may read everything over HTTP",
		"silverlight: no Silverlight caller from another site may read anything over HTTP or HTTPS",
		"mozilla: any Mozilla-draft caller may read everything over HTTP",
	}, verdicts(rep))
}

// TestAuditRedirectedMasterHeader: Flash Player reads the meta-policy
// header of the response it read the master from, the one after its
// same-host redirects, not the redirect's.
func TestAuditRedirectedMasterHeader(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/crossdomain.xml" && r.URL.RawQuery == "":
			http.Redirect(w, r, "/crossdomain.xml?v=2", http.StatusFound)
		case r.URL.Path == "/crossdomain.xml":
			w.Header().Set("Content-Type", "text/x-cross-domain-policy")
			w.Header().Set("X-Permitted-Cross-Domain-Policies", "none")
			w.Header().Set("Cache-Control", "no-cache")
			fmt.Fprint(w, flashOpen)
		default:
			http.NotFound(w, r)
		}
	})
	rep := audit(t, fakesite.Site{Handlers: map[string]http.Handler{"http://site.test": h}}, Config{}, "http://site.test:80")
	require.NoError(t, rep.Err)
	require.Equal(t, "http://site.test/crossdomain.xml", rep.Files[0].URL)
	assert.Equal(t, "http://site.test/crossdomain.xml?v=2", rep.Files[0].Final)
	r := readings(rep.Files[0])
	require.NotEmpty(t, r)
	assert.Regexp(t, `^flash accepted, not used: the master policy, switched off: `, r[0])
	assert.Equal(t, "flash: no Flash caller from another site may read anything over HTTP or HTTPS", verdicts(rep)[0])
}

// unknownCase is a site where some file a runtime reads could not be
// read, and what the verdicts must say.
type unknownCase struct {
	name  string
	site  fakesite.Site
	cfg   Config
	arg   string
	trust bool // the client trusts the test certificate (else TLS fails)
	// want maps each runtime to the start of its verdict, and a piece of
	// it (the reason, or what was read).
	want map[string][2]string
	// check, when set, checks more of the report.
	check func(t *testing.T, rep *Site)
}

// TestAuditUnreadable: a file a runtime reads that could not be read
// (a timeout, a 5xx, a body cut short or over the limit, a TLS failure, a
// reset) makes that runtime's verdict unknown, and says what the files
// that were read grant; a 404, a 410 or a refused connection is an answer.
func TestAuditUnreadable(t *testing.T) {
	short := Config{Timeout: 300 * time.Millisecond}
	safeHTTPS := with(policyType, flashSafe, map[string]string{"Cache-Control": "no-cache"})
	known := func(rt string) [2]string {
		return [2]string{rt + ": no " + runtimeNames[rt] + " caller from another site may", ""}
	}
	reset := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != crossDomainPath {
			http.NotFound(w, r)
			return
		}
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with a reset
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/x-cross-domain-policy\r\nContent-Length: 500\r\n\r\n<cross-domain-policy>")
		c.Close()
	})
	for _, tc := range []unknownCase{{
		name: "timeout",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":  {Status: 200, ContentType: policyType.ContentType, Body: flashOpen, Delay: 5 * time.Second},
			"https://site.test/crossdomain.xml": safeHTTPS,
		}},
		cfg: short, arg: "site.test", trust: true,
		want: map[string][2]string{
			Flash: {"flash: unknown: http://site.test/crossdomain.xml could not be read (no answer within 300ms)",
				"; from what was read, Flash callers from www.partner.example may read everything over HTTPS"},
			Silverlight: {"silverlight: unknown: http://site.test/crossdomain.xml could not be read (no answer within 300ms)", ""},
			Mozilla:     known(Mozilla),
		},
		check: func(t *testing.T, rep *Site) {
			assert.Equal(t, []string{
				"flash: unknown: http://site.test/crossdomain.xml could not be read (no answer within 300ms); what Flash callers may reach is not known; " +
					"from what was read, Flash callers from www.partner.example may read everything over HTTPS",
				"silverlight: unknown: http://site.test/crossdomain.xml could not be read (no answer within 300ms); what Silverlight callers may reach is not known",
				"mozilla: no Mozilla-draft caller from another site may read anything over HTTP or HTTPS",
			}, verdicts(rep))
			assert.Equal(t, []string{
				"flash rejected: could not be read: no answer within 300ms",
				"silverlight rejected: could not be read: no answer within 300ms",
			}, readings(rep.Files[0]))
			for _, c := range codes(rep) {
				assert.NotContains(t, c, "http://site.test/", "a file not read has no findings")
			}
		},
	}, {
		name: "5xx",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":  {Status: 503, ContentType: "text/html", Body: "busy"},
			"https://site.test/crossdomain.xml": safeHTTPS,
		}},
		arg: "site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: unknown: http://site.test/crossdomain.xml could not be read (status 503)", "from what was read, Flash callers from www.partner.example"},
			Silverlight: {"silverlight: unknown: http://site.test/crossdomain.xml could not be read (status 503)", ""},
			Mozilla:     known(Mozilla),
		},
	}, {
		name: "cut short",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml": with(policyType, flashOpen, map[string]string{"Content-Length": "1000"}),
		}},
		arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: unknown: http://site.test/crossdomain.xml could not be read (the body was cut short: unexpected EOF)", ""},
			Silverlight: {"silverlight: unknown: http://site.test/crossdomain.xml could not be read", ""},
			Mozilla:     known(Mozilla),
		},
	}, {
		name: "over the size limit",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml": with(policyType, flashOpen+strings.Repeat(" ", 200), nil),
		}},
		cfg: Config{MaxBytes: 100}, arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: unknown: http://site.test/crossdomain.xml could not be read (over the size limit", ""},
			Silverlight: {"silverlight: unknown: http://site.test/crossdomain.xml could not be read (over the size limit", ""},
			Mozilla:     known(Mozilla),
		},
	}, {
		name: "reset",
		site: fakesite.Site{Handlers: map[string]http.Handler{"http://site.test": reset}},
		arg:  "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: unknown: http://site.test/crossdomain.xml could not be read (", ""},
			Silverlight: {"silverlight: unknown: http://site.test/crossdomain.xml could not be read (", ""},
			Mozilla:     known(Mozilla),
		},
	}, {
		name: "TLS",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":  with(policyType, flashOpen, nil),
			"https://site.test/crossdomain.xml": with(policyType, flashOpen, nil),
		}},
		arg: "site.test",
		want: map[string][2]string{
			Flash: {"flash: unknown: https://site.test/crossdomain.xml could not be read (tls: failed to verify certificate: ",
				"; from what was read, any Flash caller may read everything over HTTP"},
			Silverlight: {"silverlight: unknown: https://site.test/clientaccesspolicy.xml could not be read (tls: ",
				"; from what was read, any Silverlight caller may read everything over HTTP"},
			Mozilla: {"mozilla: unknown: https://site.test/cross-domain-policy.xml could not be read (tls: ", "what Mozilla-draft callers may reach is not known"},
		},
	}, {
		// Flash follows the redirect and times out; the others read the
		// redirect as no file.
		name: "Flash's redirect",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml": {Status: 302, Headers: map[string]string{"Location": "/policy/crossdomain.xml"}},
			"http://site.test/policy/crossdomain.xml": {Status: 200, ContentType: policyType.ContentType, Body: flashOpen,
				Delay: 5 * time.Second},
		}},
		cfg: short, arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: unknown: http://site.test/crossdomain.xml could not be read (no answer within 300ms)", ""},
			Silverlight: known(Silverlight),
			Mozilla:     known(Mozilla),
		},
	}, {
		// Silverlight reads clientaccesspolicy.xml and never looks at
		// crossdomain.xml.
		name: "Silverlight's clientaccesspolicy.xml read",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":        {Status: 500},
			"http://site.test/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: silverNamed},
		}},
		arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: unknown: http://site.test/crossdomain.xml could not be read (status 500)", ""},
			Silverlight: {"silverlight: Silverlight callers from https://www.partner.example may read /api and below over HTTP", ""},
			Mozilla:     known(Mozilla),
		},
	}, {
		// Silverlight falls back to crossdomain.xml, read here, but
		// clientaccesspolicy.xml would come first.
		name: "Silverlight's clientaccesspolicy.xml not read",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":        with(policyType, flashOpen, nil),
			"http://site.test/clientaccesspolicy.xml": {Status: 502},
		}},
		arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: any Flash caller may read everything over HTTP", ""},
			Silverlight: {"silverlight: unknown: http://site.test/clientaccesspolicy.xml could not be read (status 502)", "; from what was read, any Silverlight caller may read everything over HTTP"},
			Mozilla:     known(Mozilla),
		},
		check: func(t *testing.T, rep *Site) {
			assert.Equal(t, []string{
				"flash used: the master policy (meta-policy master-only)",
				"silverlight used: read in place of http://site.test/clientaccesspolicy.xml, which could not be read",
			}, readings(rep.Files[0]))
			assert.Equal(t, []string{"silverlight rejected: could not be read: status 502"}, readings(rep.Files[1]))
		},
	}, {
		name: "Mozilla's root file",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/cross-domain-policy.xml": {Status: 504},
		}},
		arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       known(Flash),
			Silverlight: known(Silverlight),
			Mozilla:     {"mozilla: unknown: http://site.test/cross-domain-policy.xml could not be read (status 504); what Mozilla-draft callers may reach is not known", ""},
		},
	}, {
		// Under master-only no other file counts, read or not.
		name: "an extra path under master-only",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":     with(policyType, flashSafe, nil),
			"http://site.test/api/crossdomain.xml": {Status: 503},
		}},
		cfg: Config{Paths: []string{"/api/crossdomain.xml"}}, arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash:       {"flash: Flash callers from www.partner.example may read everything over HTTP", ""},
			Silverlight: known(Silverlight), // Silverlight reads only domain="*" in crossdomain.xml
			Mozilla:     known(Mozilla),
		},
	}, {
		name: "an extra path under all",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":     with(policyType, strings.Replace(flashSafe, "master-only", "all", 1), nil),
			"http://site.test/api/crossdomain.xml": {Status: 503},
		}},
		cfg: Config{Paths: []string{"/api/crossdomain.xml"}}, arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash: {"flash: unknown: http://site.test/api/crossdomain.xml could not be read (status 503)",
				"; from what was read, Flash callers from www.partner.example may read everything over HTTP"},
			Silverlight: known(Silverlight), // Silverlight reads only domain="*" in crossdomain.xml
			Mozilla:     known(Mozilla),
		},
	}, {
		// A silent socket policy server: Flash's socket part is not
		// known; Silverlight's port 943 refuses, an answer.
		name: "a silent socket policy server",
		site: fakesite.Site{
			HTTP:           map[string]fakesite.Response{"http://site.test/crossdomain.xml": with(policyType, flashSafe, nil)},
			SocketHandlers: map[string]func(net.Conn){"site.test:843": func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }},
		},
		cfg: Config{Sockets: true, Timeout: 300 * time.Millisecond}, arg: "http://site.test", trust: true,
		want: map[string][2]string{
			Flash: {"flash: unknown: xmlsocket://site.test:843 could not be read (the reply did not end within 300ms (0 bytes read)); what Flash callers may reach through sockets is not known",
				"; from what was read, Flash callers from www.partner.example may read everything over HTTP"},
			Silverlight: known(Silverlight), // Silverlight reads only domain="*" in crossdomain.xml
			Mozilla:     known(Mozilla),
		},
	}, {
		// 404, 410 and a refused connection (no HTTPS server, no socket
		// policy servers) are answers.
		name: "answers",
		site: fakesite.Site{HTTP: map[string]fakesite.Response{
			"http://site.test/crossdomain.xml":         {Status: 404, Body: strings.Repeat("x", 500)},
			"http://site.test/cross-domain-policy.xml": {Status: 410},
		}},
		cfg: Config{Sockets: true, MaxBytes: 100}, arg: "site.test", trust: true,
		want: map[string][2]string{
			Flash: known(Flash), Silverlight: known(Silverlight), Mozilla: known(Mozilla),
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakesite.Start(t, tc.site)
			cfg := tc.cfg
			cfg.HTTPClient, cfg.DialContext = srv.Client(), srv.DialContext
			if !tc.trust {
				cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: srv.DialContext}}
			}
			rep, err := Audit(context.Background(), tc.arg, cfg)
			require.NoError(t, err)
			require.NoError(t, rep.Err)
			got := verdicts(rep)
			require.Len(t, got, 3)
			var unknown []string
			for i, rt := range Runtimes {
				want := tc.want[rt]
				assert.True(t, strings.HasPrefix(got[i], want[0]), "%s verdict\n got: %s\nwant: %s…", rt, got[i], want[0])
				assert.Contains(t, got[i], want[1])
				v := rep.Verdicts[i]
				if strings.Contains(want[0], ": unknown: ") {
					assert.NotContains(t, got[i], "no "+runtimeNames[rt]+" caller", "an unknown verdict says nobody is safe")
					assert.NotEmpty(t, v.Unknown)
					assert.True(t, strings.HasPrefix(v.Text, "unknown: "+v.Unknown+"; "), v.Text)
					unknown = append(unknown, rt)
				} else {
					assert.Empty(t, v.Unknown)
				}
			}
			assert.Equal(t, unknown, rep.Unknown())
			if tc.check != nil {
				tc.check(t, rep)
			}
		})
	}
}

// TestAuditRejectedNote: a rejected file's note is the runtime's reason
// alone; its state already says "rejected".
func TestAuditRejectedNote(t *testing.T) {
	rep := audit(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://site.test/crossdomain.xml": with(policyType, "not xml", nil),
	}}, Config{}, "http://site.test")
	for _, r := range readings(rep.Files[0]) {
		assert.NotContains(t, r, "rejected: rejected")
	}
	assert.Contains(t, readings(rep.Files[0]), "flash rejected: 1:1: not well-formed XML: text before the root element")
}
