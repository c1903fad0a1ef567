// Package finding is the vocabulary of audits: a Finding is one thing
// an audit reports about a policy file (a grant wider than a site likely
// means, an entry that does nothing, a response served carelessly), with a
// Code, a Level and where it is. Every code is documented once, with what
// to do about it, in Docs; "xdpolicy help findings" prints them, and
// HelpURL gives each a page a user can open.
//
// The format packages' Lint functions (crossdomain, clientaccess,
// mozpolicy) report the findings of one file; package audit adds those of
// the responses and of a site as a whole. Kept apart from package match,
// so that deciding requests does not bring in the public suffix list the
// wildcard findings need.
//
// # Where scanners and the runtimes disagree
//
// Other tools check cross-domain policies too (OWASP ZAP's rule 20016,
// nmap's http-cross-domain-policy, Nikto, nuclei templates, Burp). Where
// one of their alerts is right about what a runtime does, these findings
// report at least as much; where a tool is wrong, the runtime's reading
// decides, case by case:
//
//   - Silverlight's uri="http://*" (and "https://*") admits every caller
//     of that scheme; ZAP and nmap, which compare uri="*" only, stay
//     silent. It is OpenAccess here.
//   - A "*" inside an XML comment grants nothing (the runtimes skip
//     comments); Nikto's substring match flags it. No finding here.
//   - domain="*.com" or "*.co.uk" trusts every site registered under a
//     public suffix; exact comparisons with "*" (ZAP, nmap) miss it. It is
//     SuffixWildcard here, high.
//   - A trusted domain nobody owns: nmap says EXPLOIT when a domain is for
//     sale. Here UnregisteredDomain reports a registrable domain that does
//     not exist (audit -registrations); one that exists but is for sale is
//     not told apart from one in use.
//   - A wildcard or a domain in a file the runtime ignores (served with
//     the wrong Content-Type, under site-control none, a clientaccess
//     policy file away from the root) grants nothing; scanners that read
//     the text flag it as if it did. Here the file is IgnoredFile, or its
//     entries DeadEntry, at info.
//   - An entry whose domain can never match (domain="www.*.com", a
//     Silverlight uri without a scheme) grants nothing; it is DeadEntry
//     here, never an open grant.
package finding

import (
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/xdpolicy/xdpolicy/match"
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
// once, with what to do about it, in Docs.
type Finding struct {
	// Code is a short, stable name, such as "open-access".
	Code  string
	Level Level
	// Message says what the entry exposes or why it is dead, in terms of
	// this file.
	Message string
	// File names the file (its URL or path); Pos is where the entry is.
	File string
	Pos  match.Pos
	// Evidence, when known, is the entry as it stands in the file (its
	// start tag; see Evidence). Lint leaves it to the caller, who has the
	// bytes.
	Evidence string
}

// String formats the finding as FILE:LINE:COL: LEVEL: CODE: MESSAGE.
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File + ":")
	}
	if f.Pos != (match.Pos{}) {
		b.WriteString(f.Pos.String() + ":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	fmt.Fprintf(&b, "%s: %s: %s", f.Level, f.Code, f.Message)
	return b.String()
}

// The finding codes. Each is documented once, with what it means and what
// to do about it, in Docs (also printed by "xdpolicy help
// findings"); the format packages' Lint functions and the auditor report
// them.
const (
	OpenAccess            = "open-access"
	OpenSocket            = "open-socket"
	OpenHeaders           = "open-headers"
	Insecure              = "insecure"
	PermissiveSiteControl = "permissive-site-control"
	SuffixWildcard        = "suffix-wildcard"
	WideWildcard          = "wide-wildcard"
	DeadEntry             = "dead-entry"
	IgnoredFile           = "ignored-file"
	Cacheable             = "cacheable-response"
	NoMetaPolicyHeader    = "missing-meta-policy-header"
	InternalHost          = "internal-host"
	UntrustedCaller       = "untrusted-caller"
	PageHeader            = "missing-page-meta-policy-header"
	UnregisteredDomain    = "unregistered-domain"
)

// Doc documents one finding code.
type Doc struct {
	Code string
	// Level is the level the code is reported at (the highest, for a
	// code reported at several).
	Level Level
	// Title is one line: what was found.
	Title string
	// Help says why it matters and what to do about it.
	Help string
}

// Docs documents every finding code, in the order of the constants.
// Read it; do not modify it.
var Docs = []Doc{
	{OpenAccess, High, "every caller may read what the policy file governs",
		`Flash domain="*" in an HTTP policy; Silverlight uri="*" (or http://*,
https://*) granting path="/" with its subpaths; a Mozilla-draft policy
that grants its whole scope to every caller. The runtimes send the user's
cookies and HTTP authentication, so a page of an attacker's reads what
the user sees. Name the partner domains, and put APIs for third parties
on a domain of their own with no user sessions.`},
	{OpenSocket, High, "every caller may open sockets to every port the file can grant",
		`Flash domain="*" with to-ports="*"; Silverlight uri="*" with the whole
4502-4534 range. Name the domains and the ports.`},
	{OpenHeaders, Medium, "every caller may send custom request headers",
		`SOAPAction, authorization schemes and CSRF tokens then come with the
user's cookies from any page. Name the callers that need them, and the
headers.`},
	{Insecure, Medium, `Flash secure="false"`,
		`Pages loaded over plain HTTP, which anyone on the network can read and
alter, may read the HTTPS site. Remove the attribute, or grant HTTPS
callers only.`},
	{PermissiveSiteControl, Medium, "a Flash master lets other policy files count",
		`site-control all, by-content-type or by-ftp-filename: whoever can put a
file on the site (uploads, user pages) can grant access to it. Use
master-only, or none when the site needs no policy.`},
	{SuffixWildcard, High, "a wildcard over a public suffix",
		`*.co.uk, *.github.io: everyone who registers a name under the suffix is
a trusted caller (the list is golang.org/x/net/publicsuffix). Name the
registered domain instead.`},
	{WideWildcard, Low, "a *.example.com wildcard",
		`It trusts every host under the domain, including ones that serve user
content or that someone may take over later. List the hosts that need
access when you can.`},
	{DeadEntry, Info, "an entry the runtime never uses",
		`A pattern that never matches, Flash to-ports in an HTTP policy (or
none in a socket policy), site-control outside a master, a header Flash
Player never sends, a grant in a master whose site-control is none
(which switches the file off), site-control by-content-type or
by-ftp-filename in a socket master (read as master-only there). Remove
or fix it; it misleads whoever reads the file.`},
	{IgnoredFile, Info, "a policy file the runtime never uses",
		`Found where a runtime looks, but not used: rejected by its reading,
redirected where the runtime does not follow, served with a type it
refuses, a non-master Flash file under a master-only (or none) master,
a clientaccesspolicy.xml away from the root. Remove it, or fix it if it
was meant to count.`},
	{Cacheable, Low, "a policy file served without Cache-Control: no-cache",
		`Runtimes read a policy once per session, and caches in between may
keep it longer: a fix (a narrower grant) then takes effect late for some
users. Serve policy files with Cache-Control: no-cache.`},
	{NoMetaPolicyHeader, Low, "a Flash master served without X-Permitted-Cross-Domain-Policies",
		`The header sets the site's meta-policy from the server, whatever any
file says, and stops Flash Player honouring a policy file someone
manages to put on the site. Send X-Permitted-Cross-Domain-Policies:
master-only (or none) on the site's responses. Reported at low when the
master has no site-control either (it rests on Flash Player's default),
at info when its site-control is explicit.`},
	{InternalHost, Low, "a trusted caller that is an internal host",
		`A caller pattern names a host that only exists inside a network: a
private, loopback or link-local address (10.0.0.5, 127.0.0.1, 169.254.x.x,
fd00::1), localhost, a single-label name (intranet), or a name under
.internal, .lan, .local, .localdomain, .intranet, .corp or .home.arpa.
The policy reveals the internal name to anyone who reads it, and trusts
whatever answers at that name on each user's own network, which is not
the site's to control. Remove it from the public policy; serve internal
callers a policy of their own, inside.`},
	{UntrustedCaller, Medium, "a trusted caller outside the organisation's allowlist",
		`Reported only with an allowlist (lint and audit -trust FILE): a caller
pattern admits hosts the list does not cover whole, such as a partner no
longer on the list or a wildcard wider than the one listed. Narrow the
pattern to what the list trusts, or add the caller to the list.`},
	{PageHeader, Info, "a page served without X-Permitted-Cross-Domain-Policies",
		`Reported only when the audit fetches the site's root page (audit
-pages): the response lacks the header. Flash Player reads it from the
master policy's response alone, but scanners and secure-header guides
(OWASP's among them) expect it on every response, and sending it
everywhere is what keeps a policy file someone uploads to the site from
counting. Send X-Permitted-Cross-Domain-Policies: master-only (none on a
site that serves no policy file) on every response.`},
	{UnregisteredDomain, High, "a trusted caller under a domain anyone can register",
		`Reported only when the audit looks the domains up (audit
-registrations, which sends DNS queries): the registrable domain of a
trusted caller (its public suffix and one label more) does not exist
(NXDOMAIN). Whoever registers it, for the price of a domain, is trusted
as the policy's caller: a partner's lapsed domain, a typo. Remove the
caller, or register the domain yourself.`},
}

// DocFor returns the documentation of a finding code.
func DocFor(code string) (Doc, bool) {
	for _, d := range Docs {
		if d.Code == code {
			return d, true
		}
	}
	return Doc{}, false
}

// Trusted returns the findings about one trusted caller pattern whose host
// part is host (lower-cased, without scheme or port; it may start with
// "*."): outside the allowlist trust, when there is one (see
// Allowlist.Outside), a wildcard (see Wildcard) and an internal host (see
// Internal).
// pattern is the value as written, for the messages. The format packages'
// Lint call it for every caller pattern.
func Trusted(pattern, host string, trust *Allowlist) []Finding {
	var out []Finding
	if f, ok := trust.Outside(pattern, host); ok {
		out = append(out, f)
	}
	if f, ok := Wildcard(pattern, host); ok {
		out = append(out, f)
	}
	if f, ok := Internal(pattern, host); ok {
		out = append(out, f)
	}
	return out
}

// internalSuffixes are the names reserved or customary for hosts inside a
// network (RFC 6762 .local, RFC 8375 .home.arpa, RFC 6761 .localhost, the
// ICANN-reserved .internal, and common private ones).
var internalSuffixes = []string{"internal", "lan", "local", "localdomain", "localhost", "intranet", "corp", "home.arpa"}

// Internal judges a caller pattern whose host part is host (as Trusted
// takes it): a private, loopback, link-local or unspecified address,
// localhost, a single-label name or a name under an internal suffix is
// InternalHost, saying which.
func Internal(pattern, host string) (Finding, bool) {
	h := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(host), "*."), ".")
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" || h == "*" {
		return Finding{}, false
	}
	why := ""
	if addr, err := netip.ParseAddr(h); err == nil {
		switch {
		case addr.IsLoopback():
			why = "a loopback address"
		case addr.IsPrivate():
			why = "a private address"
		case addr.IsLinkLocalUnicast():
			why = "a link-local address"
		case addr.IsUnspecified():
			why = "the unspecified address"
		}
	} else {
		switch {
		case h == "localhost":
			why = "localhost"
		case !strings.Contains(h, "."):
			why = "a single-label name, which resolves only on a local network"
		default:
			for _, s := range internalSuffixes {
				if strings.HasSuffix(h, "."+s) || h == s {
					why = "a name under ." + s + ", which exists only inside a network"
					break
				}
			}
		}
	}
	if why == "" {
		return Finding{}, false
	}
	return Finding{Code: InternalHost, Level: Low,
		Message: fmt.Sprintf("%s trusts an internal host (%s): the policy reveals it, and trusts whatever answers there on each user's network", match.Quote(pattern), why)}, true
}

// Wildcard judges a caller pattern whose host part is host: a
// wildcard over a public suffix ("*.co.uk") is SuffixWildcard, any
// other "*.domain" WideWildcard; other hosts yield no finding.
// pattern is the value as written, for the message.
func Wildcard(pattern, host string) (Finding, bool) {
	suffix, ok := strings.CutPrefix(strings.ToLower(host), "*.")
	if !ok || suffix == "" {
		return Finding{}, false
	}
	if ps, _ := publicsuffix.PublicSuffix(suffix); ps == suffix {
		return Finding{Code: SuffixWildcard, Level: High,
			Message: fmt.Sprintf("%s trusts every site registered under the public suffix %s", match.Quote(pattern), suffix)}, true
	}
	return Finding{Code: WideWildcard, Level: Low,
		Message: fmt.Sprintf("%s trusts every host under %s", match.Quote(pattern), suffix)}, true
}

// HelpURL returns the address of the documentation of a finding code: its
// entry in this package's documentation, which says what the code means
// and what to do about it.
func HelpURL(code string) string {
	return "https://pkg.go.dev/github.com/xdpolicy/xdpolicy/finding#Docs"
}
