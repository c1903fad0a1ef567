package match

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func host(t testing.TB, s string, w Wildcard) HostPattern {
	t.Helper()
	p, err := ParseHostPattern(s, w)
	require.NoError(t, err)
	return p
}

// testPolicy is a small policy with one rule of each shape the formats
// compile to.
func testPolicy(t testing.TB) *Policy {
	return &Policy{
		Source:  "test.xml",
		Runtime: "test",
		Rules: []Rule{
			{
				Name:    "partners",
				Pos:     Pos{3, 5},
				Callers: []Caller{{Scheme: "https", Port: 443, Host: host(t, "*.partner.example", WildcardWithApex), Text: "https://*.partner.example", Pos: Pos{4, 7}}},
				Methods: Methods("GET", "POST"),
				Headers: ParseHeaderList("SOAPAction, X-API-*"),
				Paths:   []PathScope{{Path: "/api", Subpaths: true, Pos: Pos{6, 7}}, {Path: "/status"}},
			},
			{
				Name:      "public",
				Pos:       Pos{9, 5},
				Callers:   []Caller{{Host: AnyHost, Text: "*"}},
				Methods:   Methods("GET"),
				Paths:     []PathScope{{Path: "/public", Subpaths: true}},
				PathChars: true,
			},
			{
				Name:    "sockets",
				Pos:     Pos{12, 5},
				Callers: []Caller{{Host: host(t, "www.partner.example", WildcardWithApex)}},
				Ports:   Ports(PortRange{4502, 4510}),
				Secure:  true,
			},
		},
	}
}

func TestDecide(t *testing.T) {
	p := testPolicy(t)
	tests := []struct {
		name            string
		origin, target  string
		method          string
		headers         []string
		allowed         bool
		code            Code
		rule            string
		reasonFragments []string
	}{
		{"partner reads the API", "https://app.partner.example/a.xap", "http://api.example.com/api/v1/x", "", nil, true, Granted, "partners",
			[]string{`partners in test.xml admits https://app.partner.example/a.xap by "https://*.partner.example" (4:7) and grants "/api" and below (6:7)`}},
		{"apex of the wildcard", "https://partner.example/a.xap", "http://api.example.com/status", "POST", []string{"Content-Type", "x-api-key"}, true, Granted, "partners", nil},
		{"partner over http is another caller", "http://app.partner.example/a.xap", "http://api.example.com/api/x", "", nil, false, NoCaller, "partners",
			[]string{"partners admits its host by \"https://*.partner.example\" at 4:7, but only over https, not http"}},
		{"partner with a header not listed", "https://app.partner.example/a.xap", "http://api.example.com/api/x", "", []string{"SOAPAction", "Authorization"}, false, HeaderNotAllowed, "partners",
			[]string{"admits https://app.partner.example/a.xap but not request header Authorization"}},
		{"partner with PUT", "https://app.partner.example/a.xap", "http://api.example.com/api/x", "PUT", nil, false, MethodNotAllowed, "partners",
			[]string{"but not method PUT"}},
		{"partner outside its paths falls to public, which grants less", "https://app.partner.example/a.xap", "http://api.example.com/private", "", nil, false, NotGranted, "partners",
			[]string{`does not grant /private (it grants "/api" and below, "/status")`}},
		{"anyone reads public", "http://evil.example/x.swf", "http://api.example.com/public/feed", "", nil, true, Granted, "public", nil},
		{"file callers are anyone", "file:///x.swf", "http://api.example.com/public/feed", "", nil, true, Granted, "public", nil},
		{"public path-character rule", "http://evil.example/x.swf", "http://api.example.com/public/%2e%2e/private", "", nil, false, NotGranted, "public",
			[]string{`does not grant /private ("/public/%2e%2e/private" read unescaped and without dot-segments)`}},
		{"public path-character rule inside the grant", "http://evil.example/x.swf", "http://api.example.com/public/a/../b", "", nil, false, PathCharacters, "public",
			[]string{`public in test.xml grants /public/a/../b by "/public" and below, but the raw path contains "..", which the path-character rule forbids`}},
		{"public escape", "http://evil.example/x.swf", "http://api.example.com/public/a%20b", "", nil, false, PathCharacters, "public", []string{`contains "%"`}},
		{"public with a header", "http://evil.example/x.swf", "http://api.example.com/public/x", "", []string{"X-Foo"}, false, HeaderNotAllowed, "public", nil},
		{"public POST", "http://evil.example/x.swf", "http://api.example.com/public/x", "POST", nil, false, MethodNotAllowed, "public", nil},
		{"socket over https", "https://www.partner.example/a.xap", "tcp://api.example.com:4505", "", nil, true, Granted, "sockets",
			[]string{"grants port 4505"}},
		{"socket needs https (secure)", "http://www.partner.example/a.xap", "tcp://api.example.com:4505", "", nil, false, NotSecure, "sockets",
			[]string{"sockets in test.xml admits http://www.partner.example only over HTTPS (secure)"}},
		{"socket port outside", "https://www.partner.example/a.xap", "tcp://api.example.com:4520", "", nil, false, NotGranted, "sockets",
			[]string{"does not grant port 4520"}},
		{"socket for a caller of no socket rule", "http://evil.example/x.swf", "tcp://api.example.com:4505", "", nil, false, NotGranted, "public",
			[]string{"(it grants no socket ports)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := MustRequest(tt.origin, tt.target)
			req.Method, req.Headers = tt.method, tt.headers
			d := p.Decide(req)
			assert.Equal(t, tt.allowed, d.Allowed, d.String())
			assert.Equal(t, tt.code, d.Code, d.String())
			if tt.rule != "" && assert.NotNil(t, d.Rule, d.String()) {
				assert.Equal(t, tt.rule, d.Rule.Name)
			}
			for _, f := range tt.reasonFragments {
				assert.Contains(t, d.Reason(), f)
			}
			assert.Equal(t, "test.xml", d.Source)
		})
	}
}

func TestDecideNoCaller(t *testing.T) {
	p := &Policy{Source: "f.xml", Rules: []Rule{
		{Callers: []Caller{{Host: host(t, "a.example", WildcardWithApex), Text: "a.example"}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}},
		{Callers: []Caller{{Host: host(t, "*.b.example", WildcardWithApex), Text: "*.b.example"}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}},
	}}
	d := p.Decide(MustRequest("http://c.example/x.swf", "http://site.example/"))
	assert.False(t, d.Allowed)
	assert.Equal(t, NoCaller, d.Code)
	assert.Nil(t, d.Rule)
	assert.Equal(t, `deny: no rule in f.xml admits http://c.example/x.swf (it admits "a.example", "*.b.example")`, d.String())

	d = (&Policy{}).Decide(MustRequest("http://c.example/x.swf", "http://site.example/"))
	assert.Equal(t, "deny: no rule admits http://c.example/x.swf (it admits no caller at all)", d.String())
}

func TestDecideFirstMatchDecides(t *testing.T) {
	p := &Policy{Rules: []Rule{
		{Name: "first", Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}, PathChars: true},
		{Name: "second", Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}},
	}}
	d := p.Decide(MustRequest("http://a.example/", "http://b.example/x%41"))
	assert.Equal(t, PathCharacters, d.Code, "the first matching rule decides, even to deny")
	assert.Equal(t, "first", d.Rule.Name)
}

func TestDecidePolicyLimits(t *testing.T) {
	p := &Policy{
		Source: "p", Runtime: "flash",
		Rules:           []Rule{{Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Headers: AllHeaders, Paths: []PathScope{{Path: "/", Subpaths: true}}, Ports: AllPorts}},
		SocketPorts:     Ports(PortRange{4502, 4534}),
		NeverSent:       Headers("referer", "x-flash-version"),
		NormalizeHeader: func(s string) string { return strings.ReplaceAll(s, "_", "-") },
	}
	d := p.Decide(MustRequest("http://a/", "tcp://b:80"))
	assert.Equal(t, RuntimeLimit, d.Code)
	assert.Equal(t, "deny: the flash runtime opens sockets only to ports 4502-4534, not 80", d.String())

	req := MustRequest("http://a/", "http://b/")
	req.Headers = []string{"X-Ok", "X_Flash_Version"}
	d = p.Decide(req)
	assert.Equal(t, RuntimeLimit, d.Code)
	assert.Equal(t, "deny: the flash runtime never sends request header X_Flash_Version, whatever the policy says", d.String())

	p2 := &Policy{Source: "crossdomain.xml", Rules: p.Rules, Disabled: `site-control is "none"`}
	d = p2.Decide(MustRequest("http://a/", "http://b/"))
	assert.Equal(t, Disabled, d.Code)
	assert.Equal(t, `deny: crossdomain.xml grants nothing: site-control is "none"`, d.String())
}

func TestScope(t *testing.T) {
	rule := Rule{Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}, Ports: AllPorts}
	p := &Policy{Source: "http://b.example/sub/dir/pf.xml", Scope: Scope{Scheme: "http", Host: "b.example", Port: 80, Dir: "/sub/dir/"}, Rules: []Rule{rule}}
	for target, allowed := range map[string]bool{
		"http://b.example/sub/dir/x":            true,
		"http://b.example/sub/dir/":             true,
		"http://b.example/sub/dir":              false,
		"http://b.example/sub/dir/../../secret": false,
		"http://b.example/sub/directory/x":      false,
		"https://b.example/sub/dir/x":           false,
		"http://b.example:8080/sub/dir/x":       false,
		"http://c.example/sub/dir/x":            false,
		"xmlsocket://b.example:1234":            false,
	} {
		d := p.Decide(MustRequest("http://a.example/", target))
		assert.Equal(t, allowed, d.Allowed, "%s: %s", target, d)
		if !allowed {
			assert.Equal(t, OutOfScope, d.Code)
		}
	}
	d := p.Decide(MustRequest("http://a.example/", "http://b.example/other"))
	assert.Equal(t, "deny: http://b.example/sub/dir/pf.xml governs http://b.example/sub/dir/, not http://b.example/other", d.String())

	sock := &Policy{Scope: Scope{Socket: true, Host: "b.example"}, Rules: []Rule{rule}}
	assert.True(t, sock.Decide(MustRequest("http://a.example/", "xmlsocket://b.example:9000")).Allowed)
	assert.False(t, sock.Decide(MustRequest("http://a.example/", "http://b.example/")).Allowed)
	assert.False(t, sock.Decide(MustRequest("http://a.example/", "xmlsocket://c.example:9000")).Allowed)
}

func TestIndexKeepsRuleOrder(t *testing.T) {
	// The index must hand rules back in document order, whichever of its
	// maps they come from, so the first match is the first in the file.
	p := &Policy{Rules: []Rule{
		{Name: "suffix", Callers: []Caller{{Host: host(t, "*.example.com", WildcardWithApex)}}, Methods: AllMethods, Paths: []PathScope{{Path: "/a", Subpaths: true}}},
		{Name: "exact", Callers: []Caller{{Host: host(t, "www.example.com", WildcardWithApex)}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}},
		{Name: "any", Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}},
	}}
	d := p.Decide(MustRequest("http://www.example.com/", "http://t/a/x"))
	assert.Equal(t, "suffix", d.Rule.Name)
	d = p.Decide(MustRequest("http://www.example.com/", "http://t/b"))
	assert.Equal(t, "exact", d.Rule.Name)
	d = p.Decide(MustRequest("http://other.org/", "http://t/b"))
	assert.Equal(t, "any", d.Rule.Name)
}

// TestDecideConcurrent runs Decide from many goroutines on a fresh policy,
// so the race detector sees the lazy index being built.
func TestDecideConcurrent(t *testing.T) {
	p := bigPolicy(t, 1000, false)
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func(g int) {
			req := MustRequest(fmt.Sprintf("http://host%d.example/", g*100), "http://t/data/x")
			done <- p.Decide(req).Allowed
		}(g)
	}
	for g := 0; g < 8; g++ {
		assert.True(t, <-done)
	}
}

// bigPolicy has n domain entries: one rule with n callers (Silverlight's
// shape) or n rules of one caller each (Flash's).
func bigPolicy(t testing.TB, n int, rulePerDomain bool) *Policy {
	p := &Policy{Source: "big.xml"}
	base := Rule{Methods: Methods("GET", "POST"), Headers: ParseHeaderList("SOAPAction"), Paths: []PathScope{{Path: "/data", Subpaths: true}}}
	if !rulePerDomain {
		p.Rules = []Rule{base}
	}
	for i := 0; i < n; i++ {
		var c Caller
		if i%2 == 0 {
			c = Caller{Host: host(t, fmt.Sprintf("host%d.example", i), WildcardWithApex)}
		} else {
			c = Caller{Host: host(t, fmt.Sprintf("*.zone%d.example", i), WildcardWithApex)}
		}
		if rulePerDomain {
			r := base
			r.Callers = []Caller{c}
			p.Rules = append(p.Rules, r)
		} else {
			p.Rules[0].Callers = append(p.Rules[0].Callers, c)
		}
	}
	return p
}

// floorSink keeps the floor benchmark's work from being optimised away.
var floorSink bool

// BenchmarkDecide measures Decide against a floor: the least work any
// evaluator must do for the same request, one map lookup of the caller's
// host and one prefix comparison of the path. Read the ratios of
// small/allow and small/deny to floor, and of the 10k rows to small, in
// one run; the goals are at most 8x and 1.5x.
func BenchmarkDecide(b *testing.B) {
	small := testPolicy(b)
	b.Run("floor", func(b *testing.B) {
		grants := map[string]string{"app.partner.example": "/api/", "partner.example": "/api/", "www.partner.example": "/"}
		req := MustRequest("https://app.partner.example/a.xap", "http://api.example.com/api/v1/x")
		b.ReportAllocs()
		for b.Loop() {
			dir, ok := grants[req.Origin.Host]
			floorSink = ok && strings.HasPrefix(req.Target.Path, dir)
		}
	})
	bench := func(name string, p *Policy, origin, target string, allowed bool) {
		req := MustRequest(origin, target)
		req.Headers = []string{"Content-Type"}
		if d := p.Decide(req); d.Allowed != allowed {
			b.Fatalf("%s: %s", name, d)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p.Decide(req)
			}
		})
	}
	bench("small/allow", small, "https://app.partner.example/a.xap", "http://api.example.com/api/v1/x", true)
	bench("small/deny", small, "http://evil.example/x.swf", "http://api.example.com/private", false)
	one := bigPolicy(b, 10000, false)
	bench("10k-domains-one-rule/allow-exact", one, "http://host9998.example/", "http://t/data/x", true)
	bench("10k-domains-one-rule/allow-wildcard", one, "http://a.b.zone9999.example/", "http://t/data/x", true)
	bench("10k-domains-one-rule/deny", one, "http://evil.example/", "http://t/data/x", false)
	many := bigPolicy(b, 10000, true)
	bench("10k-rules/allow-exact", many, "http://host9998.example/", "http://t/data/x", true)
	bench("10k-rules/deny", many, "http://evil.example/", "http://t/data/x", false)
}

// TestDecideAllocs pins that deciding allocates nothing, whether it
// allows or denies, for small and large policies: reasons are built only
// when asked for.
func TestDecideAllocs(t *testing.T) {
	small := testPolicy(t)
	one, many := bigPolicy(t, 10000, false), bigPolicy(t, 10000, true)
	flash := testPolicy(t)
	flash.SeparateHeaders = true
	flash.NeverSent = Headers("referer")
	flash.HeaderRules = []HeaderRule{{Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Headers: ParseHeaderList("X-A")}}
	tests := []struct {
		name           string
		p              *Policy
		origin, target string
		headers        []string
	}{
		{"small allow", small, "https://app.partner.example/a.xap", "http://api.example.com/api/v1/x", []string{"Content-Type"}},
		{"small deny, no caller", small, "http://evil.example/x.swf", "http://api.example.com/private", nil},
		{"small deny, not granted", small, "https://app.partner.example/a.xap", "http://api.example.com/private", nil},
		{"small deny, header", small, "https://app.partner.example/a.xap", "http://api.example.com/api/x", []string{"Authorization"}},
		{"small socket allow", small, "https://www.partner.example/a.xap", "tcp://api.example.com:4505", nil},
		{"path characters", small, "http://evil.example/x.swf", "http://api.example.com/public/a%20b", nil},
		{"separate header rules", flash, "http://evil.example/x.swf", "http://api.example.com/public/x", []string{"X-A"}},
		{"never sent", flash, "http://evil.example/x.swf", "http://api.example.com/public/x", []string{"Referer"}},
		{"10k domains allow", one, "http://a.b.zone9999.example/", "http://t/data/x", nil},
		{"10k domains deny", one, "http://evil.example/", "http://t/data/x", nil},
		{"10k rules allow", many, "http://host9998.example/", "http://t/data/x", nil},
		{"10k rules deny", many, "http://evil.example/", "http://t/data/x", nil},
	}
	for _, tt := range tests {
		req := MustRequest(tt.origin, tt.target)
		req.Headers = tt.headers
		d := tt.p.Decide(req)
		allocs := testing.AllocsPerRun(100, func() { d = tt.p.Decide(req) })
		assert.Zero(t, allocs, "%s: %s", tt.name, d)
	}
}

func BenchmarkDecideReason(b *testing.B) {
	p := testPolicy(b)
	req := MustRequest("https://app.partner.example/a.xap", "http://api.example.com/api/v1/x")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = p.Decide(req).Reason()
	}
}

func TestDecideTypes(t *testing.T) {
	p := &Policy{Source: "p.xml", Rules: []Rule{
		{Name: "loads", Callers: []Caller{{Host: AnyHost, Text: "*"}}, Methods: AllMethods, Headers: AllHeaders, Paths: []PathScope{{Path: "/", Subpaths: true}}, Types: []string{"load"}},
		{Name: "partner", Callers: []Caller{{Host: host(t, "partner.example", WildcardBelowOnly)}}, Methods: AllMethods, Headers: AllHeaders, Paths: []PathScope{{Path: "/", Subpaths: true}}, Types: []string{"soap", "xml"}},
	}}
	tests := []struct {
		origin, typ string
		allowed     bool
		code        Code
		rule        string
		reason      string
	}{
		{"http://a.example/", "load", true, Granted, "loads", ""},
		{"http://a.example/", "save", false, TypeNotAllowed, "loads", "deny: loads in p.xml admits http://a.example/ but not type save (it admits load)"},
		{"http://a.example/", "", false, TypeNotAllowed, "loads", "deny: loads in p.xml admits http://a.example/ but only requests of type load, and the request names no type"},
		{"http://partner.example/", "xml", true, Granted, "partner", ""},
		{"http://partner.example/", "save", false, TypeNotAllowed, "loads", ""},
	}
	for _, tt := range tests {
		req := MustRequest(tt.origin, "http://t.example/x")
		req.Type = tt.typ
		d := p.Decide(req)
		assert.Equal(t, tt.allowed, d.Allowed, d.String())
		assert.Equal(t, tt.code, d.Code, d.String())
		require.NotNil(t, d.Rule)
		assert.Equal(t, tt.rule, d.Rule.Name)
		if tt.reason != "" {
			assert.Equal(t, tt.reason, d.String())
		}
	}
	// Rules without Types admit every request, typed or not.
	untyped := &Policy{Rules: []Rule{{Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}}}}
	req := MustRequest("http://a.example/", "http://t.example/x")
	req.Type = "soap"
	assert.True(t, untyped.Decide(req).Allowed)
}

func TestDecideDelegate(t *testing.T) {
	rule := Rule{Name: "<allow> at 3:3", Callers: []Caller{{Host: AnyHost, Text: "*"}}, Methods: AllMethods, Headers: AllHeaders, Paths: []PathScope{{Path: "/", Subpaths: true}}, Delegate: true}
	root := &Policy{Source: "http://t.example/cdp.xml", Scope: Scope{Scheme: "http", Host: "t.example", Port: 80}, Rules: []Rule{rule}, DelegateFile: "cdp.xml"}
	sub := &Policy{Source: "http://t.example/users/cdp.xml", Scope: Scope{Scheme: "http", Host: "t.example", Port: 80, Dir: "/users/"}, Rules: []Rule{rule}, DelegateFile: "cdp.xml"}
	bare := &Policy{Rules: []Rule{rule}, DelegateFile: "cdp.xml"}
	tests := []struct {
		p       *Policy
		target  string
		allowed bool
		next    string
	}{
		{root, "http://t.example/feed.xml", true, ""},
		{root, "http://t.example/", true, ""},
		{root, "http://t.example/users/alice/feed.xml", false, "http://t.example/users/cdp.xml"},
		{root, "http://t.example/users/", false, "http://t.example/users/cdp.xml"},
		{root, "http://t.example/a%20b/x", false, "http://t.example/a%20b/cdp.xml"},
		{sub, "http://t.example/users/feed.xml", true, ""},
		{sub, "http://t.example/users/alice/feed.xml", false, "http://t.example/users/alice/cdp.xml"},
		{bare, "https://t.example:8443/svc/x", false, "https://t.example:8443/svc/cdp.xml"},
	}
	for _, tt := range tests {
		d := tt.p.Decide(MustRequest("http://a.example/", tt.target))
		assert.Equal(t, tt.allowed, d.Allowed, "%s: %s", tt.target, d)
		assert.Equal(t, tt.next, d.Next, tt.target)
		if tt.next != "" {
			assert.Equal(t, Delegated, d.Code)
		}
	}
	d := root.Decide(MustRequest("http://a.example/", "http://t.example/users/alice/feed.xml"))
	assert.Equal(t, `deny: <allow> at 3:3 in http://t.example/cdp.xml admits http://a.example/ by "*" but delegates the decision to http://t.example/users/cdp.xml, the next file toward http://t.example/users/alice/feed.xml; without that file's leave the request is denied`, d.String())
}

func TestDecideNamesIgnoredEntries(t *testing.T) {
	p := &Policy{Source: "p.xml", Ignored: []string{`<allow type="SOAP"> at 3:3, which matches nothing: type "SOAP" is not a type`, "b", "c"}}
	d := p.Decide(MustRequest("http://a.example/", "http://t.example/"))
	assert.Equal(t, `deny: no rule in p.xml admits http://a.example/ (it admits no caller at all; it ignores <allow type="SOAP"> at 3:3, which matches nothing: type "SOAP" is not a type, b, and 1 more)`, d.String())
}

// TestIndexDeepHosts: the host index finds a wildcard for a caller of any
// depth, 63 labels and more included (the index counts them to 63).
func TestIndexDeepHosts(t *testing.T) {
	p := bigPolicy(t, 20, false) // indexed, not scanned
	p.Rules[0].Callers = append(p.Rules[0].Callers, Caller{Host: host(t, "*.partner.example", WildcardWithApex)})
	for _, n := range []int{1, 61, 62, 63, 64, 100} {
		h := strings.Repeat("a.", n) + "partner.example"
		req := MustRequest("http://"+h+"/", "http://t/data/x")
		if len(req.Origin.Host) > 253 {
			continue // not a host name
		}
		assert.True(t, p.Decide(req).Allowed, "%d labels: %s", n, p.Decide(req))
	}
}
