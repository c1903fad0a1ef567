package xmldoc

import (
	"bytes"
	"encoding/xml"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Head is what Peek finds at the start of a document: enough to tell a
// policy file's format without reading it whole.
type Head struct {
	// Prefix, Local and Space name the root element ("" when none was
	// found); Space is its namespace URI, as declared.
	Prefix, Local, Space string
	// Child is the local name of the root's first child element, if the
	// tokenizer got that far.
	Child string
	// Text is the input decoded to UTF-8 (from UTF-16 by BOM, or by the
	// shape of its first bytes when it has none).
	Text []byte
}

// Peek tokenizes the start of b as XML, leniently and without expanding
// entities or fetching anything, skipping the XML declaration, comments,
// processing instructions and the DOCTYPE, until it has the root element
// and its first child. UTF-8 and UTF-16, with or without a byte order
// mark, are read. A start tag inside a comment is not a root.
func Peek(b []byte) Head {
	h := Head{Text: Decode(b)}
	d := xml.NewDecoder(bytes.NewReader(h.Text))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already decoded
	for depth := 0; ; {
		tok, err := d.RawToken()
		if err != nil {
			return h
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if depth == 0 {
			h.Prefix, h.Local = se.Name.Space, se.Name.Local
			for _, a := range se.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" && h.Prefix == "" || a.Name.Space == "xmlns" && a.Name.Local == h.Prefix {
					h.Space = a.Value
				}
			}
			depth++
			continue
		}
		h.Child = se.Name.Local
		return h
	}
}

// Decode returns b as UTF-8: UTF-16 by its byte order mark, or, without
// one, when its first bytes are '<' (or a space) next to a NUL, as
// BOM-less UTF-16 is; a UTF-8 BOM is dropped. Anything else is returned as
// it is. A UTF-16 text that does not decode is returned as it is too.
func Decode(b []byte) []byte {
	le, ok := false, false
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		b, le, ok = b[2:], true, true
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		b, ok = b[2:], true
	case len(b) >= 2 && b[1] == 0 && b[0] != 0 && b[0] < 0x80:
		le, ok = true, true
	case len(b) >= 2 && b[0] == 0 && b[1] != 0 && b[1] < 0x80:
		ok = true
	}
	if !ok || len(b)%2 != 0 {
		return b
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if le {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		} else {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
	}
	out := make([]byte, 0, len(u))
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	return out
}
