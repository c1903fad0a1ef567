package match

import (
	"fmt"
	"slices"
	"strings"
)

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
