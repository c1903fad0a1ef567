package mozpolicy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

// diag is the part of a diagnostic the tables check.
type diag struct {
	Line, Col int
	Severity  match.Severity
	Code      string
}

func diags(ds []match.Diagnostic) []diag {
	out := []diag{}
	for _, d := range ds {
		out = append(out, diag{d.Pos.Line, d.Pos.Col, d.Severity, d.Code})
	}
	return out
}

// file builds a policy in the draft's namespace around body, one element
// per line from line 3 on.
func file(body string) string {
	return "<?xml version=\"1.0\"?>\n<cross-domain-policy xmlns=\"http://somedomain/2005/cross-domain-policy\">\n" + body + "\n</cross-domain-policy>\n"
}

func TestParseModel(t *testing.T) {
	src := file(`  <allow type="xml" from="*.foo.com" delegate="true"/>
  <allow type="load" from="partner.example" to="feeds/"/>
  <allow/>`)
	pol, ds, err := Parse([]byte(src))
	require.NoError(t, err)
	assert.Empty(t, ds)
	want := &Policy{
		Namespace: Namespace,
		Pos:       match.Pos{Line: 2, Col: 1},
		Allow: []Allow{
			{Type: "xml", From: "*.foo.com", Delegate: "true", Pos: match.Pos{Line: 3, Col: 3}},
			{Type: "load", From: "partner.example", To: "feeds/", Pos: match.Pos{Line: 4, Col: 3}},
			{Pos: match.Pos{Line: 5, Col: 3}},
		},
	}
	if diff := cmp.Diff(want, pol); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}

	// Without the namespace the file is the same.
	plain := strings.Replace(src, ` xmlns="http://somedomain/2005/cross-domain-policy"`, "", 1)
	pol2, ds, err := ParseStrict([]byte(plain))
	require.NoError(t, err)
	assert.Empty(t, ds)
	want.Namespace = ""
	if diff := cmp.Diff(want, pol2); diff != "" {
		t.Errorf("policy without namespace (-want +got):\n%s", diff)
	}
}

func TestParseDiagnostics(t *testing.T) {
	W, E := match.Warning, match.Error
	tests := []struct {
		name    string
		src     string
		runtime []diag // the client's reading
		strict  []diag // the strict reading, when it differs
		reject  bool   // the client rejects the file
	}{
		{"clean", file(`<allow type="soap" from="www.partner.example" to="svc/" delegate="false"/>`), nil, nil, false},
		{"unknown type", file(`<allow type="everything"/>`), []diag{{3, 8, W, "invalid-value"}}, []diag{{3, 8, E, "invalid-value"}}, false},
		{"type is case-sensitive", file(`<allow type="SOAP"/>`), []diag{{3, 8, W, "invalid-value"}}, []diag{{3, 8, E, "invalid-value"}}, false},
		{"empty type", file(`<allow type=""/>`), []diag{{3, 8, W, "invalid-value"}}, []diag{{3, 8, E, "invalid-value"}}, false},
		{"from never matches: inner wildcard", file(`<allow from="www.*.com"/>`), []diag{{3, 8, W, "never-matches"}}, []diag{{3, 8, E, "never-matches"}}, false},
		{"from never matches: URL", file(`<allow from="http://a.example"/>`), []diag{{3, 8, W, "never-matches"}}, []diag{{3, 8, E, "never-matches"}}, false},
		{"from never matches: port", file(`<allow from="a.example:8080"/>`), []diag{{3, 8, W, "never-matches"}}, []diag{{3, 8, E, "never-matches"}}, false},
		{"empty from", file(`<allow from=""/>`), []diag{{3, 8, W, "invalid-value"}}, []diag{{3, 8, E, "invalid-value"}}, false},
		{"to climbs out", file(`<allow to="../x/"/>`), []diag{{3, 8, W, "never-matches"}}, []diag{{3, 8, E, "never-matches"}}, false},
		{"to climbs out escaped", file(`<allow to="a/%2e%2e/%2E%2E/x/"/>`), []diag{{3, 8, W, "never-matches"}}, []diag{{3, 8, E, "never-matches"}}, false},
		{"to absolute", file(`<allow to="/service/"/>`), []diag{{3, 8, W, "never-matches"}}, []diag{{3, 8, E, "never-matches"}}, false},
		{"to URL", file(`<allow to="http://evil.example/"/>`), []diag{{3, 8, W, "never-matches"}}, []diag{{3, 8, E, "never-matches"}}, false},
		{"to without slash", file(`<allow to="service"/>`), nil, []diag{{3, 8, E, "invalid-value"}}, false},
		{"to that stays inside", file(`<allow to="a/../b/"/>`), nil, nil, false},
		{"delegate other than true or false", file(`<allow delegate="yes"/>`), []diag{{3, 8, W, "invalid-value"}}, []diag{{3, 8, E, "invalid-value"}}, false},
		{"delegate in capitals", file(`<allow delegate="TRUE"/>`), []diag{{3, 8, W, "invalid-value"}}, []diag{{3, 8, E, "invalid-value"}}, false},
		{"unknown attribute", file(`<allow form="*"/>`), []diag{{3, 8, W, "unknown-attribute"}}, []diag{{3, 8, E, "unknown-attribute"}}, false},
		{"prefixed attribute", file(`<allow xmlns:x="urn:x" x:from="*"/>`), []diag{{3, 24, W, "unknown-attribute"}}, []diag{{3, 24, E, "unknown-attribute"}}, false},
		{"unknown element", file(`<allow-access-from domain="*"/>`), []diag{{2, 1, W, "empty"}, {3, 1, W, "unknown-element"}}, []diag{{2, 1, W, "empty"}, {3, 1, E, "unknown-element"}}, false},
		{"allow in another namespace", file(`<allow xmlns="urn:other"/>`), []diag{{2, 1, W, "empty"}, {3, 1, W, "unknown-element"}}, []diag{{2, 1, W, "empty"}, {3, 1, E, "unknown-element"}}, false},
		{"allow with content", file(`<allow from="*">text</allow>`), []diag{{3, 1, W, "text"}}, []diag{{3, 1, E, "text"}}, false},
		{"allow with whitespace", file("<allow from=\"*\">\n</allow>"), nil, []diag{{3, 1, E, "text"}}, false},
		{"text in the root", file(`hello <allow/>`), []diag{{3, 1, W, "text"}}, []diag{{3, 1, E, "text"}}, false},
		{"root attribute", `<cross-domain-policy version="1"><allow/></cross-domain-policy>`, []diag{{1, 22, W, "unknown-attribute"}}, []diag{{1, 22, E, "unknown-attribute"}}, false},
		{"no allow", file(``), []diag{{2, 1, W, "empty"}}, nil, false},
		{"prefixed root in the draft's namespace", `<p:cross-domain-policy xmlns:p="http://somedomain/2005/cross-domain-policy"><p:allow/></p:cross-domain-policy>`, nil, []diag{{1, 1, E, "namespace"}}, false},
		{"wrong root", `<access-policy/>`, []diag{{1, 1, E, "root"}}, nil, true},
		{"Flash root is fine, its children are not", `<cross-domain-policy><site-control permitted-cross-domain-policies="all"/></cross-domain-policy>`, []diag{{1, 1, W, "empty"}, {1, 22, W, "unknown-element"}}, []diag{{1, 1, W, "empty"}, {1, 22, E, "unknown-element"}}, false},
		{"root in another namespace", `<cross-domain-policy xmlns="urn:other"><allow/></cross-domain-policy>`, []diag{{1, 1, E, "namespace"}}, nil, true},
		{"not well-formed", `<cross-domain-policy><allow from="*"></cross-domain-policy>`, []diag{{1, 38, E, "syntax"}}, nil, true},
		{"unclosed", `<cross-domain-policy><allow from="*">`, []diag{{1, 38, E, "syntax"}}, nil, true},
		{"whitespace before the declaration", " \n" + file(`<allow/>`), []diag{{1, 1, E, "syntax"}}, nil, true},
		{"entity", file(`<allow from="&ent;"/>`), []diag{{3, 14, E, "syntax"}}, nil, true},
		{"latin-1 declared, ASCII content", strings.Replace(file(`<allow/>`), `version="1.0"`, `version="1.0" encoding="ISO-8859-1"`, 1), []diag{{1, 1, W, "prolog"}}, []diag{{1, 1, E, "prolog"}}, false},
		{"latin-1 declared, non-ASCII content", strings.Replace(file("<allow from=\"b\xfccher.example\"/>"), `version="1.0"`, `version="1.0" encoding="ISO-8859-1"`, 1), []diag{{1, 1, E, "prolog"}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds, err := Parse([]byte(tt.src))
			want := tt.runtime
			if want == nil {
				want = []diag{}
			}
			assert.Equal(t, want, diags(ds), "runtime: %v", ds)
			assert.Equal(t, tt.reject, err != nil, "runtime error: %v", err)
			if err != nil {
				var d *match.Diagnostic
				require.True(t, errors.As(err, &d))
				assert.Equal(t, match.Error, d.Severity)
			}

			_, ds, err = ParseStrict([]byte(tt.src))
			want = tt.strict
			if want == nil {
				want = tt.runtime
			}
			if want == nil {
				want = []diag{}
			}
			assert.Equal(t, want, diags(ds), "strict: %v", ds)
			hasError := false
			for _, d := range want {
				hasError = hasError || d.Severity == match.Error
			}
			assert.Equal(t, hasError, err != nil, "strict error: %v", err)
		})
	}
}

func TestParseMessages(t *testing.T) {
	_, ds, _ := Parse([]byte(file(`<allow type="SOAP" from="*.*.example" to="../up/" delegate="yes"/>`)))
	var msgs []string
	for _, d := range ds {
		msgs = append(msgs, d.String())
	}
	assert.Equal(t, []string{
		`3:8: warning: type "SOAP" is not any, xml, soap, load or save (case-sensitive); this <allow> matches no request (did you mean soap?)`,
		`3:20: warning: from "*.*.example" never matches: a wildcard is allowed only as one whole leading "*." label; this <allow> matches no caller`,
		`3:39: warning: to "../up/" never matches: it climbs out of the policy file's directory with ".."; this <allow> matches no target`,
		`3:51: warning: delegate "yes" is neither true nor false; this <allow> matches nothing`,
	}, msgs)
}

func TestParseLimits(t *testing.T) {
	big := file(strings.Repeat(`<allow from="a.example"/>`+"\n", 100))
	_, _, err := Parser{MaxBytes: 1000}.Parse([]byte(big))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1000")

	deep := "<cross-domain-policy>" + strings.Repeat("<allow>", 40) + strings.Repeat("</allow>", 40) + "</cross-domain-policy>"
	_, _, err = Parse([]byte(deep))
	require.Error(t, err)

	_, _, err = Parse([]byte(`<!DOCTYPE cross-domain-policy [<!ENTITY x "y">]><cross-domain-policy><allow from="&x;"/></cross-domain-policy>`))
	require.Error(t, err, "entities are never expanded")
}

func TestParseFrom(t *testing.T) {
	tests := []struct {
		from    string
		origins map[string]bool
	}{
		{"", map[string]bool{"http://a.example/": true, "file:///x.html": true}},
		{"*", map[string]bool{"https://b.example:8443/": true, "file:///x.html": true}},
		{"www.foo.com", map[string]bool{"http://www.foo.com/": true, "https://WWW.FOO.COM:444/": true, "http://foo.com/": false, "http://a.www.foo.com/": false}},
		{"*.foo.com", map[string]bool{"http://bar.foo.com/": true, "http://a.b.foo.com/": true, "http://foo.com/": false, "http://evilfoo.com/": false, "http://foo.com.evil/": false}},
		// IDN: Unicode and Punycode spellings, capitals and full-width
		// letters are one name after UTS 46 mapping.
		{"bücher.example", map[string]bool{"http://xn--bcher-kva.example/": true, "http://BÜCHER.example/": true, "http://ｂücher.example/": true, "http://bucher.example/": false}},
		{"xn--bcher-kva.example", map[string]bool{"http://bücher.example/": true}},
		{"*.BÜCHER.example", map[string]bool{"http://www.xn--bcher-kva.example/": true, "http://xn--bcher-kva.example/": false}},
		{"ＷＷＷ.foo.com", map[string]bool{"http://www.foo.com/": true}},
		{"10.0.0.1", map[string]bool{"http://10.0.0.1/": true, "http://10.0.0.2/": false}},
	}
	for _, tt := range tests {
		c, err := ParseFrom(tt.from)
		require.NoError(t, err, tt.from)
		for origin, want := range tt.origins {
			o, err := match.ParseOrigin(origin)
			require.NoError(t, err, origin)
			assert.Equal(t, want, c.Match(o), "from %q, caller %s", tt.from, origin)
		}
	}
	for _, bad := range []string{"*.", "**", "www.*.com", "*foo.com", "http://foo.com", "foo.com/path", "foo.com:80", " foo.com", "*.10.0.0", "exa mple.com"} {
		_, err := ParseFrom(bad)
		var pe *match.PatternError
		assert.True(t, errors.As(err, &pe), "%q: %v", bad, err)
	}
}

func TestParseTo(t *testing.T) {
	for to, want := range map[string]string{
		"":                 "",
		"./":               "",
		".":                "",
		"service/":         "service/",
		"service":          "service/",
		"a/b/":             "a/b/",
		"a/../b/":          "b/",
		"a/./b":            "a/b/",
		"my%20dir/":        "my dir/",
		"a//b/":            "a//b/",
		"%C3%BCber/":       "über/",
		"über/":            "über/",
		"a/%2e%2e/b/":      "b/",
		"service/./../x/y": "x/y/",
	} {
		got, err := ParseTo(to)
		require.NoError(t, err, to)
		assert.Equal(t, want, got, to)
	}
	for _, bad := range []string{"../", "..", "a/../../x/", "%2e%2e/", "%2E%2E/x/", "/service/", `\service\`, "http://evil.example/", "//evil.example/x/", "svc/?x", "svc/#x", "bad%zz/", "javascript:x"} {
		_, err := ParseTo(bad)
		var pe *match.PatternError
		assert.True(t, errors.As(err, &pe), "%q: %v", bad, err)
	}
}
