package xmldoc

import (
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func le16(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func TestPeek(t *testing.T) {
	for _, tt := range []struct {
		name              string
		b                 []byte
		prefix, local, ns string
		child             string
	}{
		{"plain", []byte(`<a><b/></a>`), "", "a", "", "b"},
		{"prolog skipped", []byte("\ufeff<?xml version=\"1.0\"?><!-- <x> --><?pi <y>?><!DOCTYPE a [<!ENTITY e \"<z>\">]>\n<a xmlns=\"urn:a\"><!-- <c> -->text<b/></a>"), "", "a", "urn:a", "b"},
		{"prefixed", []byte(`<p:a xmlns:p="urn:p"><p:b/></p:a>`), "p", "a", "urn:p", "b"},
		{"no child", []byte(`<a/>`), "", "a", "", ""},
		{"broken after the root", []byte(`<a><b`), "", "a", "", ""},
		{"no root", []byte(`<!-- only -->`), "", "", "", ""},
		{"not XML", []byte("hello"), "", "", "", ""},
		{"UTF-16LE without a BOM", le16(`<a><b/></a>`), "", "a", "", "b"},
		{"UTF-16LE with a BOM", append([]byte{0xFF, 0xFE}, le16(`<?xml version="1.0" encoding="UTF-16"?><a><b/></a>`)...), "", "a", "", "b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := Peek(tt.b)
			assert.Equal(t, tt.prefix, h.Prefix)
			assert.Equal(t, tt.local, h.Local)
			assert.Equal(t, tt.ns, h.Space)
			assert.Equal(t, tt.child, h.Child)
		})
	}
}

func TestDecode(t *testing.T) {
	assert.Equal(t, "<a/>", string(Decode(le16("<a/>"))))
	assert.Equal(t, "<a/>", string(Decode(append([]byte{0xEF, 0xBB, 0xBF}, "<a/>"...))))
	assert.Equal(t, "<a/>", string(Decode([]byte("<a/>"))))
	odd := append(le16("<a/>"), 'x')
	assert.Equal(t, odd, Decode(odd), "an odd length is not UTF-16")
}

// FuzzPeek: Peek and Decode take any bytes without panicking, Decode
// returns valid UTF-8 for what it decodes from UTF-16, and Peek finds a
// root in what Parse reads.
func FuzzPeek(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><!-- <x> --><cross-domain-policy><allow/></cross-domain-policy>`))
	f.Add(le16(`<access-policy/>`))
	f.Add([]byte{0xFE, 0xFF, 0, '<', 0, 'a', 0, '/', 0, '>'})
	f.Fuzz(func(t *testing.T, b []byte) {
		start := time.Now()
		defer func() {
			if time.Since(start) > time.Second {
				t.Fatalf("slow: %v for %d bytes", time.Since(start), len(b))
			}
		}()
		h := Peek(b)
		if len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF) && len(b)%2 == 0 && !utf8.Valid(h.Text) {
			t.Fatalf("Decode(%q) = %q is not UTF-8", b, h.Text)
		}
		if doc, err := Parse(b, Options{}); err == nil && h.Local != doc.Root.Local {
			t.Fatalf("Parse finds the root <%s>, Peek <%s>", doc.Root.Local, h.Local)
		}
	})
}
