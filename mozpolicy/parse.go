package mozpolicy

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
)

// Parser reads cross-domain-policy.xml files. The zero Parser is the
// runtime reading with the default limits.
type Parser struct {
	// Strict selects the strict reading: every deviation from the draft's
	// format is an error. Otherwise the reading is the draft client's.
	Strict bool
	// MaxBytes bounds the file size (default 1 MiB); MaxDepth bounds
	// element nesting (default 32). A file over either is rejected.
	MaxBytes, MaxDepth int
}

// Parse is the draft client's reading of a cross-domain-policy.xml file
// (see the package doc): Parser{}.Parse.
//
// When the client would reject the file whole (it is not well-formed XML,
// its root is not <cross-domain-policy> in no namespace or the draft's, or
// it breaks a limit), the error is a *match.Diagnostic with the position of
// the first reason, and the file grants nothing. Otherwise the Policy holds
// the file, and the diagnostics list, as warnings, every <allow> that can
// never match (an unknown type, a from or to that never matches, a delegate
// other than true or false) and everything the client ignores.
func Parse(b []byte) (*Policy, []match.Diagnostic, error) { return Parser{}.Parse(b) }

// ParseStrict is the strict reading: Parser{Strict: true}.Parse. Every
// deviation from the draft's format (its DTD, its attribute values, a to
// without its trailing "/") is an error diagnostic, and the error is the
// first of them. The Policy is the one Parse would return.
func ParseStrict(b []byte) (*Policy, []match.Diagnostic, error) {
	return Parser{Strict: true}.Parse(b)
}

// Parse reads b. The Policy is nil only when b is not well-formed XML or
// breaks a limit; a Policy returned with an error grants nothing and is
// returned for inspection only.
func (p Parser) Parse(b []byte) (*Policy, []match.Diagnostic, error) {
	r := &reader{Reporter: reading.Reporter{Strict: p.Strict}}
	if enc := declaredEncoding(b); enc != "" && !isUTF8(enc) && !isASCII(b) {
		// The client decoded the bytes as enc; reading them as UTF-8 would
		// judge a different file.
		r.Reject(xmldoc.Pos{Line: 1, Col: 1}, reading.CodeProlog, "declared encoding %q with non-ASCII bytes: the client decoded the file as %s, which this reader does not; save it as UTF-8 and declare that", enc, enc)
		diags, err := r.Finish()
		return nil, diags, err
	}
	doc := r.Document(b, xmldoc.Options{MaxBytes: p.MaxBytes, MaxDepth: p.MaxDepth})
	if doc == nil {
		diags, err := r.Finish()
		return nil, diags, err
	}
	r.encoding(doc)
	pol := r.root(doc.Root)
	doc.Release() // the model holds nothing of the tree
	diags, err := r.Finish()
	return pol, diags, err
}

const runtime = "the draft's client"

type reader struct {
	reading.Reporter
}

// The draft's client was a browser whose XML parser honoured the declared
// encoding; this reader reads UTF-8 (or UTF-16 after a byte order mark). A
// file in another declared encoding reads the same when it is plain ASCII;
// otherwise the reader cannot tell what the client saw, and Parse rejects
// the file rather than guess.

// encoding reports a declared encoding other than the one the file was
// read in, for a file that reads the same either way.
func (r *reader) encoding(doc *xmldoc.Document) {
	d := doc.Decl
	if d == nil || d.Encoding == "" || isUTF8(d.Encoding) ||
		strings.HasPrefix(doc.BOM, "UTF-16") && strings.EqualFold(d.Encoding, "utf-16") {
		return
	}
	r.Ignore(d.Pos, reading.CodeProlog, "declared encoding %q: the file is plain ASCII, so it reads the same in UTF-8; declare utf-8", d.Encoding)
}

func isUTF8(enc string) bool {
	return strings.EqualFold(enc, "utf-8") || strings.EqualFold(enc, "utf8")
}

// declaredEncoding returns the encoding an XML declaration at the very
// start of b names, or "".
func declaredEncoding(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(b[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest, ok := strings.CutPrefix(rest, "=")
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" || rest[0] != '"' && rest[0] != '\'' {
		return ""
	}
	q := rest[0]
	val, _, ok := strings.Cut(rest[1:], string(q))
	if !ok {
		return ""
	}
	return val
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (r *reader) root(root *xmldoc.Element) *Policy {
	pol := &Policy{Pos: match.Pos(root.Pos), Namespace: root.Space}
	if root.Local != "cross-domain-policy" {
		r.Reject(root.Pos, reading.CodeRoot, "root element is <%s>, not <cross-domain-policy>; %s rejects the file%s", root.QName(), runtime, reading.Suggest(root.Local, "cross-domain-policy"))
		return pol
	}
	if root.Space != "" && root.Space != Namespace {
		r.Reject(root.Pos, reading.CodeNamespace, "<%s> is in namespace %q, not the draft's %q or none; %s rejects the file", root.QName(), root.Space, Namespace, runtime)
		return pol
	}
	if root.Prefix != "" {
		r.Deviation(root.Pos, reading.CodeNamespace, "<%s> has a namespace prefix; the draft writes <cross-domain-policy xmlns=%q>", root.QName(), Namespace)
	}
	for _, a := range root.Attrs {
		if !a.IsNamespaceDecl() {
			r.Ignore(a.Pos, reading.CodeUnknownAttr, "attribute %s on <cross-domain-policy> is not part of the format; %s ignores it", a.QName(), runtime)
		}
	}
	r.Text(root, runtime)
	if n := root.Count("allow"); n > 0 {
		pol.Allow = make([]Allow, 0, n)
	}
	for _, c := range root.Children {
		if c.Local != "allow" || c.Space != root.Space {
			r.Ignore(c.Pos, reading.CodeUnknownElem, "<%s> is not an element of the format; %s ignores it%s", c.QName(), runtime, reading.Suggest(c.Local, "allow"))
			continue
		}
		if c.Prefix != root.Prefix {
			r.Deviation(c.Pos, reading.CodeNamespace, "<%s> is written with a different prefix from its root", c.QName())
		}
		pol.Allow = append(pol.Allow, r.allow(c))
	}
	if len(pol.Allow) == 0 {
		r.Note(root.Pos, reading.CodeEmpty, "no <allow>: the file grants nothing, and %s denies every request it governs", runtime)
	}
	return pol
}

// allow reads one <allow>, reporting each value that makes it match
// nothing.
func (r *reader) allow(e *xmldoc.Element) Allow {
	a := Allow{Pos: match.Pos(e.Pos)}
	for _, at := range e.Attrs {
		if at.IsNamespaceDecl() {
			continue
		}
		if at.Prefix != "" || at.Space != "" {
			r.Ignore(at.Pos, reading.CodeUnknownAttr, "attribute %s on <allow> is not part of the format; %s ignores it", at.QName(), runtime)
			continue
		}
		v, pos := at.Value, at.Pos
		switch at.Local {
		case "type":
			a.Type = v
			switch v {
			case TypeAny, TypeXML, TypeSOAP, TypeLoad, TypeSave:
			case "":
				r.Ignore(pos, reading.CodeInvalidValue, `empty type reads as absent: "any"; omit it or name a type`)
			default:
				r.Ignore(pos, reading.CodeInvalidValue, "type %q is not any, xml, soap, load or save (case-sensitive); this <allow> matches no request%s",
					v, reading.Suggest(v, TypeAny, TypeXML, TypeSOAP, TypeLoad, TypeSave))
			}
		case "from":
			a.From = v
			if v == "" {
				r.Ignore(pos, reading.CodeInvalidValue, `empty from reads as absent: any caller; write "*" if that is meant`)
			} else if _, err := ParseFrom(v); err != nil {
				r.Ignore(pos, reading.CodeNeverMatches, "from %v; this <allow> matches no caller", err)
			}
		case "to":
			a.To = v
			switch _, err := ParseTo(v); {
			case v == "":
				r.Ignore(pos, reading.CodeInvalidValue, "empty to reads as absent: everything the file governs")
			case err != nil:
				r.Ignore(pos, reading.CodeNeverMatches, "to %v; this <allow> matches no target", err)
			case !strings.HasSuffix(v, "/"):
				r.Deviation(pos, reading.CodeInvalidValue, "to names a directory; write %q", v+"/")
			}
		case "delegate":
			a.Delegate = v
			switch v {
			case "true", "false":
			case "":
				r.Ignore(pos, reading.CodeInvalidValue, `empty delegate reads as absent: "false"`)
			default:
				r.Ignore(pos, reading.CodeInvalidValue, "delegate %q is neither true nor false; this <allow> matches nothing%s", v, reading.Suggest(v, "true", "false"))
			}
		default:
			r.Ignore(pos, reading.CodeUnknownAttr, "attribute %s on <allow> is not part of the format; %s ignores it%s", at.QName(), runtime,
				reading.Suggest(at.Local, "type", "from", "to", "delegate"))
		}
	}
	_, text := e.NonSpaceText()
	switch {
	case len(e.Children) > 0 || text:
		r.Ignore(e.Pos, reading.CodeText, "<allow> has content; the format's <allow> is empty and %s ignores what is inside", runtime)
	case e.HasContent():
		r.Deviation(e.Pos, reading.CodeText, "<allow> holds whitespace; the format's <allow> is empty: write <allow .../>")
	}
	return a
}
