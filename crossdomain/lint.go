package crossdomain

import (
	"fmt"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/xdpolicy/xdpolicy/match"
)

// The finding codes Lint reports (SPEC.md 4), each with what to do about
// it.
const (
	// FindingOpenAccess (high): allow-access-from domain="*" in an HTTP
	// policy. Any Flash movie on any site may read everything the file
	// governs, with the visitor's cookies and HTTP authentication: a page
	// of an attacker's reads what the user sees. Name the partner domains,
	// and put APIs for third parties on a domain of their own with no
	// user sessions.
	FindingOpenAccess = "open-access"
	// FindingOpenSocket (high): a socket policy that grants domain="*"
	// to-ports="*". Any movie may open a socket to every port the 1024
	// rule lets the file grant. Name the domains and the ports.
	FindingOpenSocket = "open-socket"
	// FindingOpenHeaders (medium): allow-http-request-headers-from
	// domain="*". Any caller may send these headers (SOAPAction,
	// authorization schemes, CSRF tokens) with the user's cookies. Name the
	// callers that need them.
	FindingOpenHeaders = "open-headers"
	// FindingInsecure (medium): secure="false". Pages loaded over plain
	// HTTP, which anyone on the network can read and alter, may read the
	// HTTPS site. Remove the attribute, or grant HTTPS callers only.
	FindingInsecure = "insecure"
	// FindingPermissiveSiteControl (medium): a master's site-control
	// permits other policy files (all, by-content-type, by-ftp-filename).
	// Whoever can put a file on the site (uploads, user pages) can then
	// grant access to it. Use master-only, or none when the site needs no
	// policy.
	FindingPermissiveSiteControl = "permissive-site-control"
	// FindingSuffixWildcard (high): a wildcard over a public suffix
	// (*.co.uk, *.github.io): every registrant under it is a trusted
	// caller. Name the registered domain instead.
	FindingSuffixWildcard = "suffix-wildcard"
	// FindingWideWildcard (low): a *.example.com wildcard trusts every host
	// under the domain, including ones that serve user content or that
	// someone may take over later. List the hosts that need access when
	// you can.
	FindingWideWildcard = "wide-wildcard"
	// FindingDeadEntry (info): an entry Flash Player never uses: a domain
	// that never matches, to-ports in an HTTP policy, site-control outside
	// a master, a header Flash Player never sends. Remove it or fix it; it
	// misleads whoever reads the file.
	FindingDeadEntry = "dead-entry"
)

// LintOptions say what a linted file is.
type LintOptions struct {
	// Kind is what the file is to Flash Player (default Master).
	Kind Kind
	// File names the file in findings.
	File string
}

// Lint reports what an audit would say about p, read as opts.Kind: grants
// wider than a site likely means, and entries Flash Player never uses.
// It judges the file alone; what the response says (its Content-Type,
// caching, X-Permitted-Cross-Domain-Policies) is for the caller to check.
func (p *Policy) Lint(opts LintOptions) []match.Finding {
	var out []match.Finding
	add := func(pos match.Pos, code string, level match.Level, spec, format string, args ...any) {
		out = append(out, match.Finding{Code: code, Level: level, Message: fmt.Sprintf(format, args...), File: opts.File, Pos: pos, Spec: spec})
	}
	k := opts.Kind
	for _, sc := range p.SiteControl {
		v := sc.PermittedCrossDomainPolicies
		if !k.IsMaster() {
			add(sc.Pos, FindingDeadEntry, match.Info, "SPEC.md 1.7", "site-control in a %s is ignored: only the master's counts", k)
			continue
		}
		switch m, _ := ParseMetaPolicy(v); m {
		case PermitAll, PermitByContentType, PermitByFTPFilename:
			if k.Socket() && m == PermitAll {
				break // the socket default; port policies need it
			}
			add(sc.Pos, FindingPermissiveSiteControl, match.Medium, "SPEC.md 1.7, 4",
				"site-control %q lets other policy files on the site grant access; anyone who can place a file there can open the site", v)
		}
	}
	for _, a := range p.AllowAccessFrom {
		d := strings.TrimSpace(a.Domain)
		lintDomain(d, a.Pos, "allow-access-from", add)
		if a.Secure == "false" && !k.Socket() {
			add(a.Pos, FindingInsecure, match.Medium, "SPEC.md 1.4", "secure=\"false\" lets callers on plain HTTP read the HTTPS site")
		}
		switch {
		case k.Socket():
			if d == "*" && strings.TrimSpace(a.ToPorts) == "*" {
				add(a.Pos, FindingOpenSocket, match.High, "SPEC.md 1.5, 4", "any caller may open a socket to any port")
			}
		case a.ToPorts != "":
			add(a.Pos, FindingDeadEntry, match.Info, "SPEC.md 1.5", "to-ports has no effect in an HTTP policy")
			fallthrough
		default:
			if d == "*" {
				add(a.Pos, FindingOpenAccess, match.High, "SPEC.md 4", "any caller may read everything this file governs, with the user's cookies")
			}
		}
	}
	for _, h := range p.AllowHTTPRequestHeadersFrom {
		d := strings.TrimSpace(h.Domain)
		lintDomain(d, h.Pos, "allow-http-request-headers-from", add)
		if k.Socket() {
			add(h.Pos, FindingDeadEntry, match.Info, "SPEC.md 1.6", "header rules have no effect in a socket policy")
			continue
		}
		if d == "*" {
			add(h.Pos, FindingOpenHeaders, match.Medium, "SPEC.md 1.6, 4", "any caller may send %s with the user's cookies", quoteList(h.Headers))
		}
		if h.Secure == "false" {
			add(h.Pos, FindingInsecure, match.Medium, "SPEC.md 1.4", "secure=\"false\" lets callers on plain HTTP send these headers to the HTTPS site")
		}
		for _, name := range strings.Split(h.Headers, ",") {
			if name = strings.TrimSpace(name); name != "" && NeverSent(name) {
				add(h.Pos, FindingDeadEntry, match.Info, "SPEC.md 1.6", "Flash Player never sends %s, whatever the policy says", name)
			}
		}
	}
	return out
}

// lintDomain reports wildcards and domains that never match.
func lintDomain(d string, pos match.Pos, elem string, add func(match.Pos, string, match.Level, string, string, ...any)) {
	if _, err := ParseDomain(d); err != nil {
		add(pos, FindingDeadEntry, match.Info, "SPEC.md 1.3", "%s domain=%q never matches: %v", elem, d, err)
		return
	}
	host := strings.ToLower(d)
	if i := strings.Index(host, "://"); i >= 0 { // http://*.example.com:8080
		host = host[i+3:]
		if j := strings.LastIndexByte(host, ':'); j >= 0 {
			host = host[:j]
		}
	}
	suffix, ok := strings.CutPrefix(host, "*.")
	if !ok {
		return
	}
	if ps, _ := publicsuffix.PublicSuffix(suffix); ps == suffix {
		add(pos, FindingSuffixWildcard, match.High, "SPEC.md 4", "%q trusts every site registered under the public suffix %s", d, suffix)
		return
	}
	add(pos, FindingWideWildcard, match.Low, "SPEC.md 4", "%q trusts every host under %s", d, suffix)
}

func quoteList(headers string) string {
	if strings.TrimSpace(headers) == "*" {
		return "any header"
	}
	return fmt.Sprintf("%q", headers)
}
