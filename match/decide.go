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
	if err := req.Validate(); err != nil {
		return Decision{Code: Malformed, Source: p.Source, Runtime: p.Runtime, Request: req, detail: err.Error()}
	}
	// The reason's text is built only when asked for (Reason, Detail,
	// Grant), from what d records here: deciding allocates nothing.
	d := Decision{Source: p.Source, Runtime: p.Runtime, Request: req, policy: p}
	t := &d.Request.Target
	switch {
	case p.Disabled != "":
		d.Code, d.detail = Disabled, p.Disabled
		return d
	case !p.Scope.contains(t):
		d.Code = OutOfScope
		return d
	case t.IsSocket() && !p.SocketPorts.Empty() && !p.SocketPorts.Contains(t.Port):
		d.Code = RuntimeLimit
		return d
	}
	if !t.IsSocket() && !p.NeverSent.Empty() {
		for _, h := range req.Headers {
			n := h
			if p.NormalizeHeader != nil {
				n = p.NormalizeHeader(h)
			}
			if p.NeverSent.Contains(n) {
				d.Code, d.detail = RuntimeLimit, h
				return d
			}
		}
	}

	if p.SeparateHeaders && !t.IsSocket() {
		if first := firstCustom(req.Headers); first != "" {
			p.decideHeaders(&d, first)
			return d
		}
	}

	var buf [16]ref
	ix := p.index()
	cands := ix.candidates(req.Origin.Host, buf[:0])
	var v, best verdict
	var bestRule *Rule
	for len(cands) > 0 {
		// The run of candidates that belong to one rule.
		n := 1
		for n < len(cands) && cands[n].rule == cands[0].rule {
			n++
		}
		r := &p.Rules[cands[0].rule]
		r.judge(&d.Request, cands[:n], &v)
		cands = cands[n:]
		if v.code == Granted || v.code == PathCharacters {
			d.Code, d.Rule, d.Caller, d.path, d.detail = v.code, r, v.caller, v.path, v.detail
			if v.code == Granted && r.Delegate {
				if next, ok := p.next(t); ok {
					d.Code, d.Next, d.path = Delegated, next, nil
				}
			}
			d.Allowed = d.Code == Granted
			return d
		}
		if v.caller != nil && (bestRule == nil || v.score > best.score) {
			best, bestRule = v, r
		}
	}
	if bestRule == nil {
		d.Code, d.detail = NoCaller, ix.summary
		return d
	}
	d.Code, d.Rule, d.Caller, d.detail = best.code, bestRule, best.caller, best.detail
	return d
}

// verdict is what one rule makes of a request (see Rule.judge).
type verdict struct {
	code Code
	// caller is the caller pattern that admitted the caller, or one that
	// admitted its host; nil when none did.
	caller *Caller
	// path is the path grant that matched.
	path *PathScope
	// detail is the header or text the code refers to, when it needs no
	// formatting.
	detail string
	score  int
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

// judge matches one rule against the request, into v. Its code is Granted or
// PathCharacters when the rule decides. Otherwise the code is the first
// part of the rule that fails, in the order caller, secure, method,
// headers, target; and the score ranks how close the rule came, so a denial
// can name the most telling rule: a rule that grants this very target
// beats one that grants something else of its kind (paths, or ports),
// which beats one that grants nothing of the kind; then the later the
// failing part, the closer.
//
// Only the callers in refs (callers of r whose host pattern may admit the
// request's host, in order) are compared. A rule none of whose callers
// admits even the host has no caller in its verdict.
func (r *Rule) judge(req *Request, refs []ref, v *verdict) {
	var caller, near *Caller
	for _, ref := range refs {
		c := &r.Callers[ref.caller]
		if c.match(&req.Origin) {
			caller = c
			break
		}
		if near == nil && c.Host.Match(req.Origin.Host) {
			near = c
		}
	}
	if caller == nil && near == nil {
		*v = verdict{code: NoCaller}
		return
	}
	*v = verdict{caller: caller}
	if caller == nil {
		v.caller = near
	}
	t := &req.Target

	// What the rule grants of the target, whatever else fails.
	grants, sameKind := false, false
	if t.IsSocket() {
		sameKind = !r.Ports.Empty()
		grants = r.Ports.Contains(t.Port)
	} else {
		sameKind = len(r.Paths) > 0
		for i := range r.Paths {
			if r.Paths[i].covers(t) {
				v.path, grants = &r.Paths[i], true
				break
			}
		}
	}
	if grants {
		v.score += 100
	}
	if sameKind {
		v.score += 50
	}

	switch {
	case caller == nil:
		v.code = NoCaller
	case len(r.Types) > 0 && !slices.Contains(r.Types, req.Type):
		v.code = TypeNotAllowed
	case r.Secure && (t.Scheme == "https" || t.IsSocket()) && !req.Origin.Secure():
		v.code = NotSecure
	case !t.IsSocket() && !r.Methods.Contains(req.method()):
		v.code = MethodNotAllowed
	case !t.IsSocket() && !r.headersAllowed(req, v):
		v.code = HeaderNotAllowed
	case !grants:
		v.code = NotGranted
	default:
		v.code = Granted
		if r.PathChars && !t.IsSocket() && UnsafePathChars(t.RawPath) {
			v.code = PathCharacters
			switch {
			case strings.Contains(t.RawPath, "%"):
				v.detail = `"%"`
			case strings.Contains(t.RawPath, ".."):
				v.detail = `".."`
			default:
				v.detail = `"./"`
			}
		}
	}
	if v.code != Granted && v.code != PathCharacters {
		v.path = nil
	}
	v.score += int(v.code)
}

// headersAllowed reports whether the rule admits every request header,
// recording the first it does not admit in v.detail. Content-Type is never
// a custom header.
func (r *Rule) headersAllowed(req *Request, v *verdict) bool {
	for _, h := range req.Headers {
		if !isContentType(h) && !r.Headers.Contains(h) {
			v.detail = h
			return false
		}
	}
	return true
}

// isContentType reports whether the header name is Content-Type, in any
// case.
func isContentType(h string) bool {
	return h == "Content-Type" || len(h) == len("Content-Type") && strings.EqualFold(h, "Content-Type")
}

// firstCustom returns the first request header other than Content-Type,
// or "" when there is none.
func firstCustom(headers []string) string {
	for _, h := range headers {
		if !isContentType(h) {
			return h
		}
	}
	return ""
}

// customHeaders returns the request headers other than Content-Type.
func customHeaders(headers []string) []string {
	var out []string
	for _, h := range headers {
		if !isContentType(h) {
			out = append(out, h)
		}
	}
	return out
}

// decideHeaders judges a request that sends custom headers, the first of
// them first, against separate header rules: the first rule that admits
// the caller, the method and every header grants. Otherwise the denial
// names the rule that came closest.
func (p *Policy) decideHeaders(d *Decision, first string) {
	req := &d.Request
	d.Code, d.detail = HeaderNotAllowed, first
	bestScore := -1
	for i := range p.HeaderRules {
		hr := &p.HeaderRules[i]
		var caller *Caller
		for j := range hr.Callers {
			if hr.Callers[j].match(&req.Origin) {
				caller = &hr.Callers[j]
				break
			}
		}
		if caller == nil {
			continue
		}
		code, detail := Granted, ""
		covered := 0
		for _, h := range req.Headers {
			switch {
			case isContentType(h):
			case hr.Headers.Contains(h):
				covered++
			case detail == "":
				detail = h
			}
		}
		score := 0
		switch {
		case hr.Secure && req.Target.Scheme == "https" && !req.Origin.Secure():
			code, detail, score = NotSecure, "", 1000
		case !hr.Methods.Contains(req.method()):
			code, detail, score = MethodNotAllowed, "", 2000
		case detail != "":
			code, score = HeaderNotAllowed, covered
		default:
			d.Code, d.Allowed, d.HeaderRule, d.Caller, d.detail = Granted, true, hr, caller, ""
			return
		}
		if score > bestScore {
			d.Code, d.HeaderRule, d.Caller, d.detail = code, hr, caller, detail
			bestScore = score
		}
	}
}

// describeGrants says what the rule grants of the target's kind, for a
// denial that it does not grant the target; "" when it grants ports but
// does not say how they were written.
func (r *Rule) describeGrants(t *Target) string {
	switch {
	case !t.IsSocket():
		return r.describePaths()
	case r.PortsText != "":
		return "it grants " + r.PortsText
	case r.Ports.Empty():
		return "it grants no socket ports"
	}
	return ""
}

func (r *Rule) describePaths() string {
	if len(r.Paths) == 0 {
		return "it grants no HTTP paths"
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
	return "it grants " + strings.Join(parts, ", ")
}
