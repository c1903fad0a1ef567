package clientaccess

import (
	"testing"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// randomPolicy builds a clientaccesspolicy.xml model from fuzz choices.
func randomPolicy(c *readingtest.Choices) *Policy {
	p := &Policy{}
	for range 1 + c.Pick(2) {
		var cda CrossDomainAccess
		for range 1 + c.Pick(2) {
			var r Rule
			for range 1 + c.Pick(2) {
				af := AllowFrom{HTTPRequestHeaders: c.Of("", "*", "X-API-*", "SOAPAction, X-A"), HTTPMethods: c.Of("", "*", "PUT")}
				for range 1 + c.Pick(3) {
					af.Domains = append(af.Domains, Domain{URI: c.Of("*", "http://*", "https://*", "http://a.example", "https://*.example", "http://a.example/app.xap", "a.example", "file:///")})
				}
				r.AllowFrom = append(r.AllowFrom, af)
			}
			for range 1 + c.Pick(2) {
				var g GrantTo
				for range c.Pick(3) {
					g.Resources = append(g.Resources, Resource{Path: c.Of("/", "/a", "/a/", "/a/b"), IncludeSubpaths: c.Flag()})
				}
				if c.Flag() {
					g.SocketResources = append(g.SocketResources, SocketResource{Port: match.PortRange{Lo: 4502, Hi: 4502 + c.Pick(33)}, Protocol: "tcp"})
				}
				r.GrantTo = append(r.GrantTo, g)
			}
			cda.Policies = append(cda.Policies, r)
		}
		p.CrossDomainAccess = append(p.CrossDomainAccess, cda)
	}
	return p
}

// TestRuntimeRules runs FuzzRuntimeRules' checks over a fixed sweep, so
// the plain test run covers them.
func TestRuntimeRules(t *testing.T) { readingtest.Sweep(t, 5000, 48, runtimeRules) }

// FuzzRuntimeRules checks that what Silverlight refuses is denied by every
// policy: a malformed name, a socket outside 4502-4534, a raw path with
// '%', "./" or ".." (unless the file opens everything, the one exception),
// and a path the server may read as another under a narrower grant.
func FuzzRuntimeRules(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x01\x00\x01\x00\x00\x01\x00\x01"))
	f.Add([]byte("\x01\x01\x01\x02\x03\x04\x05\x06\x07"))
	f.Fuzz(func(t *testing.T, b []byte) { runtimeRules(t, b) })
}

func runtimeRules(t *testing.T, b []byte) (allowed int) {
	c := &readingtest.Choices{B: b}
	pol := randomPolicy(c)
	p := pol.Compile(CompileOptions{Source: "clientaccesspolicy.xml"})
	origins := []string{"http://a.example/app.xap", "https://b.example/x.xap", "http://z.other/", "file:///x.xap"}
	targets := []string{"http://t.example/a/b", "http://t.example/a", "http://t.example/", "http://t.example/a/%41", "http://t.example/a/./b",
		"http://t.example/a/../c", "http://t.example/a/..%5cb", "http://t.example/a%2fb", `http://t.example/a\b`, "tcp://t.example:4510", "tcp://t.example:4600", "tcp://t.example:943"}
	for range 3 {
		req, err := match.NewRequest(c.Of(origins...), c.Of(targets...))
		if err != nil {
			t.Fatal(err)
		}
		req.Method = c.Of("", "GET", "POST", "PUT", "DELETE")
		for range c.Pick(3) {
			req.Headers = append(req.Headers, c.Of(append([]string{"X-API-Key", "SOAPAction", "Content-Type", "X-A", "Authorization"}, readingtest.MalformedNames...)...))
		}
		d := p.Decide(req)
		if d.Allowed {
			allowed++
		}
		tg := req.Target
		switch {
		case req.Validate() != nil:
			if d.Allowed || d.Code != match.Malformed {
				t.Fatalf("malformed %q %q: %s", req.Method, req.Headers, d)
			}
		case !d.Allowed:
		case tg.IsSocket() && (tg.Port < MinSocketPort || tg.Port > MaxSocketPort):
			t.Fatalf("a socket outside Silverlight's ports: %s", d)
		case !tg.IsSocket() && match.UnsafePathChars(tg.RawPath) && !pol.opensEverything():
			t.Fatalf("a raw path the path-character rule refuses: %s", d)
		case tg.Ambiguity != "" && !pol.opensEverything() && !grantsWholeSite(pol):
			t.Fatalf("an ambiguous path without a grant of the whole site: %s", d)
		}
	}
	return allowed
}

func grantsWholeSite(p *Policy) bool {
	for _, cda := range p.CrossDomainAccess {
		for _, r := range cda.Policies {
			for _, g := range r.GrantTo {
				for _, res := range g.Resources {
					if res.Path == "/" && res.IncludeSubpaths {
						return true
					}
				}
			}
		}
	}
	return false
}
