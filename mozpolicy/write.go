package mozpolicy

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xdpolicy/xdpolicy/internal/writing"
	"github.com/xdpolicy/xdpolicy/match"
)

// ValidationError lists why a policy built in Go is not a valid
// cross-domain-policy.xml as it stands, each problem with its element's
// position when the policy was read from a file. It is
// match.ValidationError, which every format package returns.
type ValidationError = match.ValidationError

// Validate reports, as a *ValidationError, everything that would make an
// <allow> match nothing or the client reject the file, and whatever else
// the strict reading would flag: a namespace other than none or the
// draft's, an unknown type, a from or to that never matches, a to without
// its trailing "/", and a delegate other than true or false. A policy without any
// <allow> is valid; it denies everything.
func (p *Policy) Validate() error {
	var probs []match.Problem
	add := func(pos match.Pos, format string, args ...any) {
		probs = append(probs, match.Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	if p.Namespace != "" && p.Namespace != Namespace {
		add(p.Pos, "namespace %s is neither none nor the draft's %q", match.Quote(p.Namespace), Namespace)
	}
	for i, a := range p.Allow {
		where := fmt.Sprintf("allow #%d", i+1)
		switch a.Type {
		case "", TypeAny, TypeXML, TypeSOAP, TypeLoad, TypeSave:
		default:
			add(a.Pos, "%s: type %s is not any, xml, soap, load or save", where, match.Quote(a.Type))
		}
		if _, err := ParseFrom(a.From); err != nil {
			add(a.Pos, "%s: from %v", where, err)
		}
		if _, err := ParseTo(a.To); err != nil {
			add(a.Pos, "%s: to %v", where, err)
		} else if a.To != "" && !strings.HasSuffix(a.To, "/") {
			add(a.Pos, "%s: to %s names a directory and must end in \"/\"", where, match.Quote(a.To))
		}
		switch a.Delegate {
		case "", "true", "false":
		default:
			add(a.Pos, "%s: delegate %s is neither true nor false", where, match.Quote(a.Delegate))
		}
	}
	if probs != nil {
		return &ValidationError{Format: "mozpolicy", Problems: probs}
	}
	return nil
}

// Marshal validates the policy and writes it as a canonical
// cross-domain-policy.xml: an XML declaration, the root with the policy's
// Namespace (the draft's examples carry it; set Namespace to Namespace to
// write it), one <allow/> per line with its attributes in the order type,
// from, to, delegate, values escaped. Parsing the result gives back an
// equal Policy (positions aside).
func (p *Policy) Marshal() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString("<cross-domain-policy")
	writing.Attr(&b, "xmlns", p.Namespace)
	if len(p.Allow) == 0 {
		b.WriteString("/>\n")
		return b.Bytes(), nil
	}
	b.WriteString(">\n")
	for _, a := range p.Allow {
		b.WriteString("  <allow")
		writing.Attr(&b, "type", a.Type)
		writing.Attr(&b, "from", a.From)
		writing.Attr(&b, "to", a.To)
		writing.Attr(&b, "delegate", a.Delegate)
		b.WriteString("/>\n")
	}
	b.WriteString("</cross-domain-policy>\n")
	return b.Bytes(), nil
}

// WriteTo writes the marshalled policy to w; it implements io.WriterTo.
func (p *Policy) WriteTo(w io.Writer) (int64, error) { return writing.WriteTo(w, p.Marshal) }
