package crossdomain

import (
	"strings"

	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
)

// Parser reads crossdomain.xml and socket policy files. The zero Parser
// is Flash Player's reading of a master policy with the default limits.
type Parser struct {
	// Strict selects the strict reading: every deviation from the
	// published format is an error. Otherwise the reading is Flash
	// Player's.
	Strict bool
	// Kind is what the file is to Flash Player (default Master). Socket
	// kinds accept a NUL at the end of the file and need to-ports; HTTP
	// kinds ignore to-ports; only masters honour site-control.
	Kind Kind
	// MaxBytes bounds the file size (default 1 MiB); MaxDepth bounds
	// element nesting (default 32). A file over either is rejected.
	MaxBytes, MaxDepth int
}

// Parse is Flash Player's reading of a master crossdomain.xml
// (see the package doc): Parser{}.Parse.
//
// When Flash Player would reject the file whole, the error is a
// *match.Diagnostic with the position of the first reason. Otherwise the
// Policy holds the file, and the diagnostics list, as warnings, everything
// Flash Player ignores: unknown elements and attributes, dead entries,
// invalid secure values, unknown site-control values. The diagnostics are
// returned in either case.
func Parse(b []byte) (*Policy, []match.Diagnostic, error) { return Parser{}.Parse(b) }

// ParseStrict is the strict reading of a master policy:
// Parser{Strict: true}.Parse. Every deviation from the published format
// (DTD order, one site-control, valid attribute values) is an error
// diagnostic, and the error is the first of them.
func ParseStrict(b []byte) (*Policy, []match.Diagnostic, error) {
	return Parser{Strict: true}.Parse(b)
}

// ParseSocket is Flash Player's reading of the socket policy served on
// port 843, NUL terminator included: Parser{Kind: SocketMaster}.Parse.
func ParseSocket(b []byte) (*Policy, []match.Diagnostic, error) {
	return Parser{Kind: SocketMaster}.Parse(b)
}

// Parse reads b. The Policy is nil only when b is not well-formed XML or
// breaks a limit; a Policy returned with an error grants nothing and is
// returned for inspection only.
func (p Parser) Parse(b []byte) (*Policy, []match.Diagnostic, error) {
	r := &reader{Reporter: reading.Reporter{Strict: p.Strict}, kind: p.Kind}
	doc := r.Document(b, xmldoc.Options{
		MaxBytes: p.MaxBytes, MaxDepth: p.MaxDepth,
		LeadingSpace: true, StopAtNUL: p.Kind.Socket(),
	})
	if doc == nil {
		diags, err := r.Finish()
		return nil, diags, err
	}
	r.Prolog(doc, runtime)
	pol := r.root(doc)
	doc.Release() // the model holds nothing of the tree
	diags, err := r.Finish()
	return pol, diags, err
}

const runtime = "Flash Player"

type reader struct {
	reading.Reporter
	kind Kind
}

// element names of the format, in the DTD's order.
var order = map[string]int{
	"site-control":                    0,
	"allow-access-from":               1,
	"allow-http-request-headers-from": 2,
	"allow-access-from-identity":      3,
}

func (r *reader) root(doc *xmldoc.Document) *Policy {
	root := doc.Root
	pol := &Policy{Pos: match.Pos(root.Pos), Doctype: doc.Doctype != nil}
	if root.Local != "cross-domain-policy" || root.Prefix != "" {
		r.Reject(root.Pos, reading.CodeRoot, "root element is <%s>, not <cross-domain-policy>; %s rejects the file", root.QName(), runtime)
		return pol
	}
	if root.Space != "" {
		r.Ignore(root.Pos, reading.CodeNamespace, "<cross-domain-policy> is in namespace %q, which the format does not have; %s ignores it", root.Space, runtime)
	}
	for _, a := range root.Attrs {
		switch {
		case a.Prefix == "xmlns" && a.Local == "xsi":
			pol.SchemaInstance = a.Value
		case a.Prefix == "xsi" && a.Local == "noNamespaceSchemaLocation":
			pol.NoNamespaceSchemaLocation = a.Value
		case a.IsNamespaceDecl():
		default:
			r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <cross-domain-policy> is not part of the format; %s ignores it", a.QName(), runtime)
		}
	}
	r.Text(root, runtime)
	if n := root.Count("allow-access-from"); n > 0 {
		pol.AllowAccessFrom = make([]AllowAccessFrom, 0, n)
	}
	last := -1
	for _, c := range root.Children {
		rank, known := order[c.Local]
		if !known || c.Prefix != "" {
			r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> is not an element of the format; %s ignores it%s", c.QName(), runtime,
				reading.Suggest(c.Local, "site-control", "allow-access-from", "allow-http-request-headers-from", "allow-access-from-identity"))
			continue
		}
		if rank < last {
			r.Deviation(c.Pos, reading.CodeUnknownElem, "<%s> comes after an element the format puts after it (site-control, allow-access-from, allow-http-request-headers-from, allow-access-from-identity)", c.Local)
		}
		last = max(last, rank)
		switch c.Local {
		case "site-control":
			pol.SiteControl = append(pol.SiteControl, r.siteControl(c, len(pol.SiteControl)))
		case "allow-access-from":
			pol.AllowAccessFrom = append(pol.AllowAccessFrom, r.allowAccessFrom(c))
		case "allow-http-request-headers-from":
			pol.AllowHTTPRequestHeadersFrom = append(pol.AllowHTTPRequestHeadersFrom, r.allowHeaders(c))
		case "allow-access-from-identity":
			pol.AllowAccessFromIdentity = append(pol.AllowAccessFromIdentity, r.identity(c))
		}
	}
	switch {
	case len(pol.AllowAccessFrom) > 0:
	case len(pol.AllowHTTPRequestHeadersFrom) > 0 && !r.kind.Socket():
		r.Note(root.Pos, reading.CodeEmpty, "no <allow-access-from>: the file grants no access; only its header rules can admit a request, and only one that sends custom headers")
	default:
		r.Note(root.Pos, reading.CodeEmpty, "no <allow-access-from>: the file grants nothing")
	}
	return pol
}

// attrs walks e's attributes, handing known ones to set and reporting the
// rest as ignored.
func (r *reader) attrs(e *xmldoc.Element, set func(a *xmldoc.Attr) bool, known ...string) {
	for i := range e.Attrs {
		a := &e.Attrs[i]
		if a.Prefix == "" && set(a) {
			continue
		}
		if a.IsNamespaceDecl() {
			continue
		}
		r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <%s> is not part of the format; %s ignores it%s", a.QName(), e.Local, runtime, reading.Suggest(a.Local, known...))
	}
}

// empty reports content inside an element the format leaves empty.
func (r *reader) empty(e *xmldoc.Element) {
	for _, c := range e.Children {
		r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> inside <%s> is not part of the format; %s ignores it", c.QName(), e.Local, runtime)
	}
	r.Text(e, runtime)
}

func (r *reader) siteControl(e *xmldoc.Element, before int) SiteControl {
	sc := SiteControl{Pos: match.Pos(e.Pos)}
	has := false
	r.attrs(e, func(a *xmldoc.Attr) bool {
		if a.Local == "permitted-cross-domain-policies" {
			sc.PermittedCrossDomainPolicies, has = a.Value, true
			return true
		}
		return false
	}, "permitted-cross-domain-policies")
	r.empty(e)
	switch {
	case !r.kind.IsMaster():
		r.Ignore(e.Pos, reading.CodeUnknownElem, "<site-control> in a %s is ignored: only the master policy sets the meta-policy", r.kind)
	case !has:
		r.Ignore(e.Pos, reading.CodeMissingAttr, "<site-control> has no permitted-cross-domain-policies; %s reads it as none, which disables every policy file of the site, this one included", runtime)
	default:
		if _, err := ParseMetaPolicy(sc.PermittedCrossDomainPolicies); err != nil {
			r.Ignore(e.Pos, reading.CodeInvalidValue, "site-control permitted-cross-domain-policies=%q is not none, master-only, by-content-type, by-ftp-filename or all; %s reads it as none, which disables every policy file of the site, this one included", sc.PermittedCrossDomainPolicies, runtime)
		} else if v := sc.PermittedCrossDomainPolicies; r.kind.Socket() && (v == "by-content-type" || v == "by-ftp-filename") {
			r.Ignore(e.Pos, reading.CodeInvalidValue, "site-control %s means nothing for sockets; a socket policy takes none, master-only or all, and %s reads it as master-only", v, runtime)
		}
	}
	if before > 0 {
		r.Ignore(e.Pos, reading.CodeUnknownElem, "a second <site-control>: the format has one; %s applies the most restrictive", runtime)
	}
	return sc
}

func (r *reader) allowAccessFrom(e *xmldoc.Element) AllowAccessFrom {
	aa := AllowAccessFrom{Pos: match.Pos(e.Pos)}
	var domain, ports, secure *xmldoc.Attr
	r.attrs(e, func(a *xmldoc.Attr) bool {
		switch a.Local {
		case "domain":
			aa.Domain, domain = a.Value, a
		case "to-ports":
			aa.ToPorts, ports = a.Value, a
		case "secure":
			aa.Secure, secure = a.Value, a
		default:
			return false
		}
		return true
	}, "domain", "to-ports", "secure")
	r.empty(e)
	r.domain(e, domain)
	if secure != nil {
		r.secure(*secure)
	}
	switch {
	case r.kind.Socket() && ports == nil:
		r.Ignore(e.Pos, reading.CodeMissingAttr, "<allow-access-from> has no to-ports: in a socket policy it grants nothing")
	case r.kind.Socket():
		if _, err := match.ParsePortList(ports.Value); err != nil {
			r.Ignore(ports.Pos, reading.CodeInvalidValue, "to-ports=%q: %v; %s ignores the whole entry", ports.Value, unwrapPortError(err), runtime)
		}
	case ports != nil:
		r.Ignore(ports.Pos, reading.CodeUnknownAttr, "to-ports is ignored in an HTTP policy; it only means something in a socket policy")
	}
	return aa
}

func unwrapPortError(err error) string {
	return strings.TrimPrefix(err.Error(), "match: ")
}

func (r *reader) domain(e *xmldoc.Element, domain *xmldoc.Attr) {
	switch {
	case domain == nil:
		r.Ignore(e.Pos, reading.CodeMissingAttr, "<%s> has no domain, so it admits no caller", e.Local)
	default:
		if _, err := ParseDomain(domain.Value); err != nil {
			r.Ignore(domain.Pos, reading.CodeNeverMatches, "domain %v", err)
		}
	}
}

func (r *reader) secure(a xmldoc.Attr) {
	if a.Value != "true" && a.Value != "false" {
		def := "true"
		if r.kind.Socket() {
			def = "false"
		}
		r.Ignore(a.Pos, reading.CodeInvalidValue, "secure=%q is not true or false; %s uses the default of a %s, %s", a.Value, runtime, r.kind, def)
	}
}

func (r *reader) allowHeaders(e *xmldoc.Element) AllowHTTPRequestHeadersFrom {
	ah := AllowHTTPRequestHeadersFrom{Pos: match.Pos(e.Pos)}
	var domain, headers, secure *xmldoc.Attr
	r.attrs(e, func(a *xmldoc.Attr) bool {
		switch a.Local {
		case "domain":
			ah.Domain, domain = a.Value, a
		case "headers":
			ah.Headers, headers = a.Value, a
		case "secure":
			ah.Secure, secure = a.Value, a
		default:
			return false
		}
		return true
	}, "domain", "headers", "secure")
	r.empty(e)
	if r.kind.Socket() {
		r.Ignore(e.Pos, reading.CodeUnknownElem, "<allow-http-request-headers-from> means nothing in a socket policy; %s ignores it", runtime)
		return ah
	}
	r.domain(e, domain)
	switch {
	case headers == nil:
		r.Ignore(e.Pos, reading.CodeMissingAttr, "<allow-http-request-headers-from> has no headers, so it grants none")
	case match.ParseHeaderList(headers.Value).Empty():
		r.Ignore(headers.Pos, reading.CodeInvalidValue, "headers=%q names no header", headers.Value)
	}
	if secure != nil {
		r.secure(*secure)
	}
	return ah
}

func (r *reader) identity(e *xmldoc.Element) AllowAccessFromIdentity {
	id := AllowAccessFromIdentity{Pos: match.Pos(e.Pos)}
	r.Note(e.Pos, reading.CodeUnknownElem, "<allow-access-from-identity> is for Acrobat; %s ignores it", runtime)
	r.attrs(e, func(*xmldoc.Attr) bool { return false })
	r.Text(e, runtime)
	for _, s := range e.Children {
		if s.Local != "signatory" || s.Prefix != "" {
			r.Ignore(s.Pos, reading.CodeUnknownElem, "<%s> inside <allow-access-from-identity> is not part of the format", s.QName())
			continue
		}
		sig := Signatory{Pos: match.Pos(s.Pos)}
		r.attrs(s, func(*xmldoc.Attr) bool { return false })
		r.Text(s, runtime)
		for _, c := range s.Children {
			if c.Local != "certificate" || c.Prefix != "" {
				r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> inside <signatory> is not part of the format", c.QName())
				continue
			}
			cert := Certificate{Pos: match.Pos(c.Pos)}
			r.attrs(c, func(a *xmldoc.Attr) bool {
				switch a.Local {
				case "fingerprint":
					cert.Fingerprint = a.Value
				case "fingerprint-algorithm":
					cert.FingerprintAlgorithm = a.Value
				default:
					return false
				}
				return true
			}, "fingerprint", "fingerprint-algorithm")
			r.empty(c)
			if cert.Fingerprint == "" || cert.FingerprintAlgorithm == "" {
				r.Deviation(c.Pos, reading.CodeMissingAttr, "<certificate> needs fingerprint and fingerprint-algorithm")
			}
			sig.Certificates = append(sig.Certificates, cert)
		}
		id.Signatories = append(id.Signatories, sig)
	}
	return id
}
