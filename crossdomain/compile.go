package crossdomain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xdpolicy/xdpolicy/match"
)

// ParseDomain compiles a domain attribute as Flash Player matched it:
//
//   - "*": every caller, local files (no host) included;
//   - "www.example.com": that host only ("example.com" does not admit
//     "www.example.com"); case-insensitive; international names compared
//     in their ASCII form;
//   - "*.example.com": example.com and every host under it, at a label
//     boundary;
//   - an IP address: only a caller loaded by that literal address (no DNS);
//   - "http://*.example.com" (spec v2.0, for Acrobat): any of the above,
//     also requiring the caller's scheme (and port, when one is written).
//
// Any other wildcard ("www.*.com", "*example.com", "*.216.0.40"), an empty
// value, or a value with a path or user information never matches; the
// error is a *match.PatternError that says why.
func ParseDomain(domain string) (match.Caller, error) {
	c := match.Caller{Text: domain}
	never := func(format string, args ...any) (match.Caller, error) {
		return match.Caller{}, &match.PatternError{Pattern: domain, Reason: fmt.Sprintf(format, args...)}
	}
	host := domain
	if scheme, rest, ok := strings.Cut(domain, "://"); ok {
		scheme = strings.ToLower(scheme)
		if scheme != "http" && scheme != "https" {
			return never("scheme %s is not a caller's scheme", match.Quote(scheme))
		}
		c.Scheme = scheme
		rest = strings.TrimSuffix(rest, "/")
		if strings.ContainsAny(rest, "/?#@") {
			return never("a path, query or user information never matches a caller")
		}
		host = rest
		if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
			n, err := strconv.Atoi(rest[i+1:])
			if err != nil || n < 1 || n > 65535 {
				return never("port %s is not in 1-65535", match.Quote(rest[i+1:]))
			}
			host, c.Port = rest[:i], n
		}
	}
	hp, err := match.ParseHostPattern(host, match.WildcardWithApex)
	if err != nil {
		var pe *match.PatternError
		if errors.As(err, &pe) {
			return never("%s", pe.Reason)
		}
		return never("%v", err)
	}
	c.Host = hp
	return c, nil
}

// CompileOptions say where a policy file came from, which decides what
// Flash Player made of it.
type CompileOptions struct {
	// Source names the file in reasons; when empty, Location does.
	Source string
	// Location is where the file was found: its http(s):// URL, or
	// xmlsocket://host:port for a socket policy. It sets the kind of the
	// file (see KindOf) and what it governs: a master its scheme, host and
	// port; a non-master its directory and below; a socket policy the
	// sockets of its host, within the 1024 rule.
	//
	// The zero Location means the master of whatever target is asked
	// about, as when one file is checked alone: an HTTP master, or with
	// Kind SocketMaster the policy served on port 843 of the target host.
	Location match.Target
	// Kind is used when Location is zero.
	Kind Kind
	// PermittedCrossDomainPolicies is the X-Permitted-Cross-Domain-Policies
	// header of the response that carried the file, if any.
	PermittedCrossDomainPolicies string
}

// neverSent are the request headers Flash Player never sends, whatever a
// policy says.
var neverSent = match.Headers(
	"Accept-Charset", "Accept-Encoding", "Accept-Ranges", "Age", "Allow", "Allowed",
	"Charge-To", "Connect", "Connection", "Content-Length", "Content-Location", "Content-Range",
	"Cookie", "Date", "Delete", "ETag", "Expect", "Get", "Head", "Host", "If-Modified-Since",
	"Keep-Alive", "Last-Modified", "Location", "Max-Forwards", "Options", "Origin", "Post",
	"Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Public", "Put", "Range",
	"Referer", "Request-Range", "Retry-After", "Server", "TE", "Trace", "Trailer",
	"Transfer-Encoding", "Upgrade", "URI", "User-Agent", "Vary", "Via", "Warning",
	"WWW-Authenticate", "x-flash-version",
)

// NeverSent reports whether Flash Player refuses to send request header
// name whatever the policy says (case-insensitive, '_' read as '-').
func NeverSent(name string) bool { return neverSent.Contains(normalizeHeader(name)) }

func normalizeHeader(h string) string { return strings.ReplaceAll(h, "_", "-") }

// flashMethods are the methods Flash Player in a browser sends.
var flashMethods = match.Methods("GET", "POST")

// Compile turns the file into rules for match with Flash Player's
// semantics:
//
//   - each live <allow-access-from> is a rule admitting its domain: over
//     HTTP(S), to everything the file governs with GET and POST; in a
//     socket policy, to its to-ports, narrowed to 1024 and above when the
//     file is served from port 1024 or above;
//   - secure defaults to true in an HTTP(S) policy, where it only matters
//     for HTTPS targets, and to false in a socket policy; an invalid value
//     is the default;
//   - a request that sends headers other than Content-Type is judged by
//     the <allow-http-request-headers-from> rules: one must admit the
//     caller and list every header (with only header rules, such a
//     request is allowed; flash.json, headers-listed-header-allowed), and
//     Flash Player never sends the headers NeverSent lists;
//   - a master whose meta-policy (site-control and the
//     X-Permitted-Cross-Domain-Policies header, the stricter winning) is
//     none, and any response marked none-this-response, grants nothing.
//
// Dead entries (no domain, a domain that never matches, a malformed
// to-ports, no to-ports in a socket policy) grant nothing; Parse reports
// them. Compile the Policy Parse returned without error: a rejected file
// grants nothing.
func (p *Policy) Compile(opt CompileOptions) *match.Policy {
	kind, loc := opt.Kind, opt.Location
	if loc != (match.Target{}) {
		kind = KindOf(loc)
	}
	mp := &match.Policy{
		Source:          opt.Source,
		Runtime:         runtimeName,
		SeparateHeaders: true,
		NeverSent:       neverSent,
		NormalizeHeader: normalizeHeader,
	}
	if mp.Source == "" && loc != (match.Target{}) {
		mp.Source = loc.String()
	}
	policyPort := SocketMasterPort
	if loc != (match.Target{}) {
		if kind.Socket() {
			mp.Scope = match.Scope{Socket: true, Host: loc.Host}
			policyPort = loc.Port
		} else {
			mp.Scope = match.Scope{Scheme: loc.Scheme, Host: loc.Host, Port: loc.Port}
			if kind == NonMaster {
				path := match.RemoveDotSegments(loc.Path)
				mp.Scope.Dir = path[:strings.LastIndexByte(path, '/')+1]
			}
		}
	} else if kind == SocketPolicy {
		policyPort = 1024 // unknown: assume the stricter side of the 1024 rule
	}
	if loc.Ambiguity != "" && !kind.Socket() {
		mp.Disabled = match.AmbiguousLocation(loc)
		return mp
	}
	if why := p.disabled(kind, opt.PermittedCrossDomainPolicies); why != "" {
		mp.Disabled = why
		return mp
	}

	for i := range p.AllowAccessFrom {
		aa := &p.AllowAccessFrom[i]
		name := fmt.Sprintf("<allow-access-from domain=%s> at %s", match.Quote(aa.Domain), aa.Pos)
		c, err := ParseDomain(aa.Domain)
		if err != nil {
			mp.Ignored = append(mp.Ignored, name+", which matches nothing: "+err.Error())
			continue
		}
		c.Pos = aa.Pos
		rule := match.Rule{
			Name:    name,
			Pos:     aa.Pos,
			Callers: []match.Caller{c},
			Methods: flashMethods,
			Secure:  secure(aa.Secure, kind),
		}
		if kind.Socket() {
			ports, err := match.ParsePortList(aa.ToPorts)
			switch {
			case aa.ToPorts == "":
				mp.Ignored = append(mp.Ignored, name+", which grants nothing: a socket policy needs to-ports")
				continue
			case err != nil:
				mp.Ignored = append(mp.Ignored, name+", which grants nothing: to-ports "+err.Error())
				continue
			}
			rule.PortsText = fmt.Sprintf("to-ports=%s", match.Quote(aa.ToPorts))
			if policyPort >= 1024 {
				ports = ports.Intersect(1024, 65535)
				rule.PortsText += fmt.Sprintf(", ports 1024 and above only: the file is served from port %d", policyPort)
			}
			rule.Ports = ports
		} else {
			rule.Paths = []match.PathScope{{Path: "/", Subpaths: true, Text: "everything the file governs"}}
		}
		mp.Rules = append(mp.Rules, rule)
	}
	if !kind.Socket() {
		for i := range p.AllowHTTPRequestHeadersFrom {
			ah := &p.AllowHTTPRequestHeadersFrom[i]
			c, err := ParseDomain(ah.Domain)
			if err != nil {
				continue
			}
			c.Pos = ah.Pos
			mp.HeaderRules = append(mp.HeaderRules, match.HeaderRule{
				Name:        fmt.Sprintf("<allow-http-request-headers-from domain=%s> at %s", match.Quote(ah.Domain), ah.Pos),
				Pos:         ah.Pos,
				Callers:     []match.Caller{c},
				Methods:     flashMethods,
				Headers:     match.ParseHeaderList(ah.Headers),
				HeadersText: ah.Headers,
				Secure:      secure(ah.Secure, kind),
			})
		}
	}
	return mp
}

// secure returns the effective secure attribute for a file of kind k.
func secure(v string, k Kind) bool {
	if k.Socket() {
		return v == "true"
	}
	return v != "false"
}

// disabled says why the file grants nothing under its meta-policy, or "".
func (p *Policy) disabled(kind Kind, header string) string {
	hm, herr := ParseMetaPolicyHeader(header)
	switch {
	case hm == PermitNoneThisResponse:
		return "the response's X-Permitted-Cross-Domain-Policies header is none-this-response"
	case hm == PermitNone && herr != nil:
		return fmt.Sprintf("the response's X-Permitted-Cross-Domain-Policies header %s is not a meta-policy Flash Player knows, so it counts as none", match.Quote(header))
	case hm == PermitNone:
		return "the response's X-Permitted-Cross-Domain-Policies header is none"
	}
	if !kind.IsMaster() {
		return ""
	}
	if sm, from := p.MetaPolicy(); sm == PermitNone {
		return fmt.Sprintf("its <site-control permitted-cross-domain-policies=%s> at %s makes the meta-policy none, which disables every policy file of the site, this one included", match.Quote(from.PermittedCrossDomainPolicies), from.Pos)
	}
	return ""
}
