package finding

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

func TestLevel(t *testing.T) {
	for _, l := range []Level{Info, Low, Medium, High} {
		got, err := ParseLevel(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, got)
	}
	got, err := ParseLevel("HIGH")
	require.NoError(t, err)
	assert.Equal(t, High, got)
	_, err = ParseLevel("critical")
	assert.EqualError(t, err, `unknown level "critical": want info, low, medium or high`)
	assert.Equal(t, "Level(9)", Level(9).String())
	assert.True(t, Info < Low && Low < Medium && Medium < High)
}

func TestFindingString(t *testing.T) {
	f := Finding{Code: "open-access", Level: High, Message: "m", File: "f.xml", Pos: match.Pos{Line: 2, Col: 3}}
	assert.Equal(t, "f.xml:2:3: high: open-access: m", f.String())
	f.File, f.Pos = "", match.Pos{}
	assert.Equal(t, "high: open-access: m", f.String())
}

func TestWildcardFinding(t *testing.T) {
	for _, tt := range []struct {
		host, code string
	}{
		{"*.co.uk", SuffixWildcard},
		{"*.CO.UK", SuffixWildcard},
		{"*.github.io", SuffixWildcard},
		{"*.com", SuffixWildcard},
		{"*.example.co.uk", WideWildcard},
		{"*.example.com", WideWildcard},
		{"example.com", ""},
		{"*", ""},
		{"*.", ""},
		{"www.example.com", ""},
	} {
		f, ok := Wildcard(tt.host, tt.host)
		assert.Equal(t, tt.code != "", ok, tt.host)
		assert.Equal(t, tt.code, f.Code, tt.host)
	}
}

// TestFindingDocs checks that every code constant of this package (a
// string constant) is documented in Docs, once, in order.
func TestFindingDocs(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "finding.go", nil, 0)
	require.NoError(t, err)
	var consts []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						consts = append(consts, strings.Trim(lit.Value, `"`))
					}
				}
			}
		}
	}
	require.NotEmpty(t, consts)
	var documented []string
	for _, d := range Docs {
		documented = append(documented, d.Code)
		assert.NotEmpty(t, d.Title, d.Code)
		assert.NotEmpty(t, d.Help, d.Code)
		assert.True(t, d.Level >= Info && d.Level <= High, d.Code)
		got, ok := DocFor(d.Code)
		assert.True(t, ok)
		assert.Equal(t, d, got)
	}
	assert.Equal(t, consts, documented)
	_, ok := DocFor("no-such-code")
	assert.False(t, ok)
}

func TestInternalFinding(t *testing.T) {
	for _, tt := range []struct {
		host string
		why  string // "" when not internal
	}{
		{"10.0.0.5", "a private address"},
		{"172.16.4.1", "a private address"},
		{"192.168.1.1", "a private address"},
		{"127.0.0.1", "a loopback address"},
		{"[::1]", "a loopback address"},
		{"fd00::1", "a private address"},
		{"169.254.10.1", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"0.0.0.0", "the unspecified address"},
		{"localhost", "localhost"},
		{"LOCALHOST", "localhost"},
		{"intranet", "a single-label name"},
		{"intranet.local", "under .local"},
		{"*.corp.internal", "under .internal"},
		{"printer.lan", "under .lan"},
		{"nas.home.arpa", "under .home.arpa"},
		{"app.localhost", "under .localhost"},
		{"www.example.com", ""},
		{"8.8.8.8", ""},
		{"2001:db8::1", ""},
		{"*", ""},
		{"*.example.com", ""},
		{"local.example.com", ""},
		{"corp.example", ""},
	} {
		f, ok := Internal(tt.host, tt.host)
		assert.Equal(t, tt.why != "", ok, tt.host)
		if ok {
			assert.Equal(t, InternalHost, f.Code)
			assert.Equal(t, Low, f.Level)
			assert.Contains(t, f.Message, tt.why, tt.host)
		}
	}
	assert.Len(t, Trusted("*.office.lan", "*.office.lan", nil), 2, "a wide wildcard and an internal one")
}

func TestAllowlist(t *testing.T) {
	a, err := ParseAllowlist(strings.NewReader("# partners\nwww.partner.example\n*.cdn.example\n\n10.0.0.5\n"))
	require.NoError(t, err)
	for _, tt := range []struct {
		host    string
		covered bool
	}{
		{"www.partner.example", true},
		{"WWW.Partner.Example", true},
		{"img.cdn.example", true},
		{"*.eu.cdn.example", true},
		{"cdn.example", true},
		{"10.0.0.5", true},
		{"partner.example", false},
		{"*.partner.example", false},
		{"evil.example", false},
		{"*", false},
		{"www.*.example", true}, // admits no one
	} {
		assert.Equal(t, tt.covered, a.Covers(tt.host), tt.host)
		_, outside := a.Outside(tt.host, tt.host)
		assert.Equal(t, !tt.covered, outside, tt.host)
	}
	f, _ := a.Outside("*", "*")
	assert.Equal(t, Finding{Code: UntrustedCaller, Level: Medium, Message: `"*" trusts every caller the allowlist does not`}, f)
	var none *Allowlist
	assert.True(t, none.Covers("*"), "no allowlist, no finding")

	_, err = ParseAllowlist(strings.NewReader("ok.example\nwww.*.example\n"))
	assert.ErrorContains(t, err, "line 2: ")
}

func TestClassification(t *testing.T) {
	for _, d := range Docs {
		assert.NotEmpty(t, CWE(d.Code), "%s has a CWE", d.Code)
	}
	assert.Equal(t, "CWE-942", CWE(OpenAccess))
	assert.Equal(t, "WSTG-CONF-08", WSTG)
}

func TestEvidence(t *testing.T) {
	src := []byte("<cross-domain-policy>\n  <allow-access-from domain=\"*\" secure='a>b'/>\n  <é x=\"1\">\n</cross-domain-policy>")
	assert.Equal(t, `<allow-access-from domain="*" secure='a>b'/>`, Evidence(src, match.Pos{Line: 2, Col: 3}))
	assert.Equal(t, `<é x="1">`, Evidence(src, match.Pos{Line: 3, Col: 3}))
	assert.Equal(t, "", Evidence(src, match.Pos{Line: 2, Col: 1}), "not at a tag")
	assert.Equal(t, "", Evidence(src, match.Pos{}))
	assert.Equal(t, "", Evidence(src, match.Pos{Line: 9, Col: 1}))
	long := []byte(`<allow-access-from domain="` + strings.Repeat("a", 300) + `"/>`)
	assert.Len(t, []rune(Evidence(long, match.Pos{Line: 1, Col: 1})), 201, "clipped to 200 bytes and an ellipsis")
}

// FuzzEvidence: quoting an entry from untrusted bytes never panics, and
// gives valid UTF-8 of a bounded length that starts at a tag.
func FuzzEvidence(f *testing.F) {
	f.Add([]byte("<a b=\"c\"/>"), 1, 1)
	f.Add([]byte("<cross-domain-policy>\n  <allow-access-from domain=\"*\"/>"), 2, 3)
	f.Add([]byte("\xff<\xfe x='>"), 1, 2)
	f.Fuzz(func(t *testing.T, src []byte, line, col int) {
		e := Evidence(src, match.Pos{Line: line, Col: col})
		if e == "" {
			return
		}
		if !utf8.ValidString(e) || e[0] != '<' || len(e) > maxEvidence+len("…")+1 {
			t.Fatalf("Evidence = %q", e)
		}
	})
}

// FuzzAllowlist: any allowlist text parses or fails cleanly, and what it
// covers holds: a pattern it covers admits no host the list does not.
func FuzzAllowlist(f *testing.F) {
	f.Add("www.partner.example\n*.cdn.example\n", "*.x.cdn.example", "a.x.cdn.example")
	f.Add("# c\n10.0.0.5\n", "10.0.0.5", "10.0.0.5")
	f.Add("*\n", "*", "anything.example")
	f.Fuzz(func(t *testing.T, list, pattern, host string) {
		a, err := ParseAllowlist(strings.NewReader(list))
		if err != nil {
			return
		}
		if !a.Covers(pattern) {
			return
		}
		p, err := match.ParseHostPattern(strings.ToLower(pattern), match.WildcardWithApex)
		if err != nil {
			return
		}
		h, err := match.NormalizeHost(host)
		if err != nil || !p.Match(h) {
			return
		}
		for _, q := range a.patterns {
			if q.Match(h) {
				return
			}
		}
		t.Fatalf("the list covers %q, which admits %q, but no listed pattern does", pattern, h)
	})
}

func TestAllowlistLongLine(t *testing.T) {
	_, err := ParseAllowlist(strings.NewReader(strings.Repeat("a", 70000) + "\n"))
	assert.ErrorContains(t, err, "one host pattern a line")
}
