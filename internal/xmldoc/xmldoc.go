// Package xmldoc is the one XML reader behind every policy format.
//
// It walks encoding/xml's raw tokens and builds a small element tree, doing
// the checks encoding/xml leaves to its callers (see STYLE.md): exactly one
// root element; nothing but whitespace, comments, processing instructions and
// one DOCTYPE outside it; the XML declaration only at the very start;
// matching end tags; bound namespace prefixes; no duplicate attributes. Every
// element and attribute carries its line and column.
//
// It never expands an entity declared in a DTD and never fetches one: the
// decoder's Entity map stays empty, so a reference to a declared entity is a
// syntax error. Input size and element depth are bounded.
//
// What differs between runtimes (a UTF-8 BOM, whitespace before the XML
// declaration, the declared encoding, a trailing NUL) is chosen by Options and
// reported back in Document so that strict readings can flag it.
package xmldoc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Default limits.
const (
	DefaultMaxBytes = 1 << 20
	DefaultMaxDepth = 32
)

// Pos is a 1-based line and column. Columns count characters (runes), so a
// position means the same in the UTF-8 and the UTF-16 spelling of a file.
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Options select how the bytes before and around the XML are read.
type Options struct {
	// MaxBytes bounds the input; 0 means DefaultMaxBytes.
	MaxBytes int
	// MaxDepth bounds element nesting; 0 means DefaultMaxDepth.
	MaxDepth int
	// LeadingSpace accepts whitespace before the XML declaration, which XML
	// itself forbids (Silverlight accepted it).
	LeadingSpace bool
	// StopAtNUL ends the document at the first NUL byte, as a socket policy
	// reader does; the NUL and anything after it are not read.
	StopAtNUL bool
}

// Document is a parsed policy file.
type Document struct {
	// Decl is the XML declaration, if any.
	Decl *Decl
	// Doctype is the DOCTYPE directive, if any, as written after "<!".
	Doctype *Directive
	// Root is the document element; never nil in a Document returned
	// without error.
	Root *Element
	// BOM names the byte order mark the input started with: "", "UTF-8",
	// "UTF-16LE" or "UTF-16BE".
	BOM string
	// LeadingSpace is the position of whitespace that preceded the XML
	// declaration (accepted only with Options.LeadingSpace).
	LeadingSpace *Pos
	// TrailingNUL reports that a NUL ended the document (Options.StopAtNUL).
	TrailingNUL bool
	// Outside lists non-whitespace content outside the root that the reader
	// accepts and a strict reading may report: comments and processing
	// instructions. Whitespace is not listed.
	Outside []Misc

	// The pooled slabs the tree was cut from (see Release).
	elemSlabs []*[slab]Element
	attrSlabs []*[slab]Attr
}

// Release hands the memory of the document's tree back for the next
// Parse to reuse. Neither the Document nor any Element or Attr of it may
// be used afterwards; strings taken from them stay valid. A reader that
// has built its own model from the tree releases it; not releasing is
// safe, only slower.
func (d *Document) Release() {
	for _, s := range d.elemSlabs {
		clear(s[:])
		elemSlabs.Put(s)
	}
	for _, s := range d.attrSlabs {
		clear(s[:])
		attrSlabs.Put(s)
	}
	*d = Document{}
}

// Decl is an XML declaration.
type Decl struct {
	Pos        Pos
	Version    string
	Encoding   string // as declared; the reader always reads UTF-8 (or UTF-16 by BOM)
	Standalone string
}

// Directive is a <!...> directive.
type Directive struct {
	Pos  Pos
	Text string
}

// Misc is a comment or processing instruction outside the root.
type Misc struct {
	Pos  Pos
	Kind string // "comment" or "processing instruction"
}

// Element is one element of the tree.
type Element struct {
	Pos Pos
	// Prefix and Local are the name as written (prefix "" when none).
	Prefix, Local string
	// Space is the namespace URI the element is in ("" for none).
	Space string
	// Attrs are the attributes in document order, namespace declarations
	// included.
	Attrs []Attr
	// Children are the child elements in document order.
	Children []*Element
	// Text lists the character data directly inside the element that is
	// not all whitespace, one entry per run between child elements.
	Text []Text
	// Blank reports whitespace-only character data directly inside the
	// element (the indentation between child elements), which Text leaves
	// out.
	Blank bool
	// SelfClosing reports that the element was written <name .../>.
	SelfClosing bool
}

// Attr is an attribute of an element.
type Attr struct {
	Pos           Pos
	Prefix, Local string
	// Space is the namespace URI of a prefixed attribute ("" otherwise, as
	// XML namespaces say unprefixed attributes are in no namespace).
	Space string
	Value string
}

// Text is a run of character data.
type Text struct {
	Pos  Pos
	Data string
}

// IsNamespaceDecl reports whether a is an xmlns or xmlns:p declaration.
func (a Attr) IsNamespaceDecl() bool {
	return (a.Prefix == "" && a.Local == "xmlns") || a.Prefix == "xmlns"
}

// QName returns the attribute name as written.
func (a Attr) QName() string { return qname(a.Prefix, a.Local) }

// QName returns the element name as written.
func (e *Element) QName() string { return qname(e.Prefix, e.Local) }

// Attr returns the unprefixed attribute named local.
func (e *Element) Attr(local string) (Attr, bool) {
	for _, a := range e.Attrs {
		if a.Prefix == "" && a.Local == local {
			return a, true
		}
	}
	return Attr{}, false
}

// Count returns the number of e's children named local, in any
// namespace: a reader sizes the slice it reads them into.
func (e *Element) Count(local string) int {
	n := 0
	for _, c := range e.Children {
		if c.Local == local {
			n++
		}
	}
	return n
}

// HasContent reports whether the element has child elements or any
// character data, whitespace included.
func (e *Element) HasContent() bool { return len(e.Children) > 0 || len(e.Text) > 0 || e.Blank }

// NonSpaceText returns the first run of character data that is not all
// whitespace.
func (e *Element) NonSpaceText() (Text, bool) {
	if len(e.Text) == 0 {
		return Text{}, false
	}
	return e.Text[0], true
}

func qname(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

// Error is a reason the bytes are not a well-formed document, or exceed a
// limit.
type Error struct {
	Pos Pos
	// Limit is set when a size or depth limit, not the XML, stopped reading.
	Limit bool
	Msg   string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

// Parse reads b as one XML document.
func Parse(b []byte, opt Options) (*Document, error) {
	maxBytes := opt.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	maxDepth := opt.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if len(b) > maxBytes {
		return nil, &Error{Pos: Pos{1, 1}, Limit: true, Msg: fmt.Sprintf("file is larger than the limit of %d bytes", maxBytes)}
	}
	doc := &Document{}
	src, err := decodeBOM(b, doc)
	if err != nil {
		return nil, err
	}
	if opt.StopAtNUL {
		if i := bytes.IndexByte(src, 0); i >= 0 {
			src = src[:i]
			doc.TrailingNUL = true
		}
	}
	p := &parser{src: src, doc: doc, maxDepth: maxDepth, opt: opt, pos: posCounter{line: 1, col: 1}}
	p.stack, p.scopes = p.stackBuf[:0], p.scopesBuf[:0]
	if err := p.run(); err != nil {
		doc.Release()
		return nil, err
	}
	return doc, nil
}

func decodeBOM(b []byte, doc *Document) ([]byte, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		doc.BOM = "UTF-8"
		return b[3:], nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		le := b[0] == 0xFF
		doc.BOM = "UTF-16BE"
		if le {
			doc.BOM = "UTF-16LE"
		}
		body := b[2:]
		if len(body)%2 != 0 {
			return nil, &Error{Pos: Pos{1, 1}, Msg: doc.BOM + " input has an odd number of bytes"}
		}
		u := make([]uint16, len(body)/2)
		for i := range u {
			if le {
				u[i] = uint16(body[2*i]) | uint16(body[2*i+1])<<8
			} else {
				u[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
			}
		}
		var out bytes.Buffer
		for _, r := range utf16.Decode(u) {
			if r == utf8.RuneError {
				return nil, &Error{Pos: Pos{1, 1}, Msg: "invalid " + doc.BOM + " text"}
			}
			out.WriteRune(r)
		}
		return out.Bytes(), nil
	}
	return b, nil
}

var newline = []byte{'\n'}

// posCounter turns byte offsets, visited in increasing order, into positions.
type posCounter struct {
	off, line, col int
}

func (c *posCounter) at(src []byte, off int) Pos {
	if off < c.off { // not expected; restart
		*c = posCounter{line: 1, col: 1}
	}
	if off <= len(src) && (off == len(src) || utf8.RuneStart(src[off])) {
		// The common case, off at the start of a character: count the
		// newlines and the characters after the last one in bulk.
		seg := src[c.off:off]
		if n := bytes.Count(seg, newline); n > 0 {
			c.line += n
			c.col = 1 + utf8.RuneCount(seg[bytes.LastIndexByte(seg, '\n')+1:])
		} else {
			c.col += utf8.RuneCount(seg)
		}
		c.off = off
		return Pos{c.line, c.col}
	}
	for c.off < off && c.off < len(src) {
		if b := src[c.off]; b < utf8.RuneSelf {
			if b == '\n' {
				c.line++
				c.col = 1
			} else {
				c.col++
			}
			c.off++
			continue
		}
		r, n := utf8.DecodeRune(src[c.off:])
		if r == '\n' {
			c.line++
			c.col = 1
		} else {
			c.col++
		}
		c.off += n
	}
	return Pos{c.line, c.col}
}

type parser struct {
	src      []byte
	doc      *Document
	opt      Options
	maxDepth int
	pos      posCounter
	stack    []*Element
	scopes   []map[string]string // prefix -> namespace, one per open element
	// elems and attrs are slabs the tree's elements and attribute lists
	// are cut from: a file of thousands of entries costs a few dozen
	// allocations for them, not thousands.
	elems []Element
	// The first levels of the stacks, in the parser itself.
	stackBuf  [8]*Element
	scopesBuf [8]map[string]string
	attrs     []Attr
	sawRoot   bool
}

func (p *parser) errAt(off int, format string, args ...any) error {
	return &Error{Pos: p.pos.at(p.src, off), Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) run() error {
	d := xml.NewDecoder(bytes.NewReader(p.src))
	d.Strict = true
	// The declared encoding is reported, never obeyed: every runtime read
	// the bytes as UTF-8 (or UTF-16 by BOM, converted above).
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	first := true
	for {
		start := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.syntaxError(d, err)
		}
		end := int(d.InputOffset())
		if err := p.token(tok, start, end, first); err != nil {
			return err
		}
		first = false
	}
	if len(p.stack) > 0 {
		e := p.stack[len(p.stack)-1]
		return &Error{Pos: p.pos.at(p.src, len(p.src)), Msg: fmt.Sprintf("unexpected end of file: <%s> at %s is not closed", e.QName(), e.Pos)}
	}
	if p.doc.Root == nil {
		return &Error{Pos: p.pos.at(p.src, len(p.src)), Msg: "no root element"}
	}
	return nil
}

func (p *parser) syntaxError(d *xml.Decoder, err error) error {
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
	}
	msg = strings.TrimPrefix(msg, "xml: ")
	off := int(d.InputOffset())
	switch {
	case strings.HasPrefix(msg, "illegal character code"):
		// The decoder has read the character; point at it.
		_, n := utf8.DecodeLastRune(p.src[:min(off, len(p.src))])
		off -= n
	case strings.Contains(msg, "invalid UTF-8"):
		off = firstInvalidUTF8(p.src)
	case strings.HasPrefix(msg, "invalid character entity"):
		// The decoder has read the whole reference; point at its "&".
		if i := bytes.LastIndexByte(p.src[:min(off, len(p.src))], '&'); i >= 0 {
			off = i
		}
		msg += " (only the five predefined entities and character references are read; entities declared in a DTD are never expanded)"
	}
	return &Error{Pos: p.pos.at(p.src, off), Msg: msg}
}

// firstInvalidUTF8 returns the offset of the first byte of b that is not
// part of valid UTF-8.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func (p *parser) token(tok xml.Token, start, end int, first bool) error {
	switch t := tok.(type) {
	case xml.StartElement:
		return p.startElement(t, start, end)
	case xml.EndElement:
		return p.endElement(t, start, end)
	case xml.CharData:
		if len(p.stack) > 0 {
			top := p.stack[len(p.stack)-1]
			if isSpaceBytes(t) {
				top.Blank = true
				return nil
			}
			// Point at the first character that is not whitespace, where
			// a reader looks for the stray text.
			at := start
			if i := strings.IndexFunc(string(p.src[start:end]), func(r rune) bool { return !isSpaceRune(r) }); i >= 0 {
				at += i
			}
			top.Text = append(top.Text, Text{Pos: p.pos.at(p.src, at), Data: string(t)})
			return nil
		}
		if !isSpaceBytes(t) {
			i := start + strings.IndexFunc(string(p.src[start:end]), func(r rune) bool { return !isSpaceRune(r) })
			if p.sawRoot {
				return p.errAt(i, "text after the root element")
			}
			return p.errAt(i, "text before the root element")
		}
		if first && isDeclStart(p.src[end:]) {
			if !p.opt.LeadingSpace {
				return p.errAt(start, "whitespace before the XML declaration")
			}
			pos := p.pos.at(p.src, start)
			p.doc.LeadingSpace = &pos
		}
		return nil
	case xml.ProcInst:
		if strings.EqualFold(t.Target, "xml") {
			if t.Target != "xml" {
				return p.errAt(start, "processing instruction target %q is reserved", t.Target)
			}
			if p.doc.Decl != nil || p.sawRoot || len(p.stack) > 0 ||
				!(first || (p.doc.LeadingSpace != nil && start == len(bytesLeadingSpace(p.src)))) {
				return p.errAt(start, "an XML declaration is allowed only at the start of the file")
			}
			p.doc.Decl = parseDecl(string(t.Inst), p.pos.at(p.src, start))
			return nil
		}
		if len(p.stack) == 0 {
			p.doc.Outside = append(p.doc.Outside, Misc{Pos: p.pos.at(p.src, start), Kind: "processing instruction"})
		}
		return nil
	case xml.Comment:
		if len(p.stack) == 0 {
			p.doc.Outside = append(p.doc.Outside, Misc{Pos: p.pos.at(p.src, start), Kind: "comment"})
		}
		return nil
	case xml.Directive:
		text := string(t)
		if !strings.HasPrefix(text, "DOCTYPE") {
			return p.errAt(start, "unexpected <!%s> directive", firstWord(text))
		}
		if len(p.stack) > 0 || p.sawRoot {
			return p.errAt(start, "a DOCTYPE is allowed only before the root element")
		}
		if p.doc.Doctype != nil {
			return p.errAt(start, "a second DOCTYPE (the first is at %s)", p.doc.Doctype.Pos)
		}
		p.doc.Doctype = &Directive{Pos: p.pos.at(p.src, start), Text: text}
		return nil
	}
	return nil
}

func (p *parser) startElement(t xml.StartElement, start, end int) error {
	if len(p.stack) == 0 && p.sawRoot {
		return p.errAt(start, "a second root element <%s>", qname(t.Name.Space, t.Name.Local))
	}
	if len(p.stack) >= p.maxDepth {
		err := p.errAt(start, "elements nested more than %d deep", p.maxDepth)
		err.(*Error).Limit = true
		return err
	}
	el := p.newElement()
	*el = Element{Pos: p.pos.at(p.src, start), Prefix: t.Name.Space, Local: t.Name.Local}
	var offs [8]int
	attrPos := scanAttrOffsets(p.src[start:end], offs[:0], len(t.Attr))

	// Namespace declarations first, since they apply to the element itself.
	// An element without them adds a nil scope.
	var scope map[string]string
	declare := func(prefix, ns string) {
		if scope == nil {
			scope = map[string]string{}
		}
		scope[prefix] = ns
	}
	// Duplicates are found by comparing names: a few attributes are
	// cheaper to compare than to hash, and many go through a map, so a
	// tag of thousands of attributes costs no quadratic time.
	var seen map[string]bool
	if len(t.Attr) > 8 {
		seen = make(map[string]bool, len(t.Attr))
	}
	if len(t.Attr) > 0 {
		el.Attrs = p.newAttrs(len(t.Attr))
	}
	for i, a := range t.Attr {
		off := start
		if i < len(attrPos) {
			off = start + attrPos[i]
		}
		at := Attr{Pos: p.pos.at(p.src, off), Prefix: a.Name.Space, Local: a.Name.Local, Value: a.Value}
		if seen != nil {
			if seen[at.QName()] {
				return &Error{Pos: at.Pos, Msg: fmt.Sprintf("attribute %s appears twice on <%s>", at.QName(), el.QName())}
			}
			seen[at.QName()] = true
		} else {
			for j := range el.Attrs {
				if el.Attrs[j].Prefix == at.Prefix && el.Attrs[j].Local == at.Local {
					return &Error{Pos: at.Pos, Msg: fmt.Sprintf("attribute %s appears twice on <%s>", at.QName(), el.QName())}
				}
			}
		}
		switch {
		case at.Prefix == "" && at.Local == "xmlns":
			declare("", at.Value)
		case at.Prefix == "xmlns":
			if at.Value == "" {
				return &Error{Pos: at.Pos, Msg: fmt.Sprintf("namespace prefix %s declared with an empty URI", at.Local)}
			}
			declare(at.Local, at.Value)
		}
		el.Attrs = append(el.Attrs, at)
	}
	p.scopes = append(p.scopes, scope)
	space, ok := p.lookup(el.Prefix)
	if !ok {
		return &Error{Pos: el.Pos, Msg: fmt.Sprintf("namespace prefix %s of <%s> is not declared", el.Prefix, el.QName())}
	}
	el.Space = space
	// Resolve prefixed attributes and catch two names for one attribute.
	var expanded map[string]string
	for i := range el.Attrs {
		a := &el.Attrs[i]
		if a.Prefix == "" || a.Prefix == "xmlns" {
			continue
		}
		ns, ok := p.lookup(a.Prefix)
		if !ok {
			return &Error{Pos: a.Pos, Msg: fmt.Sprintf("namespace prefix %s of attribute %s is not declared", a.Prefix, a.QName())}
		}
		a.Space = ns
		key := ns + " " + a.Local
		if other, dup := expanded[key]; dup {
			return &Error{Pos: a.Pos, Msg: fmt.Sprintf("attributes %s and %s on <%s> are the same attribute", other, a.QName(), el.QName())}
		}
		if expanded == nil {
			expanded = map[string]string{}
		}
		expanded[key] = a.QName()
	}

	if len(p.stack) == 0 {
		p.doc.Root = el
		p.sawRoot = true
	} else {
		parent := p.stack[len(p.stack)-1]
		parent.Children = append(parent.Children, el)
	}
	p.stack = append(p.stack, el)
	return nil
}

// slab is the most elements or attributes allocated at once.
const slab = 64

// Full slabs come from pools and go back to them when the Document is
// released: a reader that parses file after file reuses one tree's
// memory rather than leaving it to the collector.
var (
	elemSlabs = sync.Pool{New: func() any { return new([slab]Element) }}
	attrSlabs = sync.Pool{New: func() any { return new([slab]Attr) }}
)

// newElement returns a zero Element cut from the slab.
func (p *parser) newElement() *Element {
	if len(p.elems) == cap(p.elems) {
		if n := 2 * cap(p.elems); n < slab {
			p.elems = make([]Element, 0, max(n, 2))
		} else {
			s := elemSlabs.Get().(*[slab]Element)
			p.doc.elemSlabs = append(p.doc.elemSlabs, s)
			p.elems = s[:0]
		}
	}
	p.elems = p.elems[:len(p.elems)+1]
	return &p.elems[len(p.elems)-1]
}

// newAttrs returns an empty attribute list of capacity n cut from the
// slab; appending past n copies it out.
func (p *parser) newAttrs(n int) []Attr {
	if n > slab/4 {
		return make([]Attr, 0, n)
	}
	if cap(p.attrs)-len(p.attrs) < n {
		if m := max(2*cap(p.attrs), n); m < slab {
			p.attrs = make([]Attr, 0, m)
		} else {
			s := attrSlabs.Get().(*[slab]Attr)
			p.doc.attrSlabs = append(p.doc.attrSlabs, s)
			p.attrs = s[:0]
		}
	}
	i := len(p.attrs)
	p.attrs = p.attrs[:i+n]
	return p.attrs[i : i : i+n]
}

func (p *parser) endElement(t xml.EndElement, start, end int) error {
	name := qname(t.Name.Space, t.Name.Local)
	if len(p.stack) == 0 {
		return p.errAt(start, "unexpected end tag </%s>", name)
	}
	top := p.stack[len(p.stack)-1]
	if name != top.QName() {
		return p.errAt(start, "end tag </%s> does not match <%s> at %s", name, top.QName(), top.Pos)
	}
	top.SelfClosing = start == end
	p.stack = p.stack[:len(p.stack)-1]
	p.scopes = p.scopes[:len(p.scopes)-1]
	return nil
}

// lookup resolves a prefix in the open scopes.
func (p *parser) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return nsXML, true
	case "xmlns":
		return nsXMLNS, true
	}
	for i := len(p.scopes) - 1; i >= 0; i-- {
		if ns, ok := p.scopes[i][prefix]; ok {
			return ns, true
		}
	}
	return "", prefix == ""
}

// scanAttrOffsets returns the byte offset of each attribute name within the
// raw start tag tag, which encoding/xml has already found well-formed.
func scanAttrOffsets(tag []byte, offs []int, n int) []int {
	i := 1 // skip '<'
	for i < len(tag) && !isSpaceByte(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	for len(offs) < n && i < len(tag) {
		for i < len(tag) && isSpaceByte(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			break
		}
		offs = append(offs, i)
		for i < len(tag) && tag[i] != '=' {
			i++
		}
		for i < len(tag) && tag[i] != '"' && tag[i] != '\'' {
			i++
		}
		if i >= len(tag) {
			break
		}
		q := tag[i]
		i++
		for i < len(tag) && tag[i] != q {
			i++
		}
		i++
	}
	return offs
}

func parseDecl(inst string, pos Pos) *Decl {
	d := &Decl{Pos: pos}
	d.Version = pseudoAttr(inst, "version")
	d.Encoding = pseudoAttr(inst, "encoding")
	d.Standalone = pseudoAttr(inst, "standalone")
	return d
}

// pseudoAttr reads name="value" from an XML declaration's body.
func pseudoAttr(s, name string) string {
	for {
		i := strings.Index(s, name)
		if i < 0 {
			return ""
		}
		rest := strings.TrimLeft(s[i+len(name):], " \t\r\n")
		if !strings.HasPrefix(rest, "=") {
			s = s[i+len(name):]
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		if j := strings.IndexByte(rest[1:], rest[0]); j >= 0 {
			return rest[1 : 1+j]
		}
		return ""
	}
}

// isDeclStart reports whether b starts with an XML declaration.
func isDeclStart(b []byte) bool {
	return bytes.HasPrefix(b, []byte("<?xml")) && len(b) > 5 && (isSpaceByte(b[5]) || b[5] == '?')
}

func bytesLeadingSpace(b []byte) []byte {
	i := 0
	for i < len(b) && isSpaceByte(b[i]) {
		i++
	}
	return b[:i]
}

func firstWord(s string) string {
	if i := strings.IndexFunc(s, isSpaceRune); i >= 0 {
		return s[:i]
	}
	return s
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isSpaceRune(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

func isSpaceBytes(s []byte) bool {
	for _, c := range s {
		if !isSpaceByte(c) {
			return false
		}
	}
	return true
}
