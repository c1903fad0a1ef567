package crossdomain

import (
	"strings"
	"testing"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// randomPolicy builds a crossdomain.xml model from fuzz choices, and where
// it was found.
func randomPolicy(c *readingtest.Choices) (*Policy, match.Target) {
	domains := []string{"*", "a.example", "*.example", "https://a.example", "10.0.0.1", "www.*.com"}
	p := &Policy{}
	if c.Flag() {
		p.SiteControl = []SiteControl{{PermittedCrossDomainPolicies: c.Of("none", "master-only", "all", "by-content-type", "by-ftp-filename")}}
	}
	for range c.Pick(5) {
		p.AllowAccessFrom = append(p.AllowAccessFrom, AllowAccessFrom{
			Domain: c.Of(domains...), ToPorts: c.Of("", "*", "4502-4534", "80", "1000-2000"), Secure: c.Of("", "true", "false")})
	}
	for range c.Pick(4) {
		p.AllowHTTPRequestHeadersFrom = append(p.AllowHTTPRequestHeadersFrom, AllowHTTPRequestHeadersFrom{
			Domain: c.Of(domains...), Headers: c.Of("*", "X-A", "X-B*", "Referer, X-A", "SOAPAction, x_flash_version"), Secure: c.Of("", "true", "false")})
	}
	loc, _ := match.ParseTarget(c.Of("http://t.example/crossdomain.xml", "https://t.example/a/pf.xml", "http://t.example/a/crossdomain.xml",
		"xmlsocket://t.example:843", "xmlsocket://t.example:9000"))
	return p, loc
}

// TestRuntimeRules runs FuzzRuntimeRules' checks over a fixed sweep, so
// the plain test run covers them.
func TestRuntimeRules(t *testing.T) { readingtest.Sweep(t, 5000, 40, runtimeRules) }

// FuzzRuntimeRules checks that what Flash Player never does is denied by
// every policy: a malformed name, a method other than GET and POST, a
// header it never sends, and (for a file that governs a directory) a path
// the server may read as another.
func FuzzRuntimeRules(f *testing.F) {
	f.Add([]byte("\x01\x01\x00\x01\x02\x03\x04\x05\x06"))
	f.Add([]byte("\x00\x02\x01\x00\x00\x02\x01\x03\x02\x01\x01"))
	f.Fuzz(func(t *testing.T, b []byte) { runtimeRules(t, b) })
}

func runtimeRules(t *testing.T, b []byte) (allowed int) {
	c := &readingtest.Choices{B: b}
	pol, loc := randomPolicy(c)
	p := pol.Compile(CompileOptions{Location: loc})
	origins := []string{"http://a.example/x.swf", "https://a.example/x.swf", "http://b.example/", "file:///x.swf", "http://10.0.0.1/"}
	targets := []string{"http://t.example/a/x", "https://t.example/a/b", "http://t.example/b", "http://t.example/a/..%5cb", "http://t.example/a/%252e%252e/b",
		`http://t.example/a/..\b`, "http://t.example/a/x%2f..%2f..%2fb", "xmlsocket://t.example:4510", "xmlsocket://t.example:80", "tcp://t.example:9000"}
	for range 3 {
		req, err := match.NewRequest(c.Of(origins...), c.Of(targets...))
		if err != nil {
			t.Fatal(err)
		}
		req.Method = c.Of("", "GET", "POST", "post", "PUT", "DELETE", "GET")
		for range c.Pick(3) {
			req.Headers = append(req.Headers, c.Of(append([]string{"X-A", "X-B-1", "SOAPAction", "Referer", "X_Flash_Version", "Content-Type", "x-forwarded-for"}, readingtest.MalformedNames...)...))
		}
		d := p.Decide(req)
		if d.Allowed {
			allowed++
		}
		switch {
		case req.Validate() != nil:
			if d.Allowed || d.Code != match.Malformed {
				t.Fatalf("malformed %q %q: %s", req.Method, req.Headers, d)
			}
		case d.Allowed && !req.Target.IsSocket() && req.Method != "" && !strings.EqualFold(req.Method, "GET") && !strings.EqualFold(req.Method, "POST"):
			t.Fatalf("method %s: %s", req.Method, d)
		case d.Allowed && !req.Target.IsSocket() && hasNeverSent(req.Headers):
			t.Fatalf("headers %q: %s", req.Headers, d)
		case d.Allowed && req.Target.Ambiguity != "" && KindOf(loc) == NonMaster:
			t.Fatalf("an ambiguous path under %s: %s", loc, d)
		case d.Allowed && req.Target.IsSocket() != KindOf(loc).Socket():
			t.Fatalf("a %s grants %s: %s", KindOf(loc), req.Target, d)
		}
	}
	return allowed
}

func hasNeverSent(headers []string) bool {
	for _, h := range headers {
		if NeverSent(h) {
			return true
		}
	}
	return false
}
