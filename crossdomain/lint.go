package crossdomain

import (
	"fmt"
	"strings"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/match"
)

// LintOptions say what a linted file is.
type LintOptions struct {
	// Kind is what the file is to Flash Player (default Master).
	Kind Kind
	// File names the file in findings.
	File string
	// Trust, when set, is the organisation's allowlist: a caller it does
	// not cover whole is an UntrustedCaller finding.
	Trust *finding.Allowlist
}

// Lint reports what an audit would say about p, read as opts.Kind: grants
// wider than a site likely means, and entries Flash Player never uses. The
// codes, and what to do about each, are documented in package finding.
// It judges the file alone; what the response says (its Content-Type,
// caching, X-Permitted-Cross-Domain-Policies) is for the caller to check.
func (p *Policy) Lint(opts LintOptions) []finding.Finding {
	fs := &reading.Findings{File: opts.File}
	add := fs.Add
	k := opts.Kind
	for _, sc := range p.SiteControl {
		v := sc.PermittedCrossDomainPolicies
		if !k.IsMaster() {
			add(sc.Pos, finding.DeadEntry, finding.Info, "site-control in a %s is ignored: only the master's counts", k)
			continue
		}
		switch m, _ := ParseMetaPolicy(v); {
		case k.Socket() && (m == PermitByContentType || m == PermitByFTPFilename):
			// What the socket lookup does: only port 843's file counts.
			add(sc.Pos, finding.DeadEntry, finding.Info,
				"site-control %q means nothing for sockets: Flash Player reads it as master-only here, so no other port's policy counts", v)
		case m == PermitAll && k.Socket():
			// The socket default; port policies need it.
		case m == PermitAll, m == PermitByContentType, m == PermitByFTPFilename:
			add(sc.Pos, finding.PermissiveSiteControl, finding.Medium,
				"site-control %q lets other policy files on the site grant access; anyone who can place a file there can open the site", v)
		}
	}
	if off := p.off(k); off != "" {
		// Flash Player uses nothing of a master under none: every grant
		// is dead, and what it would open is moot.
		for _, a := range p.AllowAccessFrom {
			add(a.Pos, finding.DeadEntry, finding.Info, "this allow-access-from is never used: %s", off)
		}
		for _, h := range p.AllowHTTPRequestHeadersFrom {
			add(h.Pos, finding.DeadEntry, finding.Info, "this allow-http-request-headers-from is never used: %s", off)
		}
		return fs.List
	}
	for _, a := range p.AllowAccessFrom {
		d := strings.TrimSpace(a.Domain)
		lintDomain(d, a.Pos, "allow-access-from", opts.Trust, add)
		if a.Secure == "false" && !k.Socket() {
			add(a.Pos, finding.Insecure, finding.Medium, "secure=\"false\" lets callers on plain HTTP read the HTTPS site")
		}
		switch {
		case k.Socket() && strings.TrimSpace(a.ToPorts) == "":
			add(a.Pos, finding.DeadEntry, finding.Info, "an allow-access-from without to-ports grants no port in a socket policy")
		case k.Socket():
			if d == "*" && strings.TrimSpace(a.ToPorts) == "*" {
				add(a.Pos, finding.OpenSocket, finding.High, "any caller may open a socket to any port")
			}
		case a.ToPorts != "":
			add(a.Pos, finding.DeadEntry, finding.Info, "to-ports has no effect in an HTTP policy")
			fallthrough
		default:
			if d == "*" {
				add(a.Pos, finding.OpenAccess, finding.High, "any caller may read everything this file governs, with the user's cookies")
			}
		}
	}
	for _, h := range p.AllowHTTPRequestHeadersFrom {
		d := strings.TrimSpace(h.Domain)
		lintDomain(d, h.Pos, "allow-http-request-headers-from", opts.Trust, add)
		if k.Socket() {
			add(h.Pos, finding.DeadEntry, finding.Info, "header rules have no effect in a socket policy")
			continue
		}
		if d == "*" {
			add(h.Pos, finding.OpenHeaders, finding.Medium, "any caller may send %s with the user's cookies", quoteList(h.Headers))
		}
		if h.Secure == "false" {
			add(h.Pos, finding.Insecure, finding.Medium, "secure=\"false\" lets callers on plain HTTP send these headers to the HTTPS site")
		}
		for _, name := range strings.Split(h.Headers, ",") {
			if name = strings.TrimSpace(name); name != "" && NeverSent(name) {
				add(h.Pos, finding.DeadEntry, finding.Info, "Flash Player never sends %s, whatever the policy says", name)
			}
		}
	}
	return fs.List
}

// off says why a master of kind k grants nothing under its own
// site-control (a meta-policy of none), or returns "".
func (p *Policy) off(k Kind) string {
	if !k.IsMaster() {
		return ""
	}
	if m, from := p.MetaPolicy(); m == PermitNone {
		return fmt.Sprintf("the site-control permitted-cross-domain-policies=%s at %s makes the meta-policy none, which switches this master off", match.Quote(from.PermittedCrossDomainPolicies), from.Pos)
	}
	return ""
}

// lintDomain reports wildcards and domains that never match.
func lintDomain(d string, pos match.Pos, elem string, trust *finding.Allowlist, add func(match.Pos, string, finding.Level, string, ...any)) {
	c, err := ParseDomain(d)
	if err != nil {
		add(pos, finding.DeadEntry, finding.Info, "%s", reading.NeverMatches(fmt.Sprintf("%s domain=%s", elem, match.Quote(d)), err))
		return
	}
	host := c.Host.String() // as Flash Player reads it: "http://evil.com/" is evil.com
	for _, f := range finding.Trusted(d, host, trust) {
		add(pos, f.Code, f.Level, "%s", f.Message)
	}
}

func quoteList(headers string) string {
	if strings.TrimSpace(headers) == "*" {
		return "any header"
	}
	return match.Quote(headers)
}
