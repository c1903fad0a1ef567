package match

import (
	"fmt"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Level ranks a Finding by what it exposes, from Info (an entry that does
// nothing) to High (any caller may act as the user).
type Level int

// The levels, from the least.
const (
	Info Level = iota + 1
	Low
	Medium
	High
)

var levelNames = [...]string{Info: "info", Low: "low", Medium: "medium", High: "high"}

func (l Level) String() string {
	if l > 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel parses "info", "low", "medium" or "high" (any case).
func ParseLevel(s string) (Level, error) {
	for l, name := range levelNames {
		if name != "" && strings.EqualFold(s, name) {
			return Level(l), nil
		}
	}
	return 0, fmt.Errorf("unknown level %q: want info, low, medium or high", s)
}

// Finding is one thing an audit reports about a policy file: a grant
// wider than a site likely means, or an entry that does nothing. The
// format packages' Lint functions produce them; each Code is documented
// once, with what to do about it, in the package that reports it.
type Finding struct {
	// Code is a short, stable name, such as "open-access".
	Code  string
	Level Level
	// Message says what the entry exposes or why it is dead, in terms of
	// this file.
	Message string
	// File names the file (its URL or path); Pos is where the entry is.
	File string
	Pos  Pos
	// Spec is the rule of SPEC.md the finding rests on, such as "SPEC.md 4".
	Spec string
}

// String formats the finding as FILE:LINE:COL: LEVEL: CODE: MESSAGE.
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File + ":")
	}
	if f.Pos != (Pos{}) {
		b.WriteString(f.Pos.String() + ":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	fmt.Fprintf(&b, "%s: %s: %s", f.Level, f.Code, f.Message)
	return b.String()
}

// The finding codes, each documented once, with what to do about it. The
// format packages' Lint functions report them (SPEC.md 4).
const (
	// FindingOpenAccess (high): every caller may read what the file
	// governs (Flash domain="*" in an HTTP policy; Silverlight uri="*"
	// granting path="/" with its subpaths). The runtimes send the user's
	// cookies and HTTP authentication, so a page of an attacker's reads
	// what the user sees. Name the partner domains, and put APIs for third
	// parties on a domain of their own with no user sessions.
	FindingOpenAccess = "open-access"
	// FindingOpenSocket (high): every caller may open a socket to every
	// port the file can grant (Flash domain="*" to-ports="*"; Silverlight
	// uri="*" with the whole 4502-4534 range). Name the domains and the
	// ports.
	FindingOpenSocket = "open-socket"
	// FindingOpenHeaders (medium): every caller may send custom headers
	// (SOAPAction, authorization schemes, CSRF tokens) with the user's
	// cookies. Name the callers that need them, and the headers.
	FindingOpenHeaders = "open-headers"
	// FindingInsecure (medium): Flash secure="false": pages loaded over
	// plain HTTP, which anyone on the network can read and alter, may
	// read the HTTPS site. Remove the attribute, or grant HTTPS callers
	// only.
	FindingInsecure = "insecure"
	// FindingPermissiveSiteControl (medium): a Flash master's site-control
	// lets other policy files count (all, by-content-type,
	// by-ftp-filename): whoever can put a file on the site (uploads, user
	// pages) can grant access to it. Use master-only, or none when the
	// site needs no policy.
	FindingPermissiveSiteControl = "permissive-site-control"
	// FindingSuffixWildcard (high): a wildcard over a public suffix
	// (*.co.uk, *.github.io): everyone who registers a name under it is a
	// trusted caller. Name the registered domain instead.
	FindingSuffixWildcard = "suffix-wildcard"
	// FindingWideWildcard (low): a *.example.com wildcard trusts every host
	// under the domain, including ones that serve user content or that
	// someone may take over later. List the hosts that need access when
	// you can.
	FindingWideWildcard = "wide-wildcard"
	// FindingDeadEntry (info): an entry the runtime never uses: a pattern
	// that never matches, Flash to-ports in an HTTP policy (or none in a
	// socket policy), site-control
	// outside a master, a header Flash Player never sends. Remove or fix
	// it; it misleads whoever reads the file.
	FindingDeadEntry = "dead-entry"
)

// WildcardFinding judges a caller pattern whose host part is host: a
// wildcard over a public suffix ("*.co.uk") is FindingSuffixWildcard, any
// other "*.domain" FindingWideWildcard; other hosts yield no finding.
// pattern is the value as written, for the message.
func WildcardFinding(pattern, host string) (Finding, bool) {
	suffix, ok := strings.CutPrefix(strings.ToLower(host), "*.")
	if !ok || suffix == "" {
		return Finding{}, false
	}
	if ps, _ := publicsuffix.PublicSuffix(suffix); ps == suffix {
		return Finding{Code: FindingSuffixWildcard, Level: High, Spec: "SPEC.md 4",
			Message: fmt.Sprintf("%q trusts every site registered under the public suffix %s", pattern, suffix)}, true
	}
	return Finding{Code: FindingWideWildcard, Level: Low, Spec: "SPEC.md 4",
		Message: fmt.Sprintf("%q trusts every host under %s", pattern, suffix)}, true
}
