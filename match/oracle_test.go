package match

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// This file holds the oracle of Decide: a slow evaluator written straight
// from the rules of the package doc, without the index, the scores or the
// shortcuts of the fast one, and a fuzz target that builds random policies
// and requests and checks that both give the same outcome from the same
// rule, plus properties every policy must have.

// slowDecide judges req against p the obvious way. It returns the code,
// and the rule or header rule that decided when one did (Granted,
// PathCharacters, Delegated); a denial that no rule made has code NoCaller
// and no rule, whatever the fast evaluator names as the closest rule.
func slowDecide(p *Policy, req Request) (Code, *Rule, *HeaderRule) {
	t := req.Target
	for i, name := range append([]string{req.Method}, req.Headers...) {
		if i == 0 && name == "" {
			continue // no method is GET
		}
		if name == "" {
			return Malformed, nil, nil
		}
		for _, c := range []byte(name) {
			if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) &&
				!('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return Malformed, nil, nil
			}
		}
	}
	if p.Disabled != "" {
		return Disabled, nil, nil
	}
	if !slowInScope(p.Scope, t) {
		return OutOfScope, nil, nil
	}
	if t.IsSocket() && !p.SocketPorts.Empty() && !p.SocketPorts.Contains(t.Port) {
		return RuntimeLimit, nil, nil
	}
	if !t.IsSocket() {
		for _, h := range req.Headers {
			if p.NormalizeHeader != nil {
				h = p.NormalizeHeader(h)
			}
			if p.NeverSent.Contains(h) {
				return RuntimeLimit, nil, nil
			}
		}
	}
	method := req.Method
	if method == "" {
		method = "GET"
	}
	var custom []string
	for _, h := range req.Headers {
		if !strings.EqualFold(h, "content-type") {
			custom = append(custom, h)
		}
	}
	if p.SeparateHeaders && !t.IsSocket() && len(custom) > 0 {
		for i := range p.HeaderRules {
			hr := &p.HeaderRules[i]
			if !slices.ContainsFunc(hr.Callers, func(c Caller) bool { return c.Match(req.Origin) }) {
				continue
			}
			if hr.Secure && t.Scheme == "https" && req.Origin.Scheme != "https" {
				continue
			}
			if !hr.Methods.Contains(method) {
				continue
			}
			if !slices.ContainsFunc(custom, func(h string) bool { return !hr.Headers.Contains(h) }) {
				return Granted, nil, hr
			}
		}
		return HeaderNotAllowed, nil, nil
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if !slices.ContainsFunc(r.Callers, func(c Caller) bool { return c.Match(req.Origin) }) {
			continue
		}
		if len(r.Types) > 0 && !slices.Contains(r.Types, req.Type) {
			continue
		}
		if r.Secure && (t.Scheme == "https" || t.IsSocket()) && req.Origin.Scheme != "https" {
			continue
		}
		if t.IsSocket() {
			if r.Ports.Contains(t.Port) {
				return Granted, r, nil
			}
			continue
		}
		if !r.Methods.Contains(method) {
			continue
		}
		if !p.SeparateHeaders && slices.ContainsFunc(custom, func(h string) bool { return !r.Headers.Contains(h) }) {
			continue
		}
		if !slices.ContainsFunc(r.Paths, func(s PathScope) bool { return slowGrants(s, t) }) {
			continue
		}
		if r.PathChars && (strings.Contains(t.RawPath, "%") || strings.Contains(t.RawPath, "./") || strings.Contains(t.RawPath, "..")) {
			return PathCharacters, r, nil
		}
		if r.Delegate && slowBelow(p.Scope.Dir, t.Path) {
			return Delegated, r, nil
		}
		return Granted, r, nil
	}
	return NoCaller, nil, nil
}

// slowInScope: a socket scope governs sockets on its host; an HTTP scope
// its scheme, host and port, under its directory, and an ambiguous path
// only when the directory is the root.
func slowInScope(s Scope, t Target) bool {
	switch {
	case s == Scope{}:
		return true
	case s.Socket:
		return t.IsSocket() && t.Host == s.Host
	case t.IsSocket(), t.Scheme != s.Scheme, t.Host != s.Host, t.Port != s.Port:
		return false
	case s.Dir == "" || s.Dir == "/":
		return true
	}
	return t.Ambiguity == "" && len(t.Path) >= len(s.Dir) && t.Path[:len(s.Dir)] == s.Dir
}

// slowGrants: the path itself, or with Subpaths one below it at a '/'; an
// ambiguous path only by "/" and everything below.
func slowGrants(s PathScope, t Target) bool {
	if t.Ambiguity != "" && !(s.Path == "/" && s.Subpaths) {
		return false
	}
	if t.Path == s.Path {
		return true
	}
	if !s.Subpaths {
		return false
	}
	base := strings.TrimSuffix(s.Path, "/") + "/"
	return strings.HasPrefix(t.Path, base)
}

// slowBelow reports whether path lies in a subdirectory of dir (not
// directly in it).
func slowBelow(dir, path string) bool {
	if dir == "" {
		dir = "/"
	}
	rest, ok := strings.CutPrefix(path, dir)
	return ok && strings.Contains(rest, "/")
}

// gen draws choices from fuzz bytes; past their end every choice is 0.
type gen struct{ b []byte }

// seeded returns a gen of 64 bytes drawn from a linear congruential
// sequence, advancing seed: the same seed gives the same policies.
func seeded(seed *uint64) *gen {
	b := make([]byte, 64)
	for i := range b {
		*seed = *seed*6364136223846793005 + 1442695040888963407
		b[i] = byte(*seed >> 56)
	}
	return &gen{b: b}
}

func (g *gen) pick(n int) int {
	if len(g.b) == 0 || n <= 1 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return int(c) % n
}

func (g *gen) flag() bool { return g.pick(2) == 1 }

var (
	genCallers = []string{"*", "a.example", "*.example", "b.a.example", "http://a.example", "https://*.example", "https://a.example:8443", "10.0.0.1", "file", "x.other"}
	genOrigins = []string{"http://a.example/x.swf", "https://a.example/x.swf", "https://a.example:8443/a.xap", "http://b.a.example/", "http://example/",
		"http://10.0.0.1/", "file:///x.swf", "http://evil.example.com/", "http://x.other/p", "https://c.b.a.example/"}
	genTargets = []string{"http://t.example/", "http://t.example/a", "http://t.example/a/b", "http://t.example/ab", "https://t.example/a/b/c",
		"http://t.example/a/%2e%2e/b", "http://t.example/a/..%5cb", "http://t.example/a%2fb", "http://t.example/a/%252e", "http://t.example/a/%20x",
		"http://t.example/a/./b", `http://t.example/a\b`, "http://t.example:8080/a", "http://u.example/a", "xmlsocket://t.example:4502",
		"tcp://t.example:843", "xmlsocket://t.example:9000", "tcp://u.example:4510", "http://t.example/a/b/", "http://t.example/b/c/d"}
	genPaths   = []string{"/", "/a", "/a/", "/a/b", "/b", "/a/b/c"}
	genMethods = []string{"", "GET", "post", "PUT", "DELETE", "", "GET", "POST", "get", "", "GET\r\n", "P,Q"}
	genHeaders = []string{"Content-Type", "X-A", "X-B-1", "x-b", "SOAPAction", "Referer", "X_Flash_Version", "Content-Type", "X-A", "X-B-1", "x-b", "SOAPAction", "X-A\r\nB: c", "X-A,X-B-1", ""}
	genGrants  = []string{"X-A", "X-B*", "*", "SOAPAction, X-A", "x-b-*", ""}
	genTypes   = []string{"", "xml", "load"}
)

func (g *gen) caller() Caller {
	s := genCallers[g.pick(len(genCallers))]
	c := Caller{Text: s}
	switch s {
	case "file":
		c.Scheme, c.Host = "file", AnyHost
		return c
	case "*":
		c.Host = AnyHost
		return c
	}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		c.Scheme = scheme
		c.Port = DefaultPort(scheme)
		if h, port, ok := strings.Cut(rest, ":"); ok {
			rest = h
			fmt.Sscan(port, &c.Port)
		}
		s = rest
	}
	w := WildcardWithApex
	if g.flag() {
		w = WildcardBelowOnly
	}
	c.Host, _ = ParseHostPattern(s, w)
	return c
}

func (g *gen) methods() MethodSet {
	switch g.pick(4) {
	case 0:
		return Methods("GET", "POST")
	case 1:
		return AllMethods
	case 2:
		return Methods("GET")
	}
	return Methods("GET", "POST", "PUT")
}

func (g *gen) rule(i int, pathChars, delegates bool) Rule {
	r := Rule{Name: fmt.Sprintf("rule %d", i), Methods: g.methods(), Headers: ParseHeaderList(genGrants[g.pick(len(genGrants))]), PathChars: pathChars}
	for range g.pick(4) {
		r.Callers = append(r.Callers, g.caller())
	}
	for range g.pick(3) {
		r.Paths = append(r.Paths, PathScope{Path: genPaths[g.pick(len(genPaths))], Subpaths: g.flag()})
	}
	switch g.pick(4) {
	case 1:
		r.Ports = Ports(PortRange{4502, 4534})
	case 2:
		r.Ports = AllPorts
	case 3:
		r.Ports = Ports(PortRange{843, 843}, PortRange{9000, 9001})
	}
	r.Secure = g.pick(4) == 0
	if t := genTypes[g.pick(len(genTypes))]; t != "" {
		r.Types = []string{t}
	}
	r.Delegate = delegates && g.flag()
	return r
}

func (g *gen) headerRule(i int) HeaderRule {
	text := genGrants[g.pick(len(genGrants))]
	hr := HeaderRule{Name: fmt.Sprintf("header rule %d", i), Methods: g.methods(), Headers: ParseHeaderList(text), HeadersText: text, Secure: g.pick(3) == 0}
	for range 1 + g.pick(2) {
		hr.Callers = append(hr.Callers, g.caller())
	}
	return hr
}

// policy builds a random policy in one of the shapes the formats compile
// to; pathChars and delegates are policy-wide, as in the formats.
func (g *gen) policy() *Policy {
	p := &Policy{Source: "fuzz.xml", Runtime: "fuzz", DelegateFile: "cdp.xml"}
	switch g.pick(5) {
	case 1:
		p.Scope = Scope{Scheme: "http", Host: "t.example", Port: 80}
	case 2:
		p.Scope = Scope{Scheme: "http", Host: "t.example", Port: 80, Dir: "/a/"}
	case 3:
		p.Scope = Scope{Socket: true, Host: "t.example"}
	}
	pathChars, delegates := g.flag(), g.pick(3) == 0
	for i := range g.pick(7) {
		p.Rules = append(p.Rules, g.rule(i, pathChars, delegates))
	}
	if g.flag() { // Flash's shape
		p.SeparateHeaders = true
		p.NeverSent = Headers("referer", "x-flash-version")
		p.NormalizeHeader = func(s string) string { return strings.ReplaceAll(s, "_", "-") }
		for i := range g.pick(4) {
			p.HeaderRules = append(p.HeaderRules, g.headerRule(i))
		}
	}
	if g.pick(4) == 0 {
		p.SocketPorts = Ports(PortRange{4502, 4534})
	}
	return p
}

func (g *gen) request() Request {
	req := MustRequest(genOrigins[g.pick(len(genOrigins))], genTargets[g.pick(len(genTargets))])
	req.Method = genMethods[g.pick(len(genMethods))]
	for range g.pick(3) {
		req.Headers = append(req.Headers, genHeaders[g.pick(len(genHeaders))])
	}
	req.Type = genTypes[g.pick(len(genTypes))]
	return req
}

// checkOracle compares Decide with slowDecide on one request.
func checkOracle(t *testing.T, p *Policy, req Request) Decision {
	t.Helper()
	d := p.Decide(req)
	code, rule, hrule := slowDecide(p, req)
	byRule := func(c Code) bool { return c == Granted || c == PathCharacters || c == Delegated }
	if d.Allowed != (code == Granted) {
		t.Fatalf("Decide = %s\nslow evaluator: %s (rule %v, header rule %v)", d, code, rule, hrule)
	}
	switch {
	case byRule(code) || code == Malformed || code == Disabled || code == OutOfScope || code == RuntimeLimit:
		if d.Code != code {
			t.Fatalf("Decide = %s (%s)\nslow evaluator: %s", d, d.Code, code)
		}
		if byRule(code) && (d.Rule != rule || d.HeaderRule != hrule) {
			t.Fatalf("Decide = %s: rule %p %p, slow evaluator's %p %p", d, d.Rule, d.HeaderRule, rule, hrule)
		}
	case byRule(d.Code):
		t.Fatalf("Decide = %s (%s), but no rule decides for the slow evaluator (%s)", d, d.Code, code)
	}
	return d
}

// checkProperties checks what must hold of every policy and request:
// a malformed request, a header the runtime never sends, an ambiguous path
// under narrower grants and a path-character violation are always denied;
// without delegation, adding a rule never removes access and removing one
// never adds any.
func checkProperties(t *testing.T, g *gen, p *Policy, req Request, d Decision) {
	t.Helper()
	if req.Validate() != nil && d.Allowed {
		t.Fatalf("a malformed request is allowed: %s", d)
	}
	for _, h := range req.Headers {
		if !req.Target.IsSocket() && p.NeverSent.Contains(strings.ReplaceAll(h, "_", "-")) && d.Allowed {
			t.Fatalf("a header the runtime never sends is allowed: %s", d)
		}
	}
	if d.Allowed && req.Target.Ambiguity != "" && d.Rule != nil {
		if g := d.Rule; !slices.ContainsFunc(g.Paths, PathScope.WholeSite) || p.Scope.Dir != "" && p.Scope.Dir != "/" {
			t.Fatalf("an ambiguous path is granted by a narrower scope: %s", d)
		}
	}
	if d.Allowed && d.Rule != nil && d.Rule.PathChars && UnsafePathChars(req.Target.RawPath) {
		t.Fatalf("a path the path-character rule refuses is allowed: %s", d)
	}
	if slices.ContainsFunc(p.Rules, func(r Rule) bool { return r.Delegate }) {
		return
	}
	pathChars := len(p.Rules) > 0 && p.Rules[0].PathChars
	at := g.pick(len(p.Rules) + 1)
	hrules := p.HeaderRules
	if g.flag() {
		hrules = slices.Insert(slices.Clone(p.HeaderRules), g.pick(len(p.HeaderRules)+1), g.headerRule(99))
	}
	more := withRules(p, slices.Insert(slices.Clone(p.Rules), at, g.rule(99, pathChars, false)), hrules)
	if d.Allowed && !more.Decide(req).Allowed {
		t.Fatalf("adding rule at %d removed access: %s\nnow: %s", at, d, more.Decide(req))
	}
	if len(p.Rules) > 0 {
		at := g.pick(len(p.Rules))
		less := withRules(p, slices.Delete(slices.Clone(p.Rules), at, at+1), p.HeaderRules)
		if !d.Allowed && less.Decide(req).Allowed {
			t.Fatalf("removing rule %d added access: %s\nnow: %s", at, d, less.Decide(req))
		}
	}
}

// withRules is p with other rules and header rules, unused.
func withRules(p *Policy, rules []Rule, hrules []HeaderRule) *Policy {
	return &Policy{Source: p.Source, Runtime: p.Runtime, Scope: p.Scope, Rules: rules, SocketPorts: p.SocketPorts,
		NeverSent: p.NeverSent, NormalizeHeader: p.NormalizeHeader, Disabled: p.Disabled, SeparateHeaders: p.SeparateHeaders,
		HeaderRules: hrules, Ignored: p.Ignored, DelegateFile: p.DelegateFile}
}

func FuzzDecide(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"))
	f.Add([]byte("policy with several rules and header rules, asked twice"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g := &gen{b: b}
		p := g.policy()
		for range 1 + g.pick(4) {
			req := g.request()
			d := checkOracle(t, p, req)
			checkProperties(t, g, p, req, d)
		}
	})
}

// TestOracle runs the oracle over many generated policies, so the plain
// test run covers it without the fuzzer.
func TestOracle(t *testing.T) {
	seed := uint64(1)
	for range 20000 {
		g := seeded(&seed)
		p := g.policy()
		for range 3 {
			req := g.request()
			d := checkOracle(t, p, req)
			checkProperties(t, g, p, req, d)
		}
	}
}
