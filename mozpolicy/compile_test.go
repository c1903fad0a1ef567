package mozpolicy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

// compile parses src (which must be accepted) and compiles it for loc
// ("" for the zero Location).
func compile(t testing.TB, src, loc string) *match.Policy {
	t.Helper()
	pol, _, err := Parse([]byte(src))
	require.NoError(t, err)
	var l match.Target
	if loc != "" {
		l, err = match.ParseTarget(loc)
		require.NoError(t, err)
	}
	return pol.Compile(CompileOptions{Location: l})
}

type request struct {
	origin, target, typ string
	allowed             bool
	code                match.Code
}

func check(t *testing.T, p *match.Policy, tests []request) {
	t.Helper()
	for _, tt := range tests {
		req, err := match.NewRequest(tt.origin, tt.target)
		require.NoError(t, err)
		req.Type = tt.typ
		d := p.Decide(req)
		assert.Equal(t, tt.allowed, d.Allowed, "%s -> %s (%s): %s", tt.origin, tt.target, tt.typ, d)
		if tt.code != 0 {
			assert.Equal(t, tt.code, d.Code, "%s -> %s (%s): %s", tt.origin, tt.target, tt.typ, d)
		}
	}
}

func TestCompileTypes(t *testing.T) {
	p := compile(t, file(`<allow type="load" from="*"/>
<allow type="soap" from="*.partner.example"/>
<allow type="any" from="friend.example"/>
<allow type="Save" from="*"/>`), "")
	const target = "http://www.company.com/svc"
	check(t, p, []request{
		{"http://a.example/", target, "load", true, match.Granted},
		{"http://a.example/", target, "xml", false, match.TypeNotAllowed},
		{"http://a.example/", target, "save", false, match.TypeNotAllowed}, // "Save" is not "save"
		{"http://a.example/", target, "", false, match.TypeNotAllowed},
		{"http://www.partner.example/", target, "soap", true, match.Granted},
		{"http://www.partner.example/", target, "xml", false, match.TypeNotAllowed},
		{"http://friend.example/", target, "save", true, match.Granted},
		{"http://friend.example/", target, "", true, match.Granted}, // only "any" admits an untyped request
	})
	assert.Len(t, p.Rules, 3, "the rule of unknown type is left out")
	assert.Equal(t, []string{`<allow type="Save" from="*"> at 6:1, which matches nothing: type "Save" is not any, xml, soap, load or save`}, p.Ignored)
}

func TestCompileFirstMatchDecides(t *testing.T) {
	// The first <allow> whose type, from and to match decides; one that
	// matches nothing (here: delegate="yes") is skipped.
	p := compile(t, file(`<allow from="a.example" to="private/" delegate="true"/>
<allow from="*" delegate="yes"/>
<allow from="*.example" to="public/"/>
<allow from="a.example"/>`), "http://www.company.com/cross-domain-policy.xml")
	check(t, p, []request{
		{"http://a.example/", "http://www.company.com/private/x.xml", "xml", false, match.Delegated},                // private/ is below the file's directory: the first rule delegates
		{"http://a.example/", "http://www.company.com/private/sub/x.xml", "xml", false, match.Delegated},            // one level at a time
		{"http://a.example/", "http://www.company.com/public/x.xml", "xml", true, match.Granted},                    // third rule
		{"http://a.example/", "http://www.company.com/other/x.xml", "xml", true, match.Granted},                     // fourth rule
		{"http://b.example/", "http://www.company.com/other/x.xml", "xml", false, match.NotGranted},                 // third rule's scope only
		{"http://b.other/", "http://www.company.com/public/x.xml", "xml", false, match.NoCaller},                    // no from matches
		{"http://a.example/", "https://www.company.com/public/x.xml", "xml", false, match.OutOfScope},               // another scheme is another site
		{"http://a.example/", "http://api.company.com/public/x.xml", "xml", false, match.OutOfScope},                // subdomains are not governed
		{"http://a.example/", "http://www.company.com:8080/public/x.xml", "xml", false, match.OutOfScope},           // nor other ports
		{"http://a.example/", "http://www.company.com/public/%2e%2e/private/x", "xml", false, match.PathCharacters}, // /private/x: the first rule decides, and its to applies the path-character rule
		{"http://b.example/", "http://www.company.com/public/%2e%2e/secret/x", "xml", false, match.NotGranted},      // normalized to /secret/x
	})
}

func TestCompileToScoping(t *testing.T) {
	root := "http://www.company.com/cross-domain-policy.xml"
	sub := "http://www.company.com/users/alice/cross-domain-policy.xml"
	tests := []struct {
		loc, to, target string
		allowed         bool
		code            match.Code
	}{
		{root, "service/", "http://www.company.com/service/foo.xml", true, match.Granted},
		{root, "service/", "http://www.company.com/service/", true, match.Granted},
		{root, "service/", "http://www.company.com/service", false, match.NotGranted},
		{root, "service/", "http://www.company.com/services/foo.xml", false, match.NotGranted},
		{root, "service", "http://www.company.com/service/foo.xml", true, match.Granted},
		{root, "service/", "http://www.company.com/service/../admin/users.xml", false, match.NotGranted},
		{root, "service/", "http://www.company.com/service/%2e%2e/admin/users.xml", false, match.NotGranted},
		{root, "service/", "http://www.company.com/service/%2E%2E/admin/users.xml", false, match.NotGranted},
		{root, "service/", "http://www.company.com/Service/foo.xml", false, match.NotGranted}, // case-sensitive
		// The path-character rule: a rule with to denies a raw path
		// holding '%', "./" or "..", even when it lands inside.
		{root, "service/", "http://www.company.com/service/a/../foo.xml", false, match.PathCharacters},
		{root, "service/", "http://www.company.com/service/foo%41.xml", false, match.PathCharacters},
		{root, "service/", "http://www.company.com/service/./foo.xml", false, match.PathCharacters},
		// ...and a rule without to covers the whole scope without it.
		{root, "", "http://www.company.com/service/a/../foo.xml", true, match.Granted},
		{root, "./", "http://www.company.com/foo%41.xml", false, match.PathCharacters},
		{root, "a/../b/", "http://www.company.com/b/x", true, match.Granted},
		{root, "a/../b/", "http://www.company.com/a/x", false, match.NotGranted},
		{root, "my%20dir/", "http://www.company.com/my%20dir/x", false, match.PathCharacters},
		{root, "my dir/", "http://www.company.com/my dir/x", true, match.Granted},
		// A delegated file's to is relative to its own directory.
		{sub, "feeds/", "http://www.company.com/users/alice/feeds/x.xml", true, match.Granted},
		{sub, "feeds/", "http://www.company.com/feeds/x.xml", false, match.OutOfScope},
		{sub, "", "http://www.company.com/users/alice/x.xml", true, match.Granted},
		{sub, "", "http://www.company.com/users/bob/x.xml", false, match.OutOfScope},
		// Escapes never match.
		{root, "../", "http://www.company.com/x", false, match.NoCaller},
		{sub, "../bob/", "http://www.company.com/users/bob/x", false, match.OutOfScope},
		{sub, "%2e%2e/bob/", "http://www.company.com/users/alice/x", false, match.NoCaller},
		{root, "/service/", "http://www.company.com/service/x", false, match.NoCaller},
	}
	for _, tt := range tests {
		src := file(`<allow from="*"/>`)
		if tt.to != "" {
			src = file(`<allow from="*" to="` + tt.to + `"/>`)
		}
		p := compile(t, src, tt.loc)
		req, err := match.NewRequest("http://a.example/", tt.target)
		require.NoError(t, err)
		d := p.Decide(req)
		assert.Equal(t, tt.allowed, d.Allowed, "to=%q at %s, %s: %s", tt.to, tt.loc, tt.target, d)
		assert.Equal(t, tt.code, d.Code, "to=%q at %s, %s: %s", tt.to, tt.loc, tt.target, d)
	}
}

func TestCompileIDN(t *testing.T) {
	p := compile(t, file(`<allow from="*.bücher.example" type="load"/>
<allow from="ＷＷＷ.Straße.example"/>`), "")
	const target = "http://www.company.com/x.xml"
	check(t, p, []request{
		{"http://www.xn--bcher-kva.example/", target, "load", true, match.Granted},
		{"http://www.bücher.example/", target, "load", true, match.Granted},
		{"http://WWW.BÜCHER.EXAMPLE/", target, "load", true, match.Granted},
		{"http://www.ｂücher.example/", target, "load", true, match.Granted}, // full-width b
		{"http://xn--bcher-kva.example/", target, "load", false, match.NoCaller},
		{"http://www.bucher.example/", target, "load", false, match.NoCaller},
		{"http://www.xn--strae-oqa.example/", target, "xml", true, match.Granted}, // ß kept (non-transitional)
		{"http://www.straße.example/", target, "xml", true, match.Granted},
		{"http://www.strasse.example/", target, "xml", false, match.NoCaller},
	})
}

func TestCompileDelegationReason(t *testing.T) {
	p := compile(t, file(`<allow type="xml" from="*.foo.com" delegate="true"/>`), "http://www.company.com/cross-domain-policy.xml")
	req, err := match.NewRequest("http://bar.foo.com/p", "http://www.company.com/service/foo.xml")
	require.NoError(t, err)
	req.Type = TypeXML
	d := p.Decide(req)
	assert.Equal(t, match.Delegated, d.Code)
	assert.False(t, d.Allowed)
	assert.Equal(t, "http://www.company.com/service/cross-domain-policy.xml", d.Next)
	assert.Equal(t, `deny: <allow type="xml" from="*.foo.com" delegate="true"> at 3:1 in http://www.company.com/cross-domain-policy.xml admits http://bar.foo.com/p by "*.foo.com" but delegates the decision to http://www.company.com/service/cross-domain-policy.xml, the next file toward http://www.company.com/service/foo.xml; without that file's leave the request is denied`, d.String())
}

func TestCompileMethodsAndHeaders(t *testing.T) {
	p := compile(t, file(`<allow from="*"/>`), "")
	req, err := match.NewRequest("https://a.example/", "https://www.company.com/x")
	require.NoError(t, err)
	req.Method, req.Headers = "PUT", []string{"X-Custom", "SOAPAction"}
	assert.True(t, p.Decide(req).Allowed, "the draft has no method or header rules")
}

func TestCompileDelegateInOwnDirectory(t *testing.T) {
	// A delegating rule for a target directly in the file's directory
	// simply allows.
	p := compile(t, file(`<allow from="*" delegate="true"/>`), "http://www.company.com/users/cross-domain-policy.xml")
	check(t, p, []request{
		{"http://a.example/", "http://www.company.com/users/feed.xml", "xml", true, match.Granted},
		{"http://a.example/", "http://www.company.com/users/", "xml", true, match.Granted},
		{"http://a.example/", "http://www.company.com/users/alice/feed.xml", "xml", false, match.Delegated},
	})
}
