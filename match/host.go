package match

import (
	"fmt"
	"net/netip"
	"strings"
)

// Wildcard says what a leading "*." label covers.
type Wildcard int

const (
	// WildcardWithApex: "*.example.com" matches example.com itself and
	// every host under it (Flash, Silverlight).
	WildcardWithApex Wildcard = iota
	// WildcardBelowOnly: "*.example.com" matches hosts under example.com
	// but not example.com (the Mozilla draft: its "wildcarded ones" are
	// the subdomains).
	WildcardBelowOnly
)

type hostKind uint8

const (
	hostNever  hostKind = iota // zero value: matches nothing
	hostAny                    // "*": every caller, with or without a host
	hostExact                  // one name
	hostIP                     // one IP literal
	hostSuffix                 // "*.name"
)

// HostPattern is a compiled host pattern. The zero value matches nothing.
type HostPattern struct {
	kind hostKind
	host string // ASCII lower-case name, canonical IP, or the suffix's base name
	apex bool   // hostSuffix: the base name itself matches too
}

// AnyHost matches every caller, including callers that have no host.
var AnyHost = HostPattern{kind: hostAny}

// ParseHostPattern compiles a host pattern as written in a policy file:
//
//   - "*" matches every caller, including local files with no host;
//   - "www.example.com" matches that host only (case-insensitively, and in
//     its ASCII form, so Unicode and Punycode spellings are one name);
//   - "*.example.com" matches every host under example.com at a label
//     boundary (never "badexample.com"), and example.com itself when w is
//     WildcardWithApex;
//   - an IP literal ("10.0.0.1", "[::1]", "::1") matches a caller loaded by
//     that literal address only; no DNS resolution ever happens.
//
// Anything else that contains "*" ("www.*.com", "*example.com", "example.*",
// "*.10.0.0") can never match; so can an empty or malformed name. For
// those ParseHostPattern returns the zero HostPattern and a *PatternError
// saying why, so the caller can report the pattern rather than keep it.
func ParseHostPattern(s string, w Wildcard) (HostPattern, error) {
	never := func(format string, args ...any) (HostPattern, error) {
		return HostPattern{}, &PatternError{Pattern: s, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case s == "*":
		return AnyHost, nil
	case s == "":
		return never("it is empty")
	case strings.TrimSpace(s) != s:
		return never("it has surrounding whitespace")
	case strings.HasPrefix(s, "*."):
		base := s[2:]
		if strings.Contains(base, "*") {
			return never(`a wildcard is allowed only as one whole leading "*." label`)
		}
		if looksNumeric(base) {
			return never("wildcards never match IP addresses")
		}
		h, err := NormalizeHost(base)
		if err != nil {
			return never("%v", err)
		}
		if isAddr(h) {
			return never("wildcards never match IP addresses")
		}
		return HostPattern{kind: hostSuffix, host: h, apex: w == WildcardWithApex}, nil
	case strings.Contains(s, "*"):
		if strings.Contains(s, ".") && looksNumeric(strings.ReplaceAll(s, "*", "0")) {
			return never("wildcards never match IP addresses")
		}
		return never(`a wildcard is allowed only as "*" or a leading "*." label`)
	}
	h, err := NormalizeHost(s)
	if err != nil {
		return never("%v", err)
	}
	if isAddr(h) {
		return HostPattern{kind: hostIP, host: h}, nil
	}
	if looksNumeric(s) {
		return never("%s is not a valid IP address", Quote(s))
	}
	return HostPattern{kind: hostExact, host: h}, nil
}

// isAddr reports whether the normalized host h is an IP address. Only
// digits and dots (IPv4) or a colon (IPv6) can be one, so a name skips
// the parse.
func isAddr(h string) bool {
	if !looksNumeric(h) && !strings.Contains(h, ":") {
		return false
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}

// looksNumeric reports whether s is made of digits and dots only, the shape
// of an IPv4 address.
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// Match reports whether the pattern matches a host in the form
// NormalizeHost returns ("" for a caller without a host).
func (p HostPattern) Match(host string) bool {
	switch p.kind {
	case hostAny:
		return true
	case hostExact, hostIP:
		return host == p.host
	case hostSuffix:
		return domainMatch(host, p.host, p.apex)
	}
	return false
}

// domainMatch reports whether host is under base at a label boundary, or
// is base itself when apex is set. The length guard keeps "badexample.com"
// and "example.com" itself (without apex) out.
func domainMatch(host, base string, apex bool) bool {
	if host == base {
		return apex
	}
	return len(host) > len(base)+1 && host[len(host)-len(base)-1] == '.' && strings.HasSuffix(host, base)
}

// Within reports whether every host p matches, q matches too: p is no
// wider than q. A pattern that never matches is within every pattern.
func (p HostPattern) Within(q HostPattern) bool {
	switch {
	case p.kind == hostNever || q.kind == hostAny:
		return true
	case p.kind == hostAny || q.kind == hostNever:
		return false
	case p.kind != hostSuffix:
		return q.Match(p.host)
	case q.kind != hostSuffix:
		return false // a wildcard admits hosts no single name covers
	}
	under := p.host == q.host || strings.HasSuffix(p.host, "."+q.host)
	return under && (!p.apex || q.Match(p.host))
}

// Valid reports whether the pattern can match anything.
func (p HostPattern) Valid() bool { return p.kind != hostNever }

// IsAny reports whether the pattern is "*".
func (p HostPattern) IsAny() bool { return p.kind == hostAny }

// String returns the pattern in its normalised spelling.
func (p HostPattern) String() string {
	switch p.kind {
	case hostAny:
		return "*"
	case hostExact:
		return p.host
	case hostIP:
		if strings.Contains(p.host, ":") {
			return "[" + p.host + "]"
		}
		return p.host
	case hostSuffix:
		return "*." + p.host
	}
	return "(never)"
}

// PatternError reports a pattern that can never match.
type PatternError struct {
	Pattern string
	Reason  string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("%s never matches: %s", Quote(e.Pattern), e.Reason)
}

// Caller is one caller pattern of a rule: a host pattern, optionally
// narrowed to a scheme, a port and one exact caller path.
type Caller struct {
	// Scheme, when set, is the caller's required scheme ("http", "https",
	// "file").
	Scheme string
	// Port, when not 0, is the caller's required port (after defaults).
	Port int
	// Host is the host pattern. For a "file" scheme use AnyHost.
	Host HostPattern
	// Path, when set, is the one caller path admitted (Silverlight's exact
	// XAP); compared case-sensitively with Origin.Path.
	Path string
	// Text is the pattern as written in the file, for reasons.
	Text string
	// Pos is where it was written.
	Pos Pos
}

// Match reports whether o matches every part of the pattern.
func (c *Caller) Match(o Origin) bool { return c.match(&o) }

func (c *Caller) match(o *Origin) bool {
	return (c.Scheme == "" || c.Scheme == o.Scheme) &&
		(c.Port == 0 || c.Port == o.Port) &&
		(c.Path == "" || c.Path == o.Path) &&
		c.Host.Match(o.Host)
}

// mismatch says which part of o other than the host c does not admit.
func (c *Caller) mismatch(o Origin) string {
	switch {
	case c.Scheme != "" && c.Scheme != o.Scheme:
		return fmt.Sprintf("only over %s, not %s", c.Scheme, o.Scheme)
	case c.Port != 0 && c.Port != o.Port:
		return fmt.Sprintf("only on port %d, not %d", c.Port, o.Port)
	case c.Path != "" && c.Path != o.Path:
		return fmt.Sprintf("only the caller %s, not %s", escapePath(c.Path), escapePath(o.Path))
	}
	return "not this caller"
}

func (c *Caller) describe() string {
	if c.Text != "" {
		return Quote(c.Text)
	}
	s := c.Host.String()
	if c.Scheme != "" {
		s = c.Scheme + "://" + s
	}
	return Quote(s)
}
