package match

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Pos is a 1-based line and column in a policy file; columns count
// characters. The zero Pos means "no position".
type Pos struct {
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

// IsValid reports whether the position is known.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Request is one question: may this caller reach this target, with this
// method and these request headers?
type Request struct {
	Origin Origin
	Target Target
	// Method is the HTTP method; "" means GET. Ignored for sockets.
	Method string
	// Headers are the names of the request headers the caller sets.
	Headers []string
	// Type is the Mozilla draft's service type ("xml", "soap", "load",
	// "save"); other runtimes ignore it.
	Type string
}

// NewRequest parses the caller's URL and the target and returns a GET
// request without headers.
func NewRequest(origin, target string) (Request, error) {
	o, err := ParseOrigin(origin)
	if err != nil {
		return Request{}, err
	}
	t, err := ParseTarget(target)
	if err != nil {
		return Request{}, err
	}
	return Request{Origin: o, Target: t}, nil
}

// SameOrigin reports whether the target is an HTTP(S) resource on the
// caller's own scheme, host and port, which every runtime allows without
// consulting a policy. Sockets always need a policy.
func (r *Request) SameOrigin() bool {
	o, t := &r.Origin, &r.Target
	return !t.IsSocket() && o.Scheme == t.Scheme && o.Host == t.Host && o.Port == t.Port
}

func (r *Request) method() string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

// Scope is what a policy file governs. The zero Scope governs whatever
// target it is asked about: the file is read as the policy of the target's
// own site.
type Scope struct {
	// Socket marks a socket policy, which governs sockets on Host and
	// never HTTP. Otherwise the policy governs HTTP(S) on Scheme, Host and
	// Port, and only paths under Dir.
	Socket bool
	Scheme string
	Host   string
	Port   int
	// Dir is the directory governed, ending in "/"; "" means "/" (a master
	// policy at the root).
	Dir string
}

// IsZero reports whether the scope is unset.
func (s Scope) IsZero() bool { return s == Scope{} }

// Contains reports whether the target is governed by the scope. A
// directory narrower than the site never contains a target whose path is
// ambiguous (Target.Ambiguity): the server may serve another one.
func (s Scope) Contains(t Target) bool {
	if s.IsZero() {
		return true
	}
	if s.Socket {
		return t.IsSocket() && t.Host == s.Host
	}
	if t.IsSocket() || t.Scheme != s.Scheme || t.Host != s.Host || t.Port != s.Port {
		return false
	}
	if s.Dir == "" || s.Dir == "/" {
		return true
	}
	return t.Ambiguity == "" && strings.HasPrefix(t.Path, s.Dir)
}

func (s Scope) String() string {
	if s.IsZero() {
		return "the target's site"
	}
	if s.Socket {
		return "sockets on " + s.Host
	}
	dir := s.Dir
	if dir == "" {
		dir = "/"
	}
	return s.Scheme + "://" + hostPort(s.Host, s.Port, s.Scheme) + dir
}

// Rule is one grant of a policy file: which callers, with which methods
// and headers, may reach which paths or socket ports. A request matches a
// rule when every part of it matches; the zero value of each part admits
// nothing.
type Rule struct {
	// Name says how reasons refer to the rule, for example
	// "<policy> at 4:5".
	Name string
	// Pos is where the rule starts in its file.
	Pos Pos
	// Callers admit the caller when any of them matches.
	Callers []Caller
	// Methods admits HTTP methods.
	Methods MethodSet
	// Headers admits request header names. Content-Type is never a custom
	// header: every runtime with header rules lets it through.
	Headers HeaderSet
	// Paths grant HTTP(S) targets; empty grants none.
	Paths []PathScope
	// Ports grant socket targets; empty grants none.
	Ports PortSet
	// PortsText describes the port grant as written, for reasons.
	PortsText string
	// Secure requires an HTTPS caller when the target is HTTPS or a
	// socket (Flash's and Silverlight's secure="true").
	Secure bool
	// PathChars applies Silverlight's path-character rule: when the
	// rule grants, the request is still denied if the target's raw path
	// contains '%', "./" or "..".
	PathChars bool
	// Types, when not empty, are the only request types (Request.Type,
	// the Mozilla draft's service types) the rule admits; a request that
	// names no type is then not admitted. Empty admits every request,
	// typed or not.
	Types []string
	// Delegate makes the rule, when it decides a target in a subdirectory
	// of the policy's directory, hand the decision on instead of granting:
	// the Decision is Delegated and names the next file, the one called
	// Policy.DelegateFile in the next directory toward the target (the
	// Mozilla draft's delegate="true"). A target directly in the policy's
	// own directory is granted as usual.
	Delegate bool
}

// HeaderRule grants request headers to callers, apart from any access
// rule (Flash's allow-http-request-headers-from). See
// Policy.SeparateHeaders.
type HeaderRule struct {
	// Name says how reasons refer to the rule.
	Name string
	Pos  Pos
	// Callers admit the caller when any of them matches.
	Callers []Caller
	// Methods admits HTTP methods.
	Methods MethodSet
	// Headers are the header names granted.
	Headers HeaderSet
	// HeadersText is the header list as written, for reasons.
	HeadersText string
	// Secure requires an HTTPS caller when the target is HTTPS.
	Secure bool
}

// Policy is a compiled policy file: rules plus what the runtime adds
// around them. Build it, then call Decide as often as needed; Decide is
// safe for concurrent use. A Policy must not be modified after its first
// Decide.
type Policy struct {
	// Source names the file (its URL or path) in reasons.
	Source string
	// Runtime names the profile that read it ("flash", "silverlight",
	// "mozilla"), for reasons.
	Runtime string
	// Scope is what the file governs.
	Scope Scope
	// Rules are consulted in order; the first rule that matches the
	// request decides.
	Rules []Rule
	// SocketPorts, if not empty, are the only ports the runtime ever opens
	// a socket to (Silverlight: 4502-4534).
	SocketPorts PortSet
	// NeverSent are headers the runtime never sends, whatever the policy
	// says (Flash Player's list: crossdomain.NeverSent).
	NeverSent HeaderSet
	// NormalizeHeader, if set, maps a request header name before it is
	// compared with NeverSent (Flash reads '_' as '-').
	NormalizeHeader func(string) string
	// Disabled, if set, says why the file grants nothing although it was
	// read (a meta-policy that switches it off). Every decision but a
	// same-origin one is then a denial with this reason.
	Disabled string
	// SeparateHeaders says that request headers are granted apart from
	// access, by HeaderRules (Flash's allow-http-request-headers-from):
	// Rule.Headers is then unused, and an HTTP request that sends custom
	// headers is judged by the header rules alone: it needs one that
	// admits the caller, the method and every header.
	SeparateHeaders bool
	// HeaderRules are the separate header grants, in file order.
	HeaderRules []HeaderRule
	// Ignored describes entries of the file that grant nothing because
	// they can never match (an unknown type, a pattern that never
	// matches), such as `<allow type="SOAP"> at 3:3: type "SOAP" is not a
	// type`; a denial that no rule admits the caller mentions them.
	Ignored []string
	// DelegateFile is the name of the policy file a delegating rule sends
	// the client to (see Rule.Delegate), such as
	// "cross-domain-policy.xml".
	DelegateFile string

	once sync.Once
	idx  *index
}

// index narrows the callers to compare by the caller's host: callers that
// are "*", callers naming the host exactly, and callers with a wildcard on
// one of the host's parent domains. Without it a policy of 10,000 domain
// entries would compare every one of them on each request.
type index struct {
	any    []ref
	exact  map[string][]ref
	suffix map[string][]ref
	// summary lists the first few caller patterns, for a denial that no
	// rule admits the caller.
	summary string
}

// ref names one caller of one rule.
type ref struct{ rule, caller int32 }

func (a ref) compare(b ref) int {
	if a.rule != b.rule {
		return int(a.rule - b.rule)
	}
	return int(a.caller - b.caller)
}

func (p *Policy) index() *index {
	p.once.Do(func() {
		ix := &index{exact: map[string][]ref{}, suffix: map[string][]ref{}}
		for i := range p.Rules {
			for j, c := range p.Rules[i].Callers {
				r := ref{int32(i), int32(j)}
				switch c.Host.kind {
				case hostAny:
					ix.any = append(ix.any, r)
				case hostExact, hostIP:
					ix.exact[c.Host.host] = append(ix.exact[c.Host.host], r)
				case hostSuffix:
					ix.suffix[c.Host.host] = append(ix.suffix[c.Host.host], r)
				}
			}
		}
		ix.summary = p.callerSummary()
		p.idx = ix
	})
	return p.idx
}

// candidates returns, in rule and caller order, the callers that may admit
// host.
func (ix *index) candidates(host string, buf []ref) []ref {
	out := append(buf[:0], ix.any...)
	if host != "" {
		out = append(out, ix.exact[host]...)
		for h := host; ; {
			out = append(out, ix.suffix[h]...)
			i := strings.IndexByte(h, '.')
			if i < 0 {
				break
			}
			h = h[i+1:]
		}
		slices.SortFunc(out, ref.compare)
	}
	return out
}

// Code says why a decision came out as it did.
type Code int

// Decision codes. Allowed decisions have SameOrigin or Granted.
const (
	// SameOrigin: the target is on the caller's own scheme, host and
	// port; no policy is needed (never for sockets). Lookups decide this
	// before consulting any file; Decide never does.
	SameOrigin Code = iota + 1
	// Granted: Rule admitted the request.
	Granted
	// Delegated: Rule admitted the caller but hands the decision to the
	// policy file at Next, one directory nearer the target (the Mozilla
	// draft's delegation). It is not an allowance: without that file the
	// request is denied.
	Delegated
	// Rejected: the runtime rejected the policy file whole, so it grants
	// nothing. Set by the format packages; Detail says why.
	Rejected
	// NoPolicy: there was no policy file to consult. Detail says why.
	NoPolicy
	// Disabled: the file was read but a meta-policy switched it off.
	// Detail says why.
	Disabled
	// OutOfScope: the file does not govern this target.
	OutOfScope
	// RuntimeLimit: the runtime never makes such a request (a socket port
	// it refuses, a header it never sends). Detail names it.
	RuntimeLimit
	// NoCaller: no rule admits the caller. Rule and Caller, if set, are a
	// rule and its caller pattern whose host matched but whose scheme,
	// port or path did not.
	NoCaller
	// TypeNotAllowed: Rule admits the caller but not the request's type
	// (Request.Type); Detail lists the types it admits.
	TypeNotAllowed
	// NotSecure: Rule admits the caller only over HTTPS.
	NotSecure
	// MethodNotAllowed: Rule admits the caller but not the method.
	MethodNotAllowed
	// HeaderNotAllowed: Rule admits the caller but not header Detail.
	HeaderNotAllowed
	// NotGranted: Rule admits the caller but grants other paths or ports.
	NotGranted
	// PathCharacters: Rule grants the target, but its raw path breaks the
	// path-character rule.
	PathCharacters
	// Malformed: the request cannot be judged, because a method or request
	// header name is not an HTTP token (Request.Validate); Detail says
	// which. No rule is consulted. A proxy can tell such a request from
	// one the policy denies.
	Malformed
)

var codeNames = [...]string{
	SameOrigin:       "same-origin",
	Granted:          "granted",
	Delegated:        "delegated",
	Rejected:         "rejected",
	NoPolicy:         "no-policy",
	Disabled:         "disabled",
	OutOfScope:       "out-of-scope",
	RuntimeLimit:     "runtime-limit",
	NoCaller:         "no-caller",
	TypeNotAllowed:   "type-not-allowed",
	NotSecure:        "not-secure",
	MethodNotAllowed: "method-not-allowed",
	HeaderNotAllowed: "header-not-allowed",
	NotGranted:       "not-granted",
	PathCharacters:   "path-characters",
	Malformed:        "malformed-request",
}

// String returns a short stable name for the code, such as "not-granted".
func (c Code) String() string {
	if c > 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Decision is the answer to a Request, with what it rests on.
type Decision struct {
	Allowed bool
	Code    Code
	// Source and Runtime are the policy's.
	Source  string
	Runtime string
	// Rule is the rule that granted, or for a denial the rule that came
	// closest to granting; nil when no rule is involved.
	Rule *Rule
	// Caller is the caller pattern of Rule that admitted the caller.
	Caller *Caller
	// Grant describes the path or port grant of Rule that matched.
	Grant string
	// Detail is the header, method, limit or message the Code refers to.
	Detail string
	// HeaderRule, with separate header rules (Policy.SeparateHeaders), is
	// the header rule that decided a request with custom headers, or that
	// came closest; Rule is then nil.
	HeaderRule *HeaderRule
	// Next, for a Delegated decision, is the URL of the policy file that
	// decides instead.
	Next string
	// Request is the question asked.
	Request Request
}

// Pos returns the position of the deciding rule, or the zero Pos.
func (d Decision) Pos() Pos {
	switch {
	case d.Rule != nil:
		return d.Rule.Pos
	case d.HeaderRule != nil:
		return d.HeaderRule.Pos
	}
	return Pos{}
}

// Reason explains the decision in one line.
func (d Decision) Reason() string {
	req := &d.Request
	in := ""
	if d.Source != "" {
		in = " in " + d.Source
	}
	rule := ""
	switch {
	case d.Rule != nil:
		rule = d.Rule.Name
		if rule == "" {
			rule = "rule at " + d.Rule.Pos.String()
		}
	case d.HeaderRule != nil:
		rule = d.HeaderRule.Name
		if rule == "" {
			rule = "header rule at " + d.HeaderRule.Pos.String()
		}
	}
	who := req.Origin.String()
	switch d.Code {
	case SameOrigin:
		return fmt.Sprintf("%s is on the caller's own site %s; no policy is needed", req.Target, req.Origin.Root())
	case Granted:
		s := fmt.Sprintf("%s%s admits %s", rule, in, who)
		if d.Caller != nil {
			s += " by " + d.Caller.describe()
			if d.Caller.Pos.IsValid() {
				s += " (" + d.Caller.Pos.String() + ")"
			}
		}
		if d.Grant != "" {
			s += " and grants " + d.Grant
		}
		return s
	case Delegated:
		s := fmt.Sprintf("%s%s admits %s", rule, in, who)
		if d.Caller != nil {
			s += " by " + d.Caller.describe()
		}
		return s + fmt.Sprintf(" but delegates the decision to %s, the next file toward %s; without that file's leave the request is denied", d.Next, req.Target)
	case TypeNotAllowed:
		if req.Type == "" {
			return fmt.Sprintf("%s%s admits %s but only requests of type %s, and the request names no type", rule, in, who, d.Detail)
		}
		return fmt.Sprintf("%s%s admits %s but not type %s (it admits %s)", rule, in, who, req.Type, d.Detail)
	case Rejected:
		return fmt.Sprintf("the %s runtime rejects %s: %s", d.Runtime, sourceOr(d.Source, "the policy file"), d.Detail)
	case NoPolicy:
		return d.Detail
	case Disabled:
		return fmt.Sprintf("%s grants nothing: %s", sourceOr(d.Source, "the policy file"), d.Detail)
	case OutOfScope:
		s := fmt.Sprintf("%s governs %s, not %s", sourceOr(d.Source, "the policy"), d.Detail, req.Target)
		if req.Target.Ambiguity != "" {
			s += ambiguous(req.Target)
		}
		return s
	case Malformed:
		return "the request is malformed and is refused before any rule is consulted: " + d.Detail
	case RuntimeLimit:
		return d.Detail
	case NoCaller:
		s := fmt.Sprintf("no rule%s admits %s", in, who)
		if d.Rule != nil && d.Caller != nil {
			s += fmt.Sprintf(" (%s admits its host by %s", rule, d.Caller.describe())
			if d.Caller.Pos.IsValid() {
				s += " at " + d.Caller.Pos.String()
			}
			s += ", but " + d.Caller.mismatch(req.Origin) + ")"
		} else if d.Detail != "" {
			s += " (it admits " + d.Detail + ")"
		}
		return s
	case NotSecure:
		return fmt.Sprintf("%s%s admits %s only over HTTPS (secure)", rule, in, req.Origin.Root())
	case MethodNotAllowed:
		return fmt.Sprintf("%s%s admits %s but not method %s", rule, in, who, req.method())
	case HeaderNotAllowed:
		switch {
		case d.HeaderRule != nil:
			return fmt.Sprintf("%s%s admits %s but not request header %s (it grants %s)", rule, in, who, d.Detail, Quote(d.HeaderRule.HeadersText))
		case d.Rule == nil:
			return fmt.Sprintf("no header rule%s admits %s with request header %s", in, who, d.Detail)
		}
		return fmt.Sprintf("%s%s admits %s but not request header %s", rule, in, who, d.Detail)
	case NotGranted:
		what := req.Target.Path
		if req.Target.IsSocket() {
			what = fmt.Sprintf("port %d", req.Target.Port)
		} else if req.Target.Ambiguity != "" {
			what += ambiguous(req.Target)
		} else if req.Target.RawPath != "" && req.Target.RawPath != req.Target.Path {
			what = fmt.Sprintf("%s (%s read unescaped and without dot-segments)", what, Quote(req.Target.RawPath))
		}
		return fmt.Sprintf("%s%s admits %s but does not grant %s%s", rule, in, who, what, d.Detail)
	case PathCharacters:
		raw := req.Target.RawPath
		if raw == "" {
			raw = req.Target.Path
		}
		return fmt.Sprintf("%s%s grants %s by %s, but the raw path contains %s, which the path-character rule forbids", rule, in, raw, d.Grant, d.Detail)
	}
	return "no decision"
}

// AmbiguousLocation says why a policy file found at loc, whose path is
// ambiguous (Target.Ambiguity), grants nothing: where the file lies, and
// so what it governs, depends on how the server decoded its URL. The
// format packages' Compile sets it as Policy.Disabled.
func AmbiguousLocation(loc Target) string {
	return fmt.Sprintf("its location's path %s holds %s, which servers decode differently, so the directory it governs is not known", Quote(loc.RawPath), loc.Ambiguity)
}

// ambiguous explains why an ambiguous target path is outside a scope.
func ambiguous(t Target) string {
	return fmt.Sprintf(" (the path %s holds %s, which servers decode differently, so it lies outside every scope narrower than the whole site)", Quote(t.RawPath), t.Ambiguity)
}

func sourceOr(src, alt string) string {
	if src == "" {
		return alt
	}
	return src
}

// String returns "allow: REASON" or "deny: REASON".
func (d Decision) String() string {
	if d.Allowed {
		return "allow: " + d.Reason()
	}
	return "deny: " + d.Reason()
}

// Deny returns a denial that no rule made, such as a rejected or missing
// file; code is Rejected or NoPolicy, detail says why.
func Deny(req Request, code Code, runtime, source, detail string) Decision {
	return Decision{Code: code, Runtime: runtime, Source: source, Detail: detail, Request: req}
}

// Decide judges the request against the policy alone: a malformed request
// (see Request.Validate) is refused with the code Malformed before any
// rule is consulted; the target must be within the policy's Scope and
// within the runtime's limits, and the first
// rule that admits the caller, the method, every header and the target
// decides. When no rule does, the denial names the rule that came closest
// and what it lacked.
//
// Decide does not apply the same-origin shortcut of the runtimes' lookups
// (a caller may reach its own site without any policy); see
// Request.SameOrigin.
func (p *Policy) Decide(req Request) Decision {
	d := Decision{Source: p.Source, Runtime: p.Runtime, Request: req}
	o, t := &req.Origin, &req.Target
	if bad, refused := Refuse(req, p.Runtime); refused {
		bad.Source = p.Source
		return bad
	}
	if p.Disabled != "" {
		d.Code, d.Detail = Disabled, p.Disabled
		return d
	}
	if !p.Scope.Contains(*t) {
		d.Code, d.Detail = OutOfScope, p.Scope.String()
		return d
	}
	if t.IsSocket() && !p.SocketPorts.Empty() && !p.SocketPorts.Contains(t.Port) {
		d.Code = RuntimeLimit
		d.Detail = fmt.Sprintf("the %s runtime opens sockets only to ports %s, not %d", p.Runtime, p.SocketPorts, t.Port)
		return d
	}
	if !t.IsSocket() && !p.NeverSent.Empty() {
		for _, h := range req.Headers {
			n := h
			if p.NormalizeHeader != nil {
				n = p.NormalizeHeader(h)
			}
			if p.NeverSent.Contains(n) {
				d.Code = RuntimeLimit
				d.Detail = fmt.Sprintf("the %s runtime never sends request header %s, whatever the policy says", p.Runtime, h)
				return d
			}
		}
	}

	if p.SeparateHeaders && !t.IsSocket() {
		if custom := customHeaders(req.Headers); len(custom) > 0 {
			d := p.decideHeaders(&req, custom)
			d.Source, d.Runtime, d.Request = p.Source, p.Runtime, req
			return d
		}
	}

	var buf [16]ref
	ix := p.index()
	cands := ix.candidates(o.Host, buf[:0])
	best, bestScore := Decision{Code: NoCaller}, -1
	for len(cands) > 0 {
		// The run of candidates that belong to one rule.
		n := 1
		for n < len(cands) && cands[n].rule == cands[0].rule {
			n++
		}
		r := &p.Rules[cands[0].rule]
		out, score := r.judge(&req, cands[:n])
		cands = cands[n:]
		if out.Code == Granted || out.Code == PathCharacters {
			if out.Code == Granted && r.Delegate {
				if next, ok := p.next(t); ok {
					out.Code, out.Next, out.Grant = Delegated, next, ""
				}
			}
			out.Allowed = out.Code == Granted
			out.Source, out.Runtime, out.Request = p.Source, p.Runtime, req
			return out
		}
		if out.Rule != nil && score > bestScore {
			best, bestScore = out, score
		}
	}
	if best.Code == NoCaller && best.Rule == nil {
		best.Detail = ix.summary
	}
	best.Source, best.Runtime, best.Request = p.Source, p.Runtime, req
	return best
}

// next returns the URL of the policy file one directory nearer the target
// than the policy's own, when the target lies in a subdirectory of it.
func (p *Policy) next(t *Target) (string, bool) {
	dir := p.Scope.Dir
	if dir == "" {
		dir = "/"
	}
	rest, ok := strings.CutPrefix(t.Path, dir)
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return "", false
	}
	root := t.Root()
	if !p.Scope.IsZero() && !p.Scope.Socket {
		root = p.Scope.Scheme + "://" + hostPort(p.Scope.Host, p.Scope.Port, p.Scope.Scheme)
	}
	return root + escapePath(dir+rest[:i+1]+p.DelegateFile), true
}

// callerSummary lists the first few caller patterns of the policy, for a
// denial that no rule admits the caller.
func (p *Policy) callerSummary() string {
	const most = 4
	var parts []string
	n := 0
	for i := range p.Rules {
		for j := range p.Rules[i].Callers {
			if n < most {
				parts = append(parts, p.Rules[i].Callers[j].describe())
			}
			n++
		}
	}
	switch {
	case n == 0:
		parts = []string{"no caller at all"}
	case n > most:
		parts = append(parts, fmt.Sprintf("%d more", n-most))
	}
	s := strings.Join(parts, ", ")
	for i, ig := range p.Ignored {
		if i == 2 {
			s += fmt.Sprintf(", and %d more", len(p.Ignored)-i)
			break
		}
		sep := ", "
		if i == 0 {
			sep = "; it ignores "
		}
		s += sep + ig
	}
	return s
}

// judge matches one rule against the request. It returns Granted or
// PathCharacters when the rule decides. Otherwise the code is the first
// part of the rule that fails, in the order caller, secure, method,
// headers, target; and the score ranks how close the rule came, so a denial
// can name the most telling rule: a rule that grants this very target
// beats one that grants something else of its kind (paths, or ports),
// which beats one that grants nothing of the kind; then the later the
// failing part, the closer.
//
// Only the callers in refs (callers of r whose host pattern may admit the
// request's host, in order) are compared.
func (r *Rule) judge(req *Request, refs []ref) (Decision, int) {
	var caller, near *Caller
	for _, ref := range refs {
		c := &r.Callers[ref.caller]
		if c.Match(req.Origin) {
			caller = c
			break
		}
		if near == nil && c.Host.Match(req.Origin.Host) {
			near = c
		}
	}
	if caller == nil && near == nil {
		return Decision{Code: NoCaller}, -1
	}
	d := Decision{Rule: r, Caller: caller}
	if caller == nil {
		d.Caller = near
	}
	t := &req.Target

	// What the rule grants of the target, whatever else fails.
	var grant *PathScope
	grants, sameKind := false, false
	if t.IsSocket() {
		sameKind = !r.Ports.Empty()
		grants = r.Ports.Contains(t.Port)
	} else {
		sameKind = len(r.Paths) > 0
		for i := range r.Paths {
			if r.Paths[i].Covers(t) {
				grant, grants = &r.Paths[i], true
				break
			}
		}
	}
	score := 0
	if grants {
		score += 100
	}
	if sameKind {
		score += 50
	}

	switch {
	case caller == nil:
		d.Code = NoCaller
	case len(r.Types) > 0 && !slices.Contains(r.Types, req.Type):
		d.Code, d.Detail = TypeNotAllowed, strings.Join(r.Types, ", ")
	case r.Secure && (t.Scheme == "https" || t.IsSocket()) && !req.Origin.Secure():
		d.Code = NotSecure
	case !t.IsSocket() && !r.Methods.Contains(req.method()):
		d.Code = MethodNotAllowed
	case !t.IsSocket() && !r.headersAllowed(req, &d):
		d.Code = HeaderNotAllowed
	case !grants:
		d.Code = NotGranted
		switch {
		case !t.IsSocket():
			d.Detail = r.describePaths()
		case r.PortsText != "":
			d.Detail = " (it grants " + r.PortsText + ")"
		case r.Ports.Empty():
			d.Detail = " (it grants no socket ports)"
		}
	case t.IsSocket():
		d.Code, d.Grant = Granted, fmt.Sprintf("port %d", t.Port)
		if r.PortsText != "" {
			d.Grant += " (" + r.PortsText + ")"
		}
	default:
		d.Grant = grant.describe()
		if grant.Pos.IsValid() {
			d.Grant += " (" + grant.Pos.String() + ")"
		}
		d.Code = Granted
		if r.PathChars && UnsafePathChars(t.RawPath) {
			d.Code = PathCharacters
			switch {
			case strings.Contains(t.RawPath, "%"):
				d.Detail = `"%"`
			case strings.Contains(t.RawPath, ".."):
				d.Detail = `".."`
			default:
				d.Detail = `"./"`
			}
		}
	}
	return d, score + int(d.Code)
}

// headersAllowed reports whether the rule admits every request header,
// recording the first it does not admit in d.Detail. Content-Type is never
// a custom header.
func (r *Rule) headersAllowed(req *Request, d *Decision) bool {
	for _, h := range req.Headers {
		if !strings.EqualFold(h, "Content-Type") && !r.Headers.Contains(h) {
			d.Detail = h
			return false
		}
	}
	return true
}

// customHeaders returns the request headers other than Content-Type.
func customHeaders(headers []string) []string {
	var out []string
	for _, h := range headers {
		if !strings.EqualFold(h, "Content-Type") {
			out = append(out, h)
		}
	}
	return out
}

// decideHeaders judges a request that sends custom headers against
// separate header rules: the first rule that admits the caller, the
// method and every header grants. Otherwise the denial names the rule
// that came closest.
func (p *Policy) decideHeaders(req *Request, custom []string) Decision {
	best := Decision{Code: HeaderNotAllowed, Detail: custom[0]}
	bestScore := -1
	for i := range p.HeaderRules {
		hr := &p.HeaderRules[i]
		var caller *Caller
		for j := range hr.Callers {
			if hr.Callers[j].Match(req.Origin) {
				caller = &hr.Callers[j]
				break
			}
		}
		if caller == nil {
			continue
		}
		d := Decision{HeaderRule: hr, Caller: caller}
		covered, missing := 0, ""
		for _, h := range custom {
			if hr.Headers.Contains(h) {
				covered++
			} else if missing == "" {
				missing = h
			}
		}
		score := 0
		switch {
		case hr.Secure && req.Target.Scheme == "https" && !req.Origin.Secure():
			d.Code = NotSecure
			score = 1000
		case !hr.Methods.Contains(req.method()):
			d.Code = MethodNotAllowed
			score = 2000
		case missing != "":
			d.Code, d.Detail = HeaderNotAllowed, missing
			score = covered
		default:
			d.Code, d.Allowed = Granted, true
			d.Grant = "request headers " + strings.Join(custom, ", ")
			return d
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

func (r *Rule) describePaths() string {
	if len(r.Paths) == 0 {
		return " (it grants no HTTP paths)"
	}
	const most = 3
	var parts []string
	for i, s := range r.Paths {
		if i == most {
			parts = append(parts, fmt.Sprintf("%d more", len(r.Paths)-most))
			break
		}
		parts = append(parts, s.describe())
	}
	return " (it grants " + strings.Join(parts, ", ") + ")"
}
