package clientaccess

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xdpolicy/xdpolicy/internal/writing"
	"github.com/xdpolicy/xdpolicy/match"
)

// ValidationError lists why Silverlight would not honour a policy built in
// Go as it stands, each problem with its element's position when the
// policy was read from a file. It is match.ValidationError, which every
// format package returns.
type ValidationError = match.ValidationError

// Validate reports, as a *ValidationError, everything that would make
// Silverlight reject the written file or drop part of it: no
// cross-domain-access, a policy without allow-from, domain or grant-to, an
// empty or relative resource path, a socket range outside 4502-4534, a
// protocol other than tcp, and domain URIs that can never match.
func (p *Policy) Validate() error {
	var probs []match.Problem
	add := func(pos match.Pos, format string, args ...any) {
		probs = append(probs, match.Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	if len(p.CrossDomainAccess) == 0 {
		add(p.Pos, "no <cross-domain-access>: Silverlight rejects an empty <access-policy>")
	}
	for i, cda := range p.CrossDomainAccess {
		if len(cda.Policies) == 0 {
			add(cda.Pos, "cross-domain-access #%d has no policy", i+1)
		}
		for j, rule := range cda.Policies {
			where := fmt.Sprintf("policy #%d.%d", i+1, j+1)
			if len(rule.AllowFrom) == 0 {
				add(rule.Pos, "%s has no allow-from", where)
			}
			if len(rule.GrantTo) == 0 {
				add(rule.Pos, "%s has no grant-to", where)
			}
			for _, af := range rule.AllowFrom {
				if len(af.Domains) == 0 {
					add(af.Pos, "%s: an allow-from has no domain", where)
				}
				for _, d := range af.Domains {
					if _, err := ParseDomainURI(d.URI); err != nil {
						add(d.Pos, "%s: domain uri %v", where, err)
					}
				}
			}
			for _, g := range rule.GrantTo {
				if len(g.Resources) == 0 && len(g.SocketResources) == 0 {
					add(g.Pos, "%s: a grant-to grants nothing", where)
				}
				for _, res := range g.Resources {
					if !strings.HasPrefix(res.Path, "/") {
						add(res.Pos, "%s: resource path %s must start with \"/\"", where, match.Quote(res.Path))
					}
				}
				for _, sr := range g.SocketResources {
					if sr.Port.Lo < MinSocketPort || sr.Port.Hi > MaxSocketPort || sr.Port.Lo > sr.Port.Hi {
						add(sr.Pos, "%s: socket port range %d-%d is not within %d-%d", where, sr.Port.Lo, sr.Port.Hi, MinSocketPort, MaxSocketPort)
					}
					if sr.Protocol != "" && sr.Protocol != "tcp" {
						add(sr.Pos, "%s: socket protocol %s is not tcp", where, match.Quote(sr.Protocol))
					}
				}
			}
		}
	}
	if probs != nil {
		return &ValidationError{Format: "clientaccess", Problems: probs}
	}
	return nil
}

// Marshal validates the policy and writes it as a canonical
// clientaccesspolicy.xml: an XML declaration, one element per line,
// two-space indentation, attribute values escaped. Parsing the result gives
// back an equal Policy (positions aside).
func (p *Policy) Marshal() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString("<access-policy>\n")
	for _, cda := range p.CrossDomainAccess {
		b.WriteString("  <cross-domain-access>\n")
		for _, rule := range cda.Policies {
			b.WriteString("    <policy>\n")
			for _, af := range rule.AllowFrom {
				b.WriteString("      <allow-from")
				writing.Attr(&b, "http-request-headers", af.HTTPRequestHeaders)
				writing.Attr(&b, "http-methods", af.HTTPMethods)
				b.WriteString(">\n")
				for _, d := range af.Domains {
					b.WriteString("        <domain")
					writing.Attr(&b, "uri", d.URI)
					b.WriteString("/>\n")
				}
				b.WriteString("      </allow-from>\n")
			}
			for _, g := range rule.GrantTo {
				b.WriteString("      <grant-to>\n")
				for _, res := range g.Resources {
					b.WriteString("        <resource")
					writing.Attr(&b, "path", res.Path)
					if res.IncludeSubpaths {
						writing.Attr(&b, "include-subpaths", "true")
					}
					b.WriteString("/>\n")
				}
				for _, sr := range g.SocketResources {
					b.WriteString("        <socket-resource")
					writing.Attr(&b, "port", sr.Port.String())
					writing.Attr(&b, "protocol", "tcp")
					b.WriteString("/>\n")
				}
				b.WriteString("      </grant-to>\n")
			}
			b.WriteString("    </policy>\n")
		}
		b.WriteString("  </cross-domain-access>\n")
	}
	b.WriteString("</access-policy>\n")
	return b.Bytes(), nil
}

// WriteTo writes the marshalled policy to w; it implements io.WriterTo.
func (p *Policy) WriteTo(w io.Writer) (int64, error) { return writing.WriteTo(w, p.Marshal) }
