package clientaccess

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/xdpolicy/xdpolicy/match"
)

// CompileOptions say where a policy file came from.
type CompileOptions struct {
	// Source names the file in reasons; when empty, Location does.
	Source string
	// Location is where the file was found, which sets what it governs:
	// http(s)://host[:port]/clientaccesspolicy.xml (or crossdomain.xml)
	// that scheme, host and port; tcp://host:943 the sockets of that
	// host. The zero Location means the site of whatever target is asked
	// about, as when one file is checked alone.
	Location match.Target
	// PermittedCrossDomainPolicies is the X-Permitted-Cross-Domain-Policies
	// header the crossdomain.xml response carried, if any. Only
	// CompileCrossDomain uses it.
	PermittedCrossDomainPolicies string
}

func (opt CompileOptions) source() string {
	if opt.Source == "" && opt.Location != (match.Target{}) {
		return opt.Location.String()
	}
	return opt.Source
}

// scope is what a file found at opt.Location governs.
func (opt CompileOptions) scope() match.Scope {
	loc := opt.Location
	switch {
	case loc == match.Target{}:
		return match.Scope{}
	case loc.IsSocket():
		return match.Scope{Socket: true, Host: loc.Host}
	}
	return match.Scope{Scheme: loc.Scheme, Host: loc.Host, Port: loc.Port}
}

// socketPorts is the only range Silverlight opens sockets to.
var socketPorts = match.Ports(match.PortRange{Lo: MinSocketPort, Hi: MaxSocketPort})

// Compile turns the policy into rules for match, with Silverlight's
// semantics: every <allow-from> of a <policy> becomes one
// rule that admits its domains, GET and POST plus its http-methods, its
// http-request-headers plus Content-Type, and grants every resource and
// TCP socket range of the policy's <grant-to> elements. The path-character
// rule applies to every rule unless the whole file is exactly one policy
// with one grant-to holding one <resource path="/" include-subpaths="true"/>.
// Resources are matched on the path the server will serve (package match,
// "At the boundary"): a path whose meaning depends on the server's own
// decoding ("%5c", "%2f", "%25", an overlong UTF-8 escape) is granted only
// by path="/" with its subpaths, even in the one file the path-character
// rule spares.
//
// Domain URIs that can never match are left out (Parse reports them).
// Compile the Policy Parse returned without error; a rejected file grants
// nothing.
func (p *Policy) Compile(opt CompileOptions) *match.Policy {
	mp := &match.Policy{
		Source:      opt.source(),
		Runtime:     runtimeName,
		Scope:       opt.scope(),
		SocketPorts: socketPorts,
	}
	pathChars := !p.opensEverything()
	for _, cda := range p.CrossDomainAccess {
		for _, rule := range cda.Policies {
			var paths []match.PathScope
			var ports []match.PortRange
			var portTexts []string
			for _, g := range rule.GrantTo {
				for _, res := range g.Resources {
					paths = append(paths, match.PathScope{
						Path:     res.Path,
						Subpaths: res.IncludeSubpaths,
						Text:     resourceText(res),
						Pos:      res.Pos,
					})
				}
				for _, sr := range g.SocketResources {
					ports = append(ports, sr.Port)
					portTexts = append(portTexts, fmt.Sprintf("<socket-resource port=%q> (%s)", sr.Port.String(), sr.Pos))
				}
			}
			for i, af := range rule.AllowFrom {
				name := fmt.Sprintf("<policy> at %s", rule.Pos)
				if len(rule.AllowFrom) > 1 {
					name = fmt.Sprintf("<policy> at %s (<allow-from> #%d at %s)", rule.Pos, i+1, af.Pos)
				}
				mr := match.Rule{
					Name:      name,
					Pos:       rule.Pos,
					Methods:   methods(af.HTTPMethods),
					Headers:   match.ParseHeaderList(af.HTTPRequestHeaders),
					Paths:     paths,
					Ports:     match.Ports(ports...),
					PortsText: strings.Join(portTexts, ", "),
					PathChars: pathChars,
				}
				for _, d := range af.Domains {
					c, err := ParseDomainURI(d.URI)
					if err != nil {
						continue
					}
					c.Pos = d.Pos
					mr.Callers = append(mr.Callers, c)
				}
				mp.Rules = append(mp.Rules, mr)
			}
		}
	}
	return mp
}

func resourceText(r Resource) string {
	if r.IncludeSubpaths {
		return fmt.Sprintf("<resource path=%s include-subpaths=\"true\">", match.Quote(r.Path))
	}
	return fmt.Sprintf("<resource path=%s>", match.Quote(r.Path))
}

// methods returns GET and POST, which Silverlight always allows, plus the
// methods of an http-methods value ("*" for all). This package decides that
// a comma-separated list allows the methods it names.
func methods(httpMethods string) match.MethodSet {
	m := match.Methods("GET", "POST")
	for _, item := range strings.Split(httpMethods, ",") {
		m = m.With(item)
	}
	return m
}

// opensEverything reports the single exception to the path-character rule
// of Silverlight: the file is exactly one policy with one grant-to holding
// one <resource path="/" include-subpaths="true"/> and nothing else.
func (p *Policy) opensEverything() bool {
	var only *Rule
	for i := range p.CrossDomainAccess {
		for j := range p.CrossDomainAccess[i].Policies {
			if only != nil {
				return false
			}
			only = &p.CrossDomainAccess[i].Policies[j]
		}
	}
	if only == nil || len(only.GrantTo) != 1 {
		return false
	}
	g := only.GrantTo[0]
	return len(g.SocketResources) == 0 && len(g.Resources) == 1 &&
		g.Resources[0].Path == "/" && g.Resources[0].IncludeSubpaths
}

// ParseDomainURI compiles a <domain uri="…"> value as Silverlight did:
//
//   - "*": every caller, of any scheme, local files included;
//   - "http://*", "https://*": every caller of that scheme on its
//     default port;
//   - "file:///": callers loaded from file:;
//   - "scheme://host[:port][/]": callers whose scheme, host and port
//     (default ports filled in) are exactly these; "*.example.com" as the
//     host also admits example.com and every host under it, at a label
//     boundary (this package decides against Moonlight's plain suffix
//     test, which let evilexample.com in: a bug, not Silverlight);
//   - "scheme://host[:port]/path/app.xap": only that exact XAP.
//
// A bare host without a scheme, another scheme, a wildcard anywhere else, a
// query or fragment, or user information never matches; Silverlight denied
// these and so does this function, with an error saying why.
func ParseDomainURI(uri string) (match.Caller, error) {
	c := match.Caller{Text: uri}
	never := func(format string, args ...any) (match.Caller, error) {
		return match.Caller{}, &match.PatternError{Pattern: uri, Reason: fmt.Sprintf(format, args...)}
	}
	switch uri {
	case "*":
		c.Host = match.AnyHost
		return c, nil
	case "file:///":
		c.Scheme, c.Host = "file", match.AnyHost
		return c, nil
	case "":
		return never("it is empty")
	}
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return never("a domain without a scheme never matches; write http://%s or https://%s", uri, uri)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		if scheme == "file" {
			return never(`local files are admitted by "file:///" exactly`)
		}
		return never("scheme %s is not a caller's scheme", match.Quote(scheme))
	}
	c.Scheme = scheme
	if rest == "*" {
		c.Host, c.Port = match.AnyHost, match.DefaultPort(scheme)
		return c, nil
	}
	if strings.ContainsAny(rest, "?#") {
		return never("a query or fragment never matches a caller")
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if strings.Contains(authority, "@") {
		return never("user information never matches a caller")
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
		host, port = authority[:i], authority[i+1:]
	}
	if host == "*" {
		return never(`only "http://*" and "https://*" admit every host of a scheme, without a port or path`)
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
	c.Port = match.DefaultPort(scheme)
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return never("port %s is not in 1-65535", match.Quote(port))
		}
		c.Port = n
	}
	if path != "" && path != "/" {
		unescaped, err := url.PathUnescape(path)
		if err != nil {
			return never("path %s: %v", match.Quote(path), err)
		}
		c.Path = unescaped
	}
	return c, nil
}
