package clientaccess

import (
	"fmt"
	"strings"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
)

// ParseCrossDomain is Silverlight's reading of a crossdomain.xml file
// (see CompileCrossDomain), which it consults when clientaccesspolicy.xml is missing
// or rejected: Parser{}.ParseCrossDomain.
func ParseCrossDomain(b []byte) (*crossdomain.Policy, []match.Diagnostic, error) {
	return Parser{}.ParseCrossDomain(b)
}

// ParseCrossDomain reads a crossdomain.xml file the way Silverlight did.
// Silverlight honours only files that open the whole site to everyone, and
// rejects a file whole for much that Flash Player ignores: any attribute on
// the root, an empty root, any element but site-control, allow-access-from
// and allow-http-request-headers-from, an attribute other than domain and
// secure on allow-access-from (so to-ports rejects the file) or other than
// domain, headers and secure on allow-http-request-headers-from, a secure
// value other than true or false, and an attribute other than
// permitted-cross-domain-policies on site-control.
//
// With Strict set, what Silverlight accepts but ignores (domains other than
// "*", text) is an error too. Flash Player's own reading is package
// crossdomain's.
func (p Parser) ParseCrossDomain(b []byte) (*crossdomain.Policy, []match.Diagnostic, error) {
	r := &reader{Reporter: reading.Reporter{Strict: p.Strict}}
	doc := r.Document(b, xmldoc.Options{MaxBytes: p.MaxBytes, MaxDepth: p.MaxDepth, LeadingSpace: true})
	if doc == nil {
		diags, err := r.Finish()
		return nil, diags, err
	}
	r.Prolog(doc, runtime)
	pol := r.crossDomainPolicy(doc.Root)
	doc.Release() // the model holds nothing of the tree
	diags, err := r.Finish()
	return pol, diags, err
}

func (r *reader) crossDomainPolicy(root *xmldoc.Element) *crossdomain.Policy {
	pol := &crossdomain.Policy{Pos: match.Pos(root.Pos)}
	if root.Local != "cross-domain-policy" || root.Prefix != "" || root.Space != "" {
		r.Reject(root.Pos, reading.CodeRoot, "root element is <%s>, not <cross-domain-policy>; Silverlight rejects the file", root.QName())
		return pol
	}
	for _, a := range root.Attrs {
		r.Reject(a.Pos, reading.CodeUnknownAttr, "attribute %s on <cross-domain-policy>: Silverlight rejects a crossdomain.xml whose root has attributes", a.QName())
	}
	if len(root.Children) == 0 {
		r.Reject(root.Pos, reading.CodeRoot, "<cross-domain-policy> is empty; Silverlight rejects the file")
	}
	r.Text(root, runtime)
	for _, c := range root.Children {
		if c.Prefix != "" || c.Space != "" {
			r.Reject(c.Pos, reading.CodeNamespace, "<%s> is namespaced; Silverlight rejects the file", c.QName())
			continue
		}
		switch c.Local {
		case "site-control":
			sc := crossdomain.SiteControl{Pos: match.Pos(c.Pos)}
			for _, a := range c.Attrs {
				if a.Prefix == "" && a.Local == "permitted-cross-domain-policies" {
					sc.PermittedCrossDomainPolicies = a.Value
					continue
				}
				r.Reject(a.Pos, reading.CodeUnknownAttr, "attribute %s on <site-control>; Silverlight rejects the file", a.QName())
			}
			pol.SiteControl = append(pol.SiteControl, sc)
		case "allow-access-from":
			aa := crossdomain.AllowAccessFrom{Pos: match.Pos(c.Pos)}
			for _, a := range c.Attrs {
				switch {
				case a.Prefix == "" && a.Local == "domain":
					aa.Domain = a.Value
				case a.Prefix == "" && a.Local == "secure":
					aa.Secure = r.secure(a)
				default:
					r.Reject(a.Pos, reading.CodeUnknownAttr, "attribute %s on <allow-access-from>; Silverlight rejects the file", a.QName())
				}
			}
			if aa.Domain != "*" {
				r.Ignore(c.Pos, reading.CodeNeverMatches, "domain=%q: Silverlight honours only domain=\"*\" in crossdomain.xml", aa.Domain)
			}
			pol.AllowAccessFrom = append(pol.AllowAccessFrom, aa)
		case "allow-http-request-headers-from":
			ah := crossdomain.AllowHTTPRequestHeadersFrom{Pos: match.Pos(c.Pos)}
			for _, a := range c.Attrs {
				switch {
				case a.Prefix == "" && a.Local == "domain":
					ah.Domain = a.Value
				case a.Prefix == "" && a.Local == "headers":
					ah.Headers = a.Value
				case a.Prefix == "" && a.Local == "secure":
					ah.Secure = r.secure(a)
				default:
					r.Reject(a.Pos, reading.CodeUnknownAttr, "attribute %s on <allow-http-request-headers-from>; Silverlight rejects the file", a.QName())
				}
			}
			if ah.Domain != "*" {
				r.Ignore(c.Pos, reading.CodeNeverMatches, "domain=%q: Silverlight honours header rules only for domain=\"*\"", ah.Domain)
			}
			pol.AllowHTTPRequestHeadersFrom = append(pol.AllowHTTPRequestHeadersFrom, ah)
		default:
			r.Reject(c.Pos, reading.CodeUnknownElem, "<%s> is not an element Silverlight knows in crossdomain.xml; it rejects the file", c.QName())
			continue
		}
		for _, g := range c.Children {
			r.Reject(g.Pos, reading.CodeUnknownElem, "<%s> inside <%s>; Silverlight rejects the file", g.QName(), c.Local)
		}
		r.Text(c, runtime)
	}
	if len(pol.AllowAccessFrom) == 0 && !r.Rejected() {
		r.Ignore(root.Pos, reading.CodeEmpty, "no <allow-access-from>: Silverlight grants nothing from this file")
	}
	return pol
}

func (r *reader) secure(a xmldoc.Attr) string {
	if a.Value != "true" && a.Value != "false" {
		r.Reject(a.Pos, reading.CodeInvalidValue, "secure=%q is not true or false; Silverlight rejects the file", a.Value)
	}
	return a.Value
}

// CompileCrossDomain turns a crossdomain.xml file into rules for match with
// Silverlight's semantics: the meta-policy (the
// PermittedCrossDomainPolicies option when not empty, else the file's
// site-control) must be all, master-only or by-ftp-filename; only
// allow-access-from domain="*" counts, opening the whole site for GET and
// POST; secure (default true) makes an HTTPS target require an HTTPS
// caller; only allow-http-request-headers-from domain="*" entries add
// request headers. No path-character rule applies, and Silverlight never
// reads crossdomain.xml for sockets.
func CompileCrossDomain(p *crossdomain.Policy, opt CompileOptions) *match.Policy {
	mp := &match.Policy{Source: opt.source(), Runtime: runtimeName, Scope: opt.scope()}
	if meta, from, ok := metaPolicy(p, opt.PermittedCrossDomainPolicies); !ok {
		mp.Disabled = fmt.Sprintf("the meta-policy %s is %s; Silverlight honours crossdomain.xml only under \"all\", \"master-only\" or \"by-ftp-filename\"", from, match.Quote(meta))
		return mp
	}
	var headerList []string
	for _, ah := range p.AllowHTTPRequestHeadersFrom {
		if ah.Domain == "*" {
			headerList = append(headerList, ah.Headers)
		}
	}
	headers := match.ParseHeaderList(strings.Join(headerList, ","))
	for _, aa := range p.AllowAccessFrom {
		if aa.Domain != "*" {
			mp.Ignored = append(mp.Ignored, fmt.Sprintf("<allow-access-from domain=%s> at %s, which Silverlight never uses: it honours crossdomain.xml only for domain=\"*\"", match.Quote(aa.Domain), aa.Pos))
			continue
		}
		mp.Rules = append(mp.Rules, match.Rule{
			Name:    fmt.Sprintf("<allow-access-from domain=\"*\"> at %s", aa.Pos),
			Pos:     aa.Pos,
			Callers: []match.Caller{{Host: match.AnyHost, Text: "*", Pos: aa.Pos}},
			Methods: match.Methods("GET", "POST"),
			Headers: headers,
			Paths:   []match.PathScope{{Path: "/", Subpaths: true, Text: "the whole site"}},
			Secure:  aa.Secure != "false",
		})
	}
	return mp
}

// metaPolicy returns the meta-policy Silverlight applies, where it comes
// from, and whether Silverlight honours the file under it. A non-empty
// header overrides site-control. With several site-control elements, each
// must be acceptable.
func metaPolicy(p *crossdomain.Policy, header string) (value, from string, ok bool) {
	acceptable := func(v string) bool { return v == "all" || v == "master-only" || v == "by-ftp-filename" }
	if header != "" {
		return header, "from the X-Permitted-Cross-Domain-Policies header", acceptable(header)
	}
	for _, sc := range p.SiteControl {
		if !acceptable(sc.PermittedCrossDomainPolicies) {
			return sc.PermittedCrossDomainPolicies, fmt.Sprintf("of <site-control> at %s", sc.Pos), false
		}
	}
	return "master-only", "", true
}
