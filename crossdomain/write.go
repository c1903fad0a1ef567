package crossdomain

import (
	"bytes"
	"fmt"
	"io"

	"github.com/xdpolicy/xdpolicy/internal/writing"
	"github.com/xdpolicy/xdpolicy/match"
)

// DTD is the DOCTYPE Marshal writes when Policy.Doctype is set.
const DTD = `<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">`

// ValidationError lists why Flash Player would not honour a policy built
// in Go as it stands, each problem with its element's position when the
// policy was read from a file. It is match.ValidationError, which every
// format package returns.
type ValidationError = match.ValidationError

// Validate reports, as a *ValidationError, everything in the policy that
// Flash Player would ignore or read otherwise than written: domains that
// never match, secure values other than true and false, malformed
// to-ports, header rules without headers, unknown or repeated
// site-control values, grants under a site-control of none (which
// switches a master off). It does not know where the file will be served;
// ValidateFor adds the checks of one kind of file.
func (p *Policy) Validate() error { return p.validate(Master, false) }

// ValidateFor is Validate for a file served as kind k: a socket policy
// also needs to-ports on every entry and has no use for header rules, and
// only a master may carry site-control.
func (p *Policy) ValidateFor(k Kind) error { return p.validate(k, true) }

func (p *Policy) validate(k Kind, byKind bool) error {
	var probs []match.Problem
	add := func(pos match.Pos, format string, args ...any) {
		probs = append(probs, match.Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	if len(p.SiteControl) > 1 {
		add(p.SiteControl[1].Pos, "%d site-control elements; the format has one", len(p.SiteControl))
	}
	unknown := false
	for _, sc := range p.SiteControl {
		if _, err := ParseMetaPolicy(sc.PermittedCrossDomainPolicies); err != nil {
			add(sc.Pos, "site-control: %v", err)
			unknown = true
		}
		if byKind && !k.IsMaster() {
			add(sc.Pos, "site-control in a %s is ignored", k)
		}
	}
	if m, from := p.MetaPolicy(); m == PermitNone && k.IsMaster() && !unknown {
		if n := len(p.AllowAccessFrom) + len(p.AllowHTTPRequestHeadersFrom); n > 0 {
			add(from.Pos, "site-control none switches the master off, so its %d grant%s would never be used; remove %s, or the site-control", n, map[bool]string{true: "s"}[n > 1], map[bool]string{true: "them", false: "it"}[n > 1])
		}
	}
	checkSecure := func(pos match.Pos, what, v string) {
		if v != "" && v != "true" && v != "false" {
			add(pos, "%s: secure=%s is not true or false", what, match.Quote(v))
		}
	}
	for i, aa := range p.AllowAccessFrom {
		what := fmt.Sprintf("allow-access-from #%d", i+1)
		if _, err := ParseDomain(aa.Domain); err != nil {
			add(aa.Pos, "%s: domain %v", what, err)
		}
		checkSecure(aa.Pos, what, aa.Secure)
		if aa.ToPorts != "" {
			if _, err := match.ParsePortList(aa.ToPorts); err != nil {
				add(aa.Pos, "%s: to-ports=%s: %v", what, match.Quote(aa.ToPorts), err)
			}
		}
		if byKind && k.Socket() && aa.ToPorts == "" {
			add(aa.Pos, "%s: a socket policy entry needs to-ports", what)
		}
		if byKind && !k.Socket() && aa.ToPorts != "" {
			add(aa.Pos, "%s: to-ports is ignored in an HTTP policy", what)
		}
	}
	for i, ah := range p.AllowHTTPRequestHeadersFrom {
		what := fmt.Sprintf("allow-http-request-headers-from #%d", i+1)
		if _, err := ParseDomain(ah.Domain); err != nil {
			add(ah.Pos, "%s: domain %v", what, err)
		}
		if match.ParseHeaderList(ah.Headers).Empty() {
			add(ah.Pos, "%s: headers names no header", what)
		}
		checkSecure(ah.Pos, what, ah.Secure)
		if byKind && k.Socket() {
			add(ah.Pos, "%s: header rules mean nothing in a socket policy", what)
		}
	}
	if probs != nil {
		return &ValidationError{Format: "crossdomain", Problems: probs}
	}
	return nil
}

// Marshal validates the policy and writes it as a canonical
// crossdomain.xml: an XML declaration, Adobe's DOCTYPE when Doctype is
// set, one element per line in the DTD's order, attribute values escaped.
// Parsing the result gives back an equal Policy (positions aside).
func (p *Policy) Marshal() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if p.Doctype {
		b.WriteString(DTD + "\n")
	}
	b.WriteString("<cross-domain-policy")
	writing.Attr(&b, "xmlns:xsi", p.SchemaInstance)
	writing.Attr(&b, "xsi:noNamespaceSchemaLocation", p.NoNamespaceSchemaLocation)
	b.WriteString(">\n")
	for _, sc := range p.SiteControl {
		b.WriteString("  <site-control")
		writing.Attr(&b, "permitted-cross-domain-policies", sc.PermittedCrossDomainPolicies)
		b.WriteString("/>\n")
	}
	for _, aa := range p.AllowAccessFrom {
		b.WriteString("  <allow-access-from")
		writing.Attr(&b, "domain", aa.Domain)
		writing.Attr(&b, "to-ports", aa.ToPorts)
		writing.Attr(&b, "secure", aa.Secure)
		b.WriteString("/>\n")
	}
	for _, ah := range p.AllowHTTPRequestHeadersFrom {
		b.WriteString("  <allow-http-request-headers-from")
		writing.Attr(&b, "domain", ah.Domain)
		writing.Attr(&b, "headers", ah.Headers)
		writing.Attr(&b, "secure", ah.Secure)
		b.WriteString("/>\n")
	}
	for _, id := range p.AllowAccessFromIdentity {
		b.WriteString("  <allow-access-from-identity>\n")
		for _, sig := range id.Signatories {
			b.WriteString("    <signatory>\n")
			for _, c := range sig.Certificates {
				b.WriteString("      <certificate")
				writing.Attr(&b, "fingerprint", c.Fingerprint)
				writing.Attr(&b, "fingerprint-algorithm", c.FingerprintAlgorithm)
				b.WriteString("/>\n")
			}
			b.WriteString("    </signatory>\n")
		}
		b.WriteString("  </allow-access-from-identity>\n")
	}
	b.WriteString("</cross-domain-policy>\n")
	return b.Bytes(), nil
}

// WriteTo writes the marshalled policy to w; it implements io.WriterTo.
func (p *Policy) WriteTo(w io.Writer) (int64, error) { return writing.WriteTo(w, p.Marshal) }
