package xmldoc

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMalformed keeps inputs that must not parse, with the position and
// the words of the reason, as encoding/xml's tests keep theirs.
func TestMalformed(t *testing.T) {
	tests := []struct {
		name, in string
		pos      Pos
		msg      string
	}{
		{"empty", "", Pos{1, 1}, "no root element"},
		{"only whitespace", " \n ", Pos{2, 2}, "no root element"},
		{"only a declaration", `<?xml version="1.0"?>`, Pos{1, 22}, "no root element"},
		{"text before root", "junk<a/>", Pos{1, 1}, "text before the root element"},
		{"http status line before root", "HTTP/1.0 junk\n<a/>", Pos{1, 1}, "text before the root element"},
		{"text after root", "<a/>\n  junk", Pos{2, 3}, "text after the root element"},
		{"second root", "<a/><b/>", Pos{1, 5}, "a second root element <b>"},
		{"unclosed root", "<a><b/>", Pos{1, 8}, "<a> at 1:1 is not closed"},
		{"mismatched end", "<a>\n</b>", Pos{2, 1}, "end tag </b> does not match <a> at 1:1"},
		{"prefix mismatch end", "<x:a xmlns:x='u'></a>", Pos{1, 18}, "end tag </a> does not match <x:a>"},
		{"duplicate attribute", "<a x='1'\n   x='2'/>", Pos{2, 4}, "attribute x appears twice on <a>"},
		{"duplicate via namespaces", "<a xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'/>", Pos{1, 36}, "are the same attribute"},
		{"unbound element prefix", "<p:a/>", Pos{1, 1}, "namespace prefix p of <p:a> is not declared"},
		{"unbound attribute prefix", "<a p:x='1'/>", Pos{1, 4}, "namespace prefix p of attribute p:x is not declared"},
		{"declared entity is not expanded", "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", Pos{1, 34}, "invalid character entity &e;"},
		{"undeclared entity", "<a b='&foo;'/>", Pos{1, 7}, "invalid character entity &foo;"},
		{"declaration not first", "<!-- c --><?xml version='1.0'?><a/>", Pos{1, 11}, "only at the start"},
		{"declaration inside root", "<a><?xml version='1.0'?></a>", Pos{1, 4}, "only at the start"},
		{"whitespace before declaration", "  <?xml version='1.0'?><a/>", Pos{1, 1}, "whitespace before the XML declaration"},
		{"reserved PI target", "<?XML version='1.0'?><a/>", Pos{1, 1}, "reserved"},
		{"doctype after root", "<a/><!DOCTYPE a>", Pos{1, 5}, "DOCTYPE is allowed only before the root"},
		{"two doctypes", "<!DOCTYPE a><!DOCTYPE a><a/>", Pos{1, 13}, "a second DOCTYPE"},
		{"other directive", "<!ELEMENT a ANY><a/>", Pos{1, 1}, "unexpected <!ELEMENT> directive"},
		{"NUL byte", "<a/>\x00", Pos{1, 5}, "illegal character code U+0000"},
		{"invalid UTF-8", "<a b='\xff'/>", Pos{1, 7}, "invalid UTF-8"},
		{"unquoted attribute", "<a b=c/>", Pos{1, 7}, "unquoted or missing attribute value"},
		{"merge conflict marker", "<<<<<<< HEAD\n<a/>", Pos{1, 2}, "expected element name after <"},
		{"CDATA outside root", "<a/><![CDATA[x]]>", Pos{1, 5}, "text after the root element"},
		{"odd UTF-16", "\xff\xfe<\x00a", Pos{1, 1}, "odd number of bytes"},
		{"empty namespace prefix URI", "<a xmlns:p=''/>", Pos{1, 4}, "declared with an empty URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.in), Options{})
			require.Error(t, err)
			assert.Nil(t, doc)
			var xe *Error
			require.True(t, errors.As(err, &xe), "error %v is %T", err, err)
			assert.Contains(t, xe.Msg, tt.msg)
			assert.Equal(t, tt.pos, xe.Pos, "error: %v", err)
			assert.False(t, xe.Limit)
		})
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)
	_, err := Parse([]byte(deep), Options{})
	var xe *Error
	require.True(t, errors.As(err, &xe))
	assert.True(t, xe.Limit)
	assert.Equal(t, Pos{1, 97}, xe.Pos)
	assert.Contains(t, xe.Msg, "nested more than 32 deep")

	_, err = Parse([]byte(deep), Options{MaxDepth: 40})
	assert.NoError(t, err)

	big := "<a>" + strings.Repeat(" ", 100) + "</a>"
	_, err = Parse([]byte(big), Options{MaxBytes: 50})
	require.True(t, errors.As(err, &xe))
	assert.True(t, xe.Limit)
	assert.Contains(t, xe.Msg, "larger than the limit of 50 bytes")
}

func TestPositions(t *testing.T) {
	in := "\ufeff<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n" +
		"<!DOCTYPE root SYSTEM \"x.dtd\">\n" +
		"<!-- comment -->\n" +
		"<root  a=\"1\"\n\tb='ü'>\n" +
		"  <ünï c=\"&#42;\" d='x'/>\n" +
		"  text\n" +
		"  <p:e xmlns:p=\"urn:p\" p:f=\"2\"></p:e>\n" +
		"</root>\n"
	doc, err := Parse([]byte(in), Options{})
	require.NoError(t, err)
	assert.Equal(t, "UTF-8", doc.BOM)
	require.NotNil(t, doc.Decl)
	assert.Equal(t, Decl{Pos: Pos{1, 1}, Version: "1.0", Encoding: "ISO-8859-1"}, *doc.Decl)
	require.NotNil(t, doc.Doctype)
	assert.Equal(t, Pos{2, 1}, doc.Doctype.Pos)
	assert.Equal(t, []Misc{{Pos: Pos{3, 1}, Kind: "comment"}}, doc.Outside)

	root := doc.Root
	assert.Equal(t, Pos{4, 1}, root.Pos)
	require.Len(t, root.Attrs, 2)
	assert.Equal(t, Pos{4, 8}, root.Attrs[0].Pos)
	assert.Equal(t, Pos{5, 2}, root.Attrs[1].Pos)
	assert.Equal(t, "ü", root.Attrs[1].Value)

	require.Len(t, root.Children, 2)
	uni := root.Children[0]
	assert.Equal(t, "ünï", uni.Local)
	assert.Equal(t, Pos{6, 3}, uni.Pos)
	assert.Equal(t, Pos{6, 8}, uni.Attrs[0].Pos, "columns count characters")
	assert.Equal(t, "*", uni.Attrs[0].Value, "character references are decoded")
	assert.Equal(t, Pos{6, 18}, uni.Attrs[1].Pos)
	assert.True(t, uni.SelfClosing)

	e := root.Children[1]
	assert.Equal(t, "p", e.Prefix)
	assert.Equal(t, "urn:p", e.Space)
	assert.False(t, e.SelfClosing)
	assert.False(t, e.HasContent())
	f, ok := e.Attr("f")
	assert.False(t, ok, "Attr finds unprefixed attributes only")
	assert.Equal(t, Attr{}, f)
	assert.Equal(t, "urn:p", e.Attrs[1].Space)
	assert.True(t, e.Attrs[0].IsNamespaceDecl())

	txt, ok := root.NonSpaceText()
	require.True(t, ok)
	assert.Equal(t, Pos{7, 3}, txt.Pos, "text points at its first non-space character")
}

func TestDefaultNamespace(t *testing.T) {
	doc, err := Parse([]byte(`<a xmlns="urn:x"><b/><c xmlns=""/></a>`), Options{})
	require.NoError(t, err)
	assert.Equal(t, "urn:x", doc.Root.Space)
	assert.Equal(t, "urn:x", doc.Root.Children[0].Space)
	assert.Equal(t, "", doc.Root.Children[1].Space)
}

func TestLeadingSpaceOption(t *testing.T) {
	in := []byte("\n  <?xml version='1.0'?>\n<a/>")
	_, err := Parse(in, Options{})
	require.Error(t, err)
	doc, err := Parse(in, Options{LeadingSpace: true})
	require.NoError(t, err)
	require.NotNil(t, doc.LeadingSpace)
	assert.Equal(t, Pos{1, 1}, *doc.LeadingSpace)
	assert.Equal(t, Pos{2, 3}, doc.Decl.Pos)

	// Whitespace before a root without a declaration is plain XML.
	doc, err = Parse([]byte("\n\n<a/>"), Options{})
	require.NoError(t, err)
	assert.Nil(t, doc.LeadingSpace)
}

func TestStopAtNUL(t *testing.T) {
	in := []byte("<a/>\x00garbage")
	_, err := Parse(in, Options{})
	require.Error(t, err)
	doc, err := Parse(in, Options{StopAtNUL: true})
	require.NoError(t, err)
	assert.True(t, doc.TrailingNUL)
}

func TestUTF16(t *testing.T) {
	text := "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<a b=\"ü\"/>"
	u := utf16.Encode([]rune(text))
	le := []byte{0xFF, 0xFE}
	be := []byte{0xFE, 0xFF}
	for _, c := range u {
		le = append(le, byte(c), byte(c>>8))
		be = append(be, byte(c>>8), byte(c))
	}
	for name, in := range map[string][]byte{"UTF-16LE": le, "UTF-16BE": be} {
		doc, err := Parse(in, Options{})
		require.NoError(t, err, name)
		assert.Equal(t, name, doc.BOM)
		assert.Equal(t, "ü", doc.Root.Attrs[0].Value)
		assert.Equal(t, Pos{2, 4}, doc.Root.Attrs[0].Pos)
	}
}

func TestScanAttrOffsets(t *testing.T) {
	tag := []byte(`<a  x = "1>" y='"'	z="3"/>`)
	assert.Equal(t, []int{4, 13, 19}, scanAttrOffsets(tag, nil, 3))
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"<a/>", "<a b='1'><c/>t</a>", "\ufeff<?xml version='1.0'?><a/>", "<!DOCTYPE a><a>&amp;</a>", "<p:a xmlns:p='u'/>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, opt := range []Options{{}, {LeadingSpace: true, StopAtNUL: true}} {
			doc, err := Parse(b, opt)
			if err != nil {
				var xe *Error
				if !errors.As(err, &xe) || xe.Pos.Line < 1 || xe.Pos.Col < 1 {
					t.Fatalf("error %v (%T) without a position", err, err)
				}
				continue
			}
			if doc.Root == nil {
				t.Fatal("a document without a root")
			}
		}
	})
}

// TestPosCounter checks the bulk counting of positions against counting
// one character at a time from the start, at every offset of texts with
// newlines, multi-byte characters and invalid bytes, visited in order
// with gaps and restarts.
func TestPosCounter(t *testing.T) {
	slow := func(src []byte, off int) Pos {
		line, col := 1, 1
		for i := 0; i < off && i < len(src); {
			r, n := utf8.DecodeRune(src[i:])
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i += n
		}
		return Pos{line, col}
	}
	for _, src := range []string{"", "abc", "a\nb\n\ncd", "é\nü€x\n𝄞y", "a\xffb\n\xe2\x82", "\n\n\n"} {
		for step := 1; step <= 3; step++ {
			c := posCounter{line: 1, col: 1}
			for off := 0; off <= len(src); off += step {
				if !utf8.RuneStart(append([]byte(src), 0)[off]) {
					continue // the decoder's offsets fall on characters
				}
				assert.Equal(t, slow([]byte(src), off), c.at([]byte(src), off), "%q at %d", src, off)
			}
			// A restart from an earlier offset.
			assert.Equal(t, slow([]byte(src), 0), c.at([]byte(src), 0), "%q restarted", src)
		}
	}
}
