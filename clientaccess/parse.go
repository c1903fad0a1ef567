package clientaccess

import (
	"strings"

	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
)

// Parser reads clientaccesspolicy.xml files. The zero Parser is the
// runtime reading with the default limits.
type Parser struct {
	// Strict selects the strict reading: every deviation from the
	// published format is an error. Otherwise the reading is Silverlight's.
	Strict bool
	// MaxBytes bounds the file size (default 1 MiB); MaxDepth bounds
	// element nesting (default 32). A file over either is rejected.
	MaxBytes, MaxDepth int
}

// Parse is Silverlight's reading of a clientaccesspolicy.xml file
// (see the package doc): Parser{}.Parse.
//
// When Silverlight would reject the file whole (and fall back to
// crossdomain.xml), the error is a *match.Diagnostic with the position of
// the first reason. Otherwise the Policy holds what Silverlight kept, and
// the diagnostics list, as warnings, every piece it dropped and every thing
// it ignored. The diagnostics are returned in either case.
func Parse(b []byte) (*Policy, []match.Diagnostic, error) { return Parser{}.Parse(b) }

// ParseStrict is the strict reading: Parser{Strict: true}.Parse. Every
// deviation from the published format is an error diagnostic, and the
// error is the first of them. The Policy is the one Parse would return.
func ParseStrict(b []byte) (*Policy, []match.Diagnostic, error) {
	return Parser{Strict: true}.Parse(b)
}

// Parse reads b. The Policy is nil only when b is not well-formed XML or
// breaks a limit; a Policy returned with an error grants nothing to
// Silverlight and is returned for inspection only.
func (p Parser) Parse(b []byte) (*Policy, []match.Diagnostic, error) {
	r := &reader{Reporter: reading.Reporter{Strict: p.Strict}}
	doc := r.Document(b, xmldoc.Options{MaxBytes: p.MaxBytes, MaxDepth: p.MaxDepth, LeadingSpace: true})
	if doc == nil {
		diags, err := r.Finish()
		return nil, diags, err
	}
	r.prolog(doc)
	pol := r.accessPolicy(doc.Root)
	doc.Release() // the model holds nothing of the tree
	diags, err := r.Finish()
	return pol, diags, err
}

const runtime = "Silverlight"

type reader struct {
	reading.Reporter
}

// prolog reports what comes before the root.
func (r *reader) prolog(doc *xmldoc.Document) {
	r.Prolog(doc, runtime)
	if doc.Doctype != nil {
		r.Ignore(doc.Doctype.Pos, reading.CodeProlog, "the DOCTYPE is not part of the format; Silverlight ignores it")
	}
}

// structural reports whether e has one of the format's element names.
func structural(local string) bool {
	switch local {
	case "access-policy", "cross-domain-access", "policy", "allow-from", "domain", "grant-to", "resource", "socket-resource":
		return true
	}
	return false
}

// namespaced rejects a structural element written with a prefix or in a
// namespace, and reports whether it did.
func (r *reader) namespaced(e *xmldoc.Element) bool {
	if e.Prefix == "" && e.Space == "" {
		return false
	}
	if e.Prefix != "" {
		r.Reject(e.Pos, reading.CodeNamespace, "<%s> has a namespace prefix; Silverlight rejects the file", e.QName())
	} else {
		r.Reject(e.Pos, reading.CodeNamespace, "<%s> is in namespace %q; Silverlight rejects the file", e.QName(), e.Space)
	}
	return true
}

// name returns the local name of a child element when it is one of the
// format's elements written plainly, "" when it is a format element written
// with a prefix or namespace (which rejects the file), and "?" otherwise.
func (r *reader) name(e *xmldoc.Element) string {
	if !structural(e.Local) {
		return "?"
	}
	if r.namespaced(e) {
		return ""
	}
	return e.Local
}

func (r *reader) accessPolicy(root *xmldoc.Element) *Policy {
	pol := &Policy{Pos: match.Pos(root.Pos)}
	if root.Local != "access-policy" {
		r.Reject(root.Pos, reading.CodeRoot, "root element is <%s>, not <access-policy>; Silverlight rejects the file", root.QName())
		return pol
	}
	if r.namespaced(root) {
		return pol
	}
	for _, a := range root.Attrs {
		r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <access-policy> is not part of the format; Silverlight ignores it", a.QName())
	}
	if len(root.Children) == 0 {
		r.Reject(root.Pos, reading.CodeRoot, "<access-policy> is empty; Silverlight rejects the file")
		return pol
	}
	r.Text(root, runtime)
	for _, c := range root.Children {
		switch r.name(c) {
		case "cross-domain-access":
			pol.CrossDomainAccess = append(pol.CrossDomainAccess, r.crossDomainAccess(c))
		case "":
		default:
			r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> is not allowed in <access-policy>; Silverlight ignores it%s", c.QName(), reading.Suggest(c.Local, "cross-domain-access"))
		}
	}
	if len(pol.CrossDomainAccess) == 0 && !r.Rejected() {
		r.Ignore(root.Pos, reading.CodeEmpty, "<access-policy> has no <cross-domain-access>; the file grants nothing")
	}
	return pol
}

func (r *reader) crossDomainAccess(e *xmldoc.Element) CrossDomainAccess {
	cda := CrossDomainAccess{Pos: match.Pos(e.Pos)}
	for _, a := range e.Attrs {
		r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <cross-domain-access> is not part of the format; Silverlight ignores it", a.QName())
	}
	r.Text(e, runtime)
	for _, c := range e.Children {
		switch r.name(c) {
		case "policy":
			if rule, ok := r.policy(c); ok {
				cda.Policies = append(cda.Policies, rule)
			}
		case "":
		default:
			r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> is not allowed in <cross-domain-access>; Silverlight ignores it%s", c.QName(), reading.Suggest(c.Local, "policy"))
		}
	}
	if len(e.Children) == 0 {
		r.Ignore(e.Pos, reading.CodeEmpty, "<cross-domain-access> has no <policy>")
	}
	return cda
}

// policy reads <policy>; ok is false when Silverlight drops it.
func (r *reader) policy(e *xmldoc.Element) (Rule, bool) {
	rule := Rule{Pos: match.Pos(e.Pos)}
	ok := true
	for _, a := range e.Attrs {
		r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <policy>: Silverlight drops this policy", a.QName())
		ok = false
	}
	r.Text(e, runtime)
	for _, c := range e.Children {
		switch r.name(c) {
		case "allow-from":
			if af, kept := r.allowFrom(c); kept {
				rule.AllowFrom = append(rule.AllowFrom, af)
			}
		case "grant-to":
			if gt, kept := r.grantTo(c); kept {
				rule.GrantTo = append(rule.GrantTo, gt)
			}
		case "":
		default:
			r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> is not allowed in <policy>: Silverlight drops this policy%s", c.QName(), reading.Suggest(c.Local, "allow-from", "grant-to"))
			ok = false
		}
	}
	if !ok {
		return rule, false
	}
	allowFroms, grantTos := countChildren(e, "allow-from"), countChildren(e, "grant-to")
	switch {
	case allowFroms == 0:
		r.Ignore(e.Pos, reading.CodeEmpty, "<policy> has no <allow-from>, so it admits no caller")
	case allowFroms > 1:
		r.Deviation(e.Pos, reading.CodeEmpty, "<policy> has %d <allow-from> elements; the format has one", allowFroms)
	}
	switch {
	case grantTos == 0:
		r.Ignore(e.Pos, reading.CodeEmpty, "<policy> has no <grant-to>, so it grants nothing")
	case grantTos > 1:
		r.Deviation(e.Pos, reading.CodeEmpty, "<policy> has %d <grant-to> elements; the format has one", grantTos)
	}
	return rule, true
}

func countChildren(e *xmldoc.Element, local string) int {
	n := 0
	for _, c := range e.Children {
		if c.Local == local && c.Prefix == "" && c.Space == "" {
			n++
		}
	}
	return n
}

// allowFrom reads <allow-from>; kept is false when Silverlight drops it.
func (r *reader) allowFrom(e *xmldoc.Element) (AllowFrom, bool) {
	af := AllowFrom{Pos: match.Pos(e.Pos)}
	kept := true
	for _, a := range e.Attrs {
		switch {
		case a.Prefix == "" && a.Local == "http-request-headers":
			af.HTTPRequestHeaders = a.Value
		case a.Prefix == "" && a.Local == "http-methods":
			af.HTTPMethods = a.Value
		default:
			r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <allow-from>: Silverlight drops this allow-from%s", a.QName(), reading.Suggest(a.Local, "http-request-headers", "http-methods"))
			kept = false
		}
	}
	r.Text(e, runtime)
	if n := e.Count("domain"); n > 0 {
		af.Domains = make([]Domain, 0, n)
	}
	for _, c := range e.Children {
		switch r.name(c) {
		case "domain":
			af.Domains = append(af.Domains, r.domain(c))
		case "":
		default:
			r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> is not allowed in <allow-from>: Silverlight drops this allow-from%s", c.QName(), reading.Suggest(c.Local, "domain"))
			kept = false
		}
	}
	if kept && len(af.Domains) == 0 {
		r.Ignore(e.Pos, reading.CodeEmpty, "<allow-from> has no <domain>, so it admits no caller")
	}
	if kept {
		for _, d := range af.Domains {
			if _, err := ParseDomainURI(d.URI); err != nil && d.URI != "" {
				r.Ignore(xmldoc.Pos(d.Pos), reading.CodeNeverMatches, "domain uri %s", err.Error())
			}
		}
	}
	return af, kept
}

func (r *reader) domain(e *xmldoc.Element) Domain {
	d := Domain{Pos: match.Pos(e.Pos)}
	uri := false
	for _, a := range e.Attrs {
		if a.Prefix == "" && a.Local == "uri" {
			d.URI, uri = a.Value, true
			continue
		}
		r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <domain> is not part of the format; Silverlight ignores it%s", a.QName(), reading.Suggest(a.Local, "uri"))
	}
	if !uri {
		r.Ignore(e.Pos, reading.CodeMissingAttr, "<domain> has no uri attribute, so it admits no caller")
	} else if d.URI == "" {
		r.Ignore(e.Pos, reading.CodeNeverMatches, "<domain> has an empty uri, so it admits no caller")
	}
	if e.HasContent() {
		r.Ignore(e.Pos, reading.CodeText, "<domain> has content, which the format does not have; Silverlight ignores it")
	}
	return d
}

// grantTo reads <grant-to>; kept is false when Silverlight drops it.
func (r *reader) grantTo(e *xmldoc.Element) (GrantTo, bool) {
	gt := GrantTo{Pos: match.Pos(e.Pos)}
	kept := true
	for _, a := range e.Attrs {
		r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <grant-to>: Silverlight drops this grant-to", a.QName())
		kept = false
	}
	r.Text(e, runtime)
	for _, c := range e.Children {
		switch r.name(c) {
		case "resource":
			res, ok := r.resource(c)
			if ok {
				gt.Resources = append(gt.Resources, res)
			} else {
				kept = false
			}
		case "socket-resource":
			sr, ok, ignored := r.socketResource(c)
			switch {
			case !ok:
				kept = false
			case !ignored:
				gt.SocketResources = append(gt.SocketResources, sr)
			}
		case "":
		default:
			r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> is not allowed in <grant-to>: Silverlight drops this grant-to%s", c.QName(), reading.Suggest(c.Local, "resource", "socket-resource"))
			kept = false
		}
	}
	if kept && len(gt.Resources) == 0 && len(gt.SocketResources) == 0 {
		r.Ignore(e.Pos, reading.CodeEmpty, "<grant-to> grants nothing")
	}
	return gt, kept
}

// resource reads <resource>; ok is false when its grant-to is dropped.
func (r *reader) resource(e *xmldoc.Element) (Resource, bool) {
	res := Resource{Pos: match.Pos(e.Pos)}
	ok := true
	hasPath := false
	for _, a := range e.Attrs {
		switch {
		case a.Prefix == "" && a.Local == "path":
			res.Path, hasPath = a.Value, true
		case a.Prefix == "" && a.Local == "include-subpaths":
			switch a.Value {
			case "true", "1":
				res.IncludeSubpaths = true
			case "false", "0":
			default:
				r.Reject(a.Pos, reading.CodeInvalidValue, "include-subpaths=%q is not true, false, 1 or 0; Silverlight rejects the file", a.Value)
			}
			if a.Value == "1" || a.Value == "0" {
				r.Deviation(a.Pos, reading.CodeInvalidValue, "include-subpaths=%q: the format says true or false", a.Value)
			}
		default:
			r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <resource>: Silverlight drops the grant-to%s", a.QName(), reading.Suggest(a.Local, "path", "include-subpaths"))
			ok = false
		}
	}
	switch {
	case !hasPath:
		r.Reject(e.Pos, reading.CodeMissingAttr, "<resource> has no path; Silverlight rejects the file")
	case res.Path == "":
		r.Reject(e.Pos, reading.CodeInvalidValue, "<resource> has an empty path; Silverlight rejects the file")
	case !strings.HasPrefix(res.Path, "/"):
		r.Ignore(e.Pos, reading.CodeNeverMatches, "resource path %q does not start with \"/\", so it never matches a request", res.Path)
	}
	if e.HasContent() {
		r.Ignore(e.Pos, reading.CodeText, "<resource> has content: Silverlight drops the grant-to")
		ok = false
	}
	return res, ok
}

// socketResource reads <socket-resource>. ok is false when its grant-to is
// dropped; ignored is true when Silverlight ignores just this element.
func (r *reader) socketResource(e *xmldoc.Element) (sr SocketResource, ok, ignored bool) {
	sr = SocketResource{Pos: match.Pos(e.Pos)}
	ok = true
	var port, protocol *xmldoc.Attr
	for i, a := range e.Attrs {
		switch {
		case a.Prefix == "" && a.Local == "port":
			port = &e.Attrs[i]
		case a.Prefix == "" && a.Local == "protocol":
			protocol = &e.Attrs[i]
		default:
			r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <socket-resource> is not part of the format; Silverlight ignores it%s", a.QName(), reading.Suggest(a.Local, "port", "protocol"))
		}
	}
	if port == nil {
		r.Reject(e.Pos, reading.CodeMissingAttr, "<socket-resource> has no port; Silverlight rejects the file")
	} else if pr, err := match.ParsePortRange(port.Value); err != nil || pr.Lo < MinSocketPort || pr.Hi > MaxSocketPort {
		r.Reject(port.Pos, reading.CodeInvalidValue, "socket-resource port=%q is not N or A-B within %d-%d; Silverlight rejects the file", port.Value, MinSocketPort, MaxSocketPort)
	} else {
		sr.Port = pr
	}
	switch {
	case protocol == nil:
		r.Ignore(e.Pos, reading.CodeMissingAttr, "<socket-resource> has no protocol; Silverlight ignores it (write protocol=\"tcp\")")
		ignored = true
	case protocol.Value != "tcp":
		r.Ignore(protocol.Pos, reading.CodeInvalidValue, "socket-resource protocol=%q is not \"tcp\"; Silverlight ignores the element", protocol.Value)
		ignored = true
	default:
		sr.Protocol = protocol.Value
	}
	if e.HasContent() {
		r.Ignore(e.Pos, reading.CodeText, "<socket-resource> has content: Silverlight drops the grant-to")
		ok = false
	}
	return sr, ok, ignored
}
