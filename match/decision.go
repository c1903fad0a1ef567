package match

import (
	"fmt"
	"strings"
)

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
	// HeaderRule, with separate header rules (Policy.SeparateHeaders), is
	// the header rule that decided a request with custom headers, or that
	// came closest; Rule is then nil.
	HeaderRule *HeaderRule
	// Next, for a Delegated decision, is the URL of the policy file that
	// decides instead.
	Next string
	// Request is the question asked. Its Headers slice is the caller's,
	// not a copy: change it only once done with the Decision, whose Grant
	// (and so Reason) for a HeaderRule names the headers from it.
	Request Request

	// detail is what Detail returns when it builds nothing.
	detail string
	// policy, for a decision of Decide, is the policy that made it; the
	// texts Detail, Grant and Reason are built from it when asked for.
	policy *Policy
	// path is the path grant of Rule that matched.
	path *PathScope
}

// Detail returns the header, limit or message the Code refers to: the
// request header a rule does not admit, the scope a target lies outside,
// the limit of the runtime, what a rule grants instead, why the file was
// rejected or switched off; "" when there is nothing to add. Decide
// records what the text is made of and Detail builds it when asked, so
// deciding allocates nothing.
func (d Decision) Detail() string {
	if d.policy == nil {
		return d.detail
	}
	t := &d.Request.Target
	switch d.Code {
	case OutOfScope:
		return d.policy.Scope.String()
	case RuntimeLimit:
		if t.IsSocket() {
			return fmt.Sprintf("the %s runtime opens sockets only to ports %s, not %d", d.Runtime, d.policy.SocketPorts, t.Port)
		}
		return fmt.Sprintf("the %s runtime never sends request header %s, whatever the policy says", d.Runtime, d.detail)
	case TypeNotAllowed:
		if d.Rule != nil {
			return strings.Join(d.Rule.Types, ", ")
		}
	case NotGranted:
		if d.Rule != nil {
			return d.Rule.describeGrants(t)
		}
	}
	return d.detail
}

// Grant describes what the deciding rule granted: the path or port of
// Rule that matched, or the headers a HeaderRule granted; "" unless the
// Code is Granted or PathCharacters.
func (d Decision) Grant() string {
	if d.Code != Granted && d.Code != PathCharacters {
		return ""
	}
	switch {
	case d.HeaderRule != nil:
		return "request headers " + strings.Join(customHeaders(d.Request.Headers), ", ")
	case d.Rule == nil:
		return ""
	case d.Request.Target.IsSocket():
		s := fmt.Sprintf("port %d", d.Request.Target.Port)
		if d.Rule.PortsText != "" {
			s += " (" + d.Rule.PortsText + ")"
		}
		return s
	case d.path != nil:
		s := d.path.describe()
		if d.path.Pos.IsValid() {
			s += " (" + d.path.Pos.String() + ")"
		}
		return s
	}
	return ""
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
		if g := d.Grant(); g != "" {
			s += " and grants " + g
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
			return fmt.Sprintf("%s%s admits %s but only requests of type %s, and the request names no type", rule, in, who, d.Detail())
		}
		return fmt.Sprintf("%s%s admits %s but not type %s (it admits %s)", rule, in, who, req.Type, d.Detail())
	case Rejected:
		return fmt.Sprintf("the %s runtime rejects %s: %s", d.Runtime, sourceOr(d.Source, "the policy file"), d.detail)
	case NoPolicy:
		return d.detail
	case Disabled:
		return fmt.Sprintf("%s grants nothing: %s", sourceOr(d.Source, "the policy file"), d.detail)
	case OutOfScope:
		s := fmt.Sprintf("%s governs %s, not %s", sourceOr(d.Source, "the policy"), d.Detail(), req.Target)
		if req.Target.Ambiguity != "" {
			s += ambiguous(req.Target)
		}
		return s
	case Malformed:
		return "the request is malformed and is refused before any rule is consulted: " + d.detail
	case RuntimeLimit:
		return d.Detail()
	case NoCaller:
		s := fmt.Sprintf("no rule%s admits %s", in, who)
		if d.Rule != nil && d.Caller != nil {
			s += fmt.Sprintf(" (%s admits its host by %s", rule, d.Caller.describe())
			if d.Caller.Pos.IsValid() {
				s += " at " + d.Caller.Pos.String()
			}
			s += ", but " + d.Caller.mismatch(req.Origin) + ")"
		} else if d.detail != "" {
			s += " (it admits " + d.detail + ")"
		}
		return s
	case NotSecure:
		return fmt.Sprintf("%s%s admits %s only over HTTPS (secure)", rule, in, req.Origin.Root())
	case MethodNotAllowed:
		return fmt.Sprintf("%s%s admits %s but not method %s", rule, in, who, req.method())
	case HeaderNotAllowed:
		switch {
		case d.HeaderRule != nil:
			return fmt.Sprintf("%s%s admits %s but not request header %s (it grants %s)", rule, in, who, d.detail, Quote(d.HeaderRule.HeadersText))
		case d.Rule == nil:
			return fmt.Sprintf("no header rule%s admits %s with request header %s", in, who, d.detail)
		}
		return fmt.Sprintf("%s%s admits %s but not request header %s", rule, in, who, d.detail)
	case NotGranted:
		what := req.Target.Path
		if req.Target.IsSocket() {
			what = fmt.Sprintf("port %d", req.Target.Port)
		} else if req.Target.Ambiguity != "" {
			what += ambiguous(req.Target)
		} else if req.Target.RawPath != "" && req.Target.RawPath != req.Target.Path {
			what = fmt.Sprintf("%s (%s read unescaped and without dot-segments)", what, Quote(req.Target.RawPath))
		}
		if det := d.Detail(); det != "" {
			what += " (" + det + ")"
		}
		return fmt.Sprintf("%s%s admits %s but does not grant %s", rule, in, who, what)
	case PathCharacters:
		raw := req.Target.RawPath
		if raw == "" {
			raw = req.Target.Path
		}
		return fmt.Sprintf("%s%s grants %s by %s, but the raw path contains %s, which the path-character rule forbids", rule, in, raw, d.Grant(), d.detail)
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
	return Decision{Code: code, Runtime: runtime, Source: source, detail: detail, Request: req}
}
