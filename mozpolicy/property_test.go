package mozpolicy

import (
	"testing"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// TestRuntimeRules runs FuzzRuntimeRules' checks over a fixed sweep, so
// the plain test run covers them.
func TestRuntimeRules(t *testing.T) { readingtest.Sweep(t, 5000, 32, runtimeRules) }

// FuzzRuntimeRules checks that what the draft's client refuses is denied
// by every policy: a malformed name, a socket, a path the server may read
// as another in a file that governs a directory, and a raw path with '%',
// "./" or ".." under a rule with to.
func FuzzRuntimeRules(f *testing.F) {
	f.Add([]byte("\x01\x00\x01\x02\x00\x01\x03"))
	f.Add([]byte("\x02\x01\x02\x03\x01\x00\x00\x01\x01"))
	f.Fuzz(func(t *testing.T, b []byte) { runtimeRules(t, b) })
}

func runtimeRules(t *testing.T, b []byte) (allowed int) {
	c := &readingtest.Choices{B: b}
	pol := &Policy{}
	for range c.Pick(5) {
		pol.Allow = append(pol.Allow, Allow{Type: c.Of("", "any", "xml", "load"), From: c.Of("", "*", "a.example", "*.example"),
			To: c.Of("", "", "b/", "../", "b/c/"), Delegate: c.Of("", "false", "true")})
	}
	loc, _ := match.ParseTarget(c.Of("http://t.example/cross-domain-policy.xml", "http://t.example/a/cross-domain-policy.xml"))
	p := pol.Compile(CompileOptions{Location: loc})
	targets := []string{"http://t.example/a/b/x", "http://t.example/a/x", "http://t.example/x", "http://t.example/a/b/%41", "http://t.example/a/b/./x",
		"http://t.example/a/..%5cx", "http://t.example/a/%252e%252e/x", "http://t.example/a/x%2f..%2f..%2fy", "tcp://t.example:4502", "xmlsocket://t.example:843"}
	for range 3 {
		req, err := match.NewRequest(c.Of("http://a.example/p", "http://b.a.example/p", "http://other/"), c.Of(targets...))
		if err != nil {
			t.Fatal(err)
		}
		req.Type = c.Of("", "xml", "load", "save")
		if c.Pick(3) == 0 {
			req.Headers = []string{c.Of(readingtest.MalformedNames...)}
		}
		d := p.Decide(req)
		if d.Allowed {
			allowed++
		}
		tg := req.Target
		switch {
		case req.Validate() != nil:
			if d.Allowed || d.Code != match.Malformed {
				t.Fatalf("malformed %q: %s", req.Headers, d)
			}
		case !d.Allowed:
		case tg.IsSocket():
			t.Fatalf("a socket: %s", d)
		case tg.Ambiguity != "" && loc.Path != "/cross-domain-policy.xml":
			t.Fatalf("an ambiguous path in a file that governs %s: %s", p.Scope, d)
		case match.UnsafePathChars(tg.RawPath) && d.Rule.PathChars:
			t.Fatalf("a raw path the path-character rule refuses, under a rule with to: %s", d)
		}
	}
	return allowed
}
