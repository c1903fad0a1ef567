package clientaccess

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// file builds a clientaccesspolicy.xml whose one policy holds body.
func file(body string) string {
	return "<access-policy>\n<cross-domain-access>\n<policy>\n" + body + "\n</policy>\n</cross-domain-access>\n</access-policy>\n"
}

const okAllowFrom = `<allow-from><domain uri="*"/></allow-from>`
const okGrantTo = `<grant-to><resource path="/"/></grant-to>`

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

var ignorePos = cmpopts.IgnoreTypes(match.Pos{})

func TestParseModel(t *testing.T) {
	src := `<?xml version="1.0" encoding="utf-8"?>
<access-policy>
  <cross-domain-access>
    <policy>
      <allow-from http-request-headers="SOAPAction, X-API-*" http-methods="*">
        <domain uri="http://app.example.net"/>
        <domain uri="https://*.partner.example"/>
      </allow-from>
      <grant-to>
        <resource path="/data" include-subpaths="true"/>
        <resource path="/api/v1/status"></resource>
        <socket-resource port="4502-4506" protocol="tcp"/>
      </grant-to>
    </policy>
  </cross-domain-access>
</access-policy>
`
	pol, ds, err := Parse([]byte(src))
	require.NoError(t, err)
	assert.Empty(t, ds)
	want := &Policy{
		Pos: match.Pos{Line: 2, Col: 1},
		CrossDomainAccess: []CrossDomainAccess{{
			Pos: match.Pos{Line: 3, Col: 3},
			Policies: []Rule{{
				Pos: match.Pos{Line: 4, Col: 5},
				AllowFrom: []AllowFrom{{
					Pos:                match.Pos{Line: 5, Col: 7},
					HTTPRequestHeaders: "SOAPAction, X-API-*",
					HTTPMethods:        "*",
					Domains: []Domain{
						{URI: "http://app.example.net", Pos: match.Pos{Line: 6, Col: 9}},
						{URI: "https://*.partner.example", Pos: match.Pos{Line: 7, Col: 9}},
					},
				}},
				GrantTo: []GrantTo{{
					Pos: match.Pos{Line: 9, Col: 7},
					Resources: []Resource{
						{Path: "/data", IncludeSubpaths: true, Pos: match.Pos{Line: 10, Col: 9}},
						{Path: "/api/v1/status", Pos: match.Pos{Line: 11, Col: 9}},
					},
					SocketResources: []SocketResource{
						{Port: match.PortRange{Lo: 4502, Hi: 4506}, Protocol: "tcp", Pos: match.Pos{Line: 12, Col: 9}},
					},
				}},
			}},
		}},
	}
	if d := cmp.Diff(want, pol); d != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", d)
	}
}

// TestParseRejects covers every whole-file rejection of Silverlight's
// reading.
func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want diag
	}{
		{"not well-formed", "<access-policy>\n<cross-domain-access>\n</access-policy>", diag{3, 1, match.Error, "syntax"}},
		{"wrong root", "<cross-domain-policy/>", diag{1, 1, match.Error, "root"}},
		{"root in a namespace", `<access-policy xmlns="urn:x"><cross-domain-access/></access-policy>`, diag{1, 1, match.Error, "namespace"}},
		{"prefixed root", `<a:access-policy xmlns:a="urn:x"><cross-domain-access/></a:access-policy>`, diag{1, 1, match.Error, "namespace"}},
		{"empty root", "<access-policy/>", diag{1, 1, match.Error, "root"}},
		{"empty root with text", "<access-policy>\n  text\n</access-policy>", diag{1, 1, match.Error, "root"}},
		{"prefixed structural element", file(`<x:allow-from xmlns:x="urn:x"><domain uri="*"/></x:allow-from>` + okGrantTo), diag{4, 1, match.Error, "namespace"}},
		{"resource without path", file(okAllowFrom + "\n<grant-to><resource/></grant-to>"), diag{5, 11, match.Error, "missing-attribute"}},
		{"resource with empty path", file(okAllowFrom + "\n" + `<grant-to><resource path=""/></grant-to>`), diag{5, 11, match.Error, "invalid-value"}},
		{"include-subpaths yes", file(okAllowFrom + "\n" + `<grant-to><resource path="/" include-subpaths="yes"/></grant-to>`), diag{5, 30, match.Error, "invalid-value"}},
		{"include-subpaths True", file(okAllowFrom + "\n" + `<grant-to><resource path="/" include-subpaths="True"/></grant-to>`), diag{5, 30, match.Error, "invalid-value"}},
		{"socket port missing", file(okAllowFrom + "\n" + `<grant-to><socket-resource protocol="tcp"/></grant-to>`), diag{5, 11, match.Error, "missing-attribute"}},
		{"socket port below range", file(okAllowFrom + "\n" + `<grant-to><socket-resource port="4501" protocol="tcp"/></grant-to>`), diag{5, 28, match.Error, "invalid-value"}},
		{"socket port above range", file(okAllowFrom + "\n" + `<grant-to><socket-resource port="4502-4535" protocol="tcp"/></grant-to>`), diag{5, 28, match.Error, "invalid-value"}},
		{"socket port list", file(okAllowFrom + "\n" + `<grant-to><socket-resource port="4502,4503" protocol="tcp"/></grant-to>`), diag{5, 28, match.Error, "invalid-value"}},
		{"socket port star", file(okAllowFrom + "\n" + `<grant-to><socket-resource port="*" protocol="tcp"/></grant-to>`), diag{5, 28, match.Error, "invalid-value"}},
		{"socket port reversed", file(okAllowFrom + "\n" + `<grant-to><socket-resource port="4510-4502" protocol="tcp"/></grant-to>`), diag{5, 28, match.Error, "invalid-value"}},
		{"duplicate attribute", file(`<allow-from http-methods="*" http-methods="GET"><domain uri="*"/></allow-from>`), diag{4, 30, match.Error, "syntax"}},
		{"entity reference", "<!DOCTYPE access-policy [<!ENTITY e \"x\">]>\n<access-policy>&e;</access-policy>", diag{2, 16, match.Error, "syntax"}},
		{"two roots", "<access-policy><cross-domain-access/></access-policy>\n<access-policy/>", diag{2, 1, match.Error, "syntax"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds, err := Parse([]byte(tt.src))
			require.Error(t, err)
			var d *match.Diagnostic
			require.ErrorAs(t, err, &d)
			assert.Equal(t, tt.want, diag{d.Pos.Line, d.Pos.Col, d.Severity, d.Code}, "error: %v\nall: %v", err, ds)
		})
	}
}

// TestParseDrops covers the pieces Silverlight drops while keeping the
// file, and the things it ignores.
func TestParseDrops(t *testing.T) {
	type shape struct{ Policies, AllowFroms, GrantTos, Resources, Sockets int }
	tests := []struct {
		name  string
		src   string
		shape shape
		want  []diag
	}{
		{"a complete policy", file(okAllowFrom + okGrantTo), shape{1, 1, 1, 1, 0}, []diag{}},
		{"attribute on policy", strings.Replace(file(okAllowFrom+okGrantTo), "<policy>", `<policy id="1">`, 1),
			shape{0, 0, 0, 0, 0}, []diag{{3, 9, match.Warning, "unknown-attribute"}}},
		{"namespace declaration on policy", strings.Replace(file(okAllowFrom+okGrantTo), "<policy>", `<policy xmlns:x="urn:x">`, 1),
			shape{0, 0, 0, 0, 0}, []diag{{3, 9, match.Warning, "unknown-attribute"}}},
		{"attribute on grant-to", file(okAllowFrom + `<grant-to a="b"><resource path="/"/></grant-to>`),
			shape{1, 1, 0, 0, 0}, []diag{{4, 53, match.Warning, "unknown-attribute"}}},
		{"unknown attribute on allow-from", file(`<allow-from http-headers="*"><domain uri="*"/></allow-from>` + okGrantTo),
			shape{1, 0, 1, 1, 0}, []diag{{4, 13, match.Warning, "unknown-attribute"}}},
		{"unknown child of policy", file(okAllowFrom + okGrantTo + "<deny/>"),
			shape{0, 0, 0, 0, 0}, []diag{{4, 84, match.Warning, "unknown-element"}}},
		{"unknown child of allow-from", file(`<allow-from><domain uri="*"/><origin/></allow-from>` + okGrantTo),
			shape{1, 0, 1, 1, 0}, []diag{{4, 30, match.Warning, "unknown-element"}}},
		{"unknown child of grant-to", file(okAllowFrom + `<grant-to><resource path="/"/><file/></grant-to>`),
			shape{1, 1, 0, 0, 0}, []diag{{4, 73, match.Warning, "unknown-element"}}},
		{"resource with extra attribute", file(okAllowFrom + `<grant-to><resource path="/" recursive="true"/></grant-to>`),
			shape{1, 1, 0, 0, 0}, []diag{{4, 72, match.Warning, "unknown-attribute"}}},
		{"resource with text", file(okAllowFrom + `<grant-to><resource path="/">x</resource></grant-to>`),
			shape{1, 1, 0, 0, 0}, []diag{{4, 53, match.Warning, "text"}}},
		{"resource with whitespace content", file(okAllowFrom + "<grant-to><resource path=\"/\"> </resource></grant-to>"),
			shape{1, 1, 0, 0, 0}, []diag{{4, 53, match.Warning, "text"}}},
		{"resource with an element inside", file(okAllowFrom + `<grant-to><resource path="/"><x/></resource></grant-to>`),
			shape{1, 1, 0, 0, 0}, []diag{{4, 53, match.Warning, "text"}}},
		{"socket-resource protocol udp", file(okAllowFrom + `<grant-to><socket-resource port="4502" protocol="udp"/><resource path="/"/></grant-to>`),
			shape{1, 1, 1, 1, 0}, []diag{{4, 82, match.Warning, "invalid-value"}}},
		{"socket-resource protocol TCP", file(okAllowFrom + `<grant-to><socket-resource port="4502" protocol="TCP"/><resource path="/"/></grant-to>`),
			shape{1, 1, 1, 1, 0}, []diag{{4, 82, match.Warning, "invalid-value"}}},
		{"socket-resource without protocol", file(okAllowFrom + `<grant-to><socket-resource port="4502"/></grant-to>`),
			shape{1, 1, 1, 0, 0}, []diag{{4, 43, match.Warning, "empty"}, {4, 53, match.Warning, "missing-attribute"}}},
		{"attributes on the top levels are ignored", `<access-policy version="2"><cross-domain-access id="x"><policy>` + okAllowFrom + okGrantTo + `</policy></cross-domain-access></access-policy>`,
			shape{1, 1, 1, 1, 0}, []diag{{1, 16, match.Warning, "unknown-attribute"}, {1, 49, match.Warning, "unknown-attribute"}}},
		{"unknown children of the top levels are ignored", `<access-policy><meta/><cross-domain-access><note/><policy>` + okAllowFrom + okGrantTo + `</policy></cross-domain-access></access-policy>`,
			shape{1, 1, 1, 1, 0}, []diag{{1, 16, match.Warning, "unknown-element"}, {1, 44, match.Warning, "unknown-element"}}},
		{"text between elements is ignored", file("hello" + okAllowFrom + okGrantTo),
			shape{1, 1, 1, 1, 0}, []diag{{4, 1, match.Warning, "text"}}},
		{"domain without uri", file(`<allow-from><domain url="*"/></allow-from>` + okGrantTo),
			shape{1, 1, 1, 1, 0}, []diag{{4, 13, match.Warning, "missing-attribute"}, {4, 21, match.Warning, "unknown-attribute"}}},
		{"domain that never matches", file(`<allow-from><domain uri="example.com"/></allow-from>` + okGrantTo),
			shape{1, 1, 1, 1, 0}, []diag{{4, 13, match.Warning, "never-matches"}}},
		{"relative resource path", file(okAllowFrom + `<grant-to><resource path="data"/></grant-to>`),
			shape{1, 1, 1, 1, 0}, []diag{{4, 53, match.Warning, "never-matches"}}},
		{"policy without grant-to", file(okAllowFrom), shape{1, 1, 0, 0, 0}, []diag{{3, 1, match.Warning, "empty"}}},
		{"policy without allow-from", file(okGrantTo), shape{1, 0, 1, 1, 0}, []diag{{3, 1, match.Warning, "empty"}}},
		{"allow-from without domain", file(`<allow-from/>` + okGrantTo), shape{1, 1, 1, 1, 0}, []diag{{4, 1, match.Warning, "empty"}}},
		{"no cross-domain-access", `<access-policy><x/></access-policy>`, shape{}, []diag{{1, 1, match.Warning, "empty"}, {1, 16, match.Warning, "unknown-element"}}},
		{"DOCTYPE is ignored", "<!DOCTYPE access-policy>\n" + file(okAllowFrom+okGrantTo), shape{1, 1, 1, 1, 0}, []diag{{1, 1, match.Warning, "prolog"}}},
		{"leading whitespace is accepted", "\n  <?xml version=\"1.0\"?>" + file(okAllowFrom+okGrantTo), shape{1, 1, 1, 1, 0}, []diag{{1, 1, match.Warning, "prolog"}}},
		{"declared encoding is ignored", `<?xml version="1.0" encoding="iso-8859-1"?>` + file(okAllowFrom+okGrantTo), shape{1, 1, 1, 1, 0}, []diag{{1, 1, match.Warning, "prolog"}}},
		{"BOM is accepted", "\ufeff" + file(okAllowFrom+okGrantTo), shape{1, 1, 1, 1, 0}, []diag{}},
		{"include-subpaths 1 and 0", file(okAllowFrom + `<grant-to><resource path="/a" include-subpaths="1"/><resource path="/b" include-subpaths="0"/></grant-to>`), shape{1, 1, 1, 2, 0}, []diag{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, ds, err := Parse([]byte(tt.src))
			require.NoError(t, err, "diagnostics: %v", ds)
			var got shape
			for _, cda := range pol.CrossDomainAccess {
				for _, p := range cda.Policies {
					got.Policies++
					got.AllowFroms += len(p.AllowFrom)
					got.GrantTos += len(p.GrantTo)
					for _, g := range p.GrantTo {
						got.Resources += len(g.Resources)
						got.Sockets += len(g.SocketResources)
					}
				}
			}
			assert.Equal(t, tt.shape, got)
			assert.Equal(t, tt.want, diags(ds), "%v", ds)
		})
	}
}

func TestParseStrict(t *testing.T) {
	clean := `<?xml version="1.0" encoding="utf-8"?>` + "\n" + file(okAllowFrom+okGrantTo)
	_, ds, err := ParseStrict([]byte(clean))
	require.NoError(t, err)
	assert.Empty(t, ds)

	tests := []struct {
		name string
		src  string
		want []diag
	}{
		{"leading whitespace", " " + clean, []diag{{1, 1, match.Warning, "prolog"}, {1, 1, match.Error, "prolog"}}},
		{"include-subpaths 1", file(okAllowFrom + `<grant-to><resource path="/" include-subpaths="1"/></grant-to>`), []diag{{4, 72, match.Error, "invalid-value"}}},
		{"two allow-from", file(okAllowFrom + okAllowFrom + okGrantTo), []diag{{3, 1, match.Error, "empty"}}},
		{"two grant-to", file(okAllowFrom + okGrantTo + okGrantTo), []diag{{3, 1, match.Error, "empty"}}},
		{"ignored attribute is an error", strings.Replace(clean, "<access-policy>", `<access-policy a="b">`, 1), []diag{{2, 16, match.Error, "unknown-attribute"}}},
		{"DOCTYPE", "<!DOCTYPE access-policy>" + file(okAllowFrom+okGrantTo), []diag{{1, 1, match.Error, "prolog"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, ds, err := ParseStrict([]byte(tt.src))
			require.Error(t, err)
			assert.Equal(t, tt.want, diags(ds), "%v", ds)
			// The strict reading returns the model Silverlight reads.
			rt, _, rterr := Parse([]byte(tt.src))
			require.NoError(t, rterr)
			if d := cmp.Diff(rt, pol); d != "" {
				t.Errorf("strict and runtime models differ (-runtime +strict):\n%s", d)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	big := file(okAllowFrom + `<grant-to>` + strings.Repeat(`<resource path="/x"/>`, 1000) + `</grant-to>`)
	_, _, err := Parser{MaxBytes: 1000}.Parse([]byte(big))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than the limit of 1000 bytes")
	_, _, err = Parse([]byte(big))
	require.NoError(t, err)

	deep := "<access-policy>" + strings.Repeat("<x>", 40) + strings.Repeat("</x>", 40) + "</access-policy>"
	_, ds, err := Parse([]byte(deep))
	require.Error(t, err)
	assert.Equal(t, "limit", ds[0].Code)
	_, _, err = Parser{MaxDepth: 100}.Parse([]byte(deep))
	require.NoError(t, err)
}

func TestParseDomainURI(t *testing.T) {
	tests := []struct {
		uri    string
		origin string // a caller it must admit ("" for none)
		deny   string // a caller it must not admit ("" for none)
		never  string // part of the error when it can never match
	}{
		{uri: "*", origin: "file:///C:/app.xap", deny: ""},
		{uri: "*", origin: "https://a.example:8443/x.xap"},
		{uri: "http://*", origin: "http://any.example/a.xap", deny: "http://any.example:8080/a.xap"},
		{uri: "http://*", deny: "https://any.example/a.xap"},
		{uri: "https://*", origin: "https://any.example/a.xap", deny: "http://any.example/a.xap"},
		{uri: "file:///", origin: "file:///home/u/app.xap", deny: "http://example.com/a.xap"},
		{uri: "http://example.com", origin: "http://EXAMPLE.com:80/a.xap", deny: "http://example.com:81/a.xap"},
		{uri: "http://example.com/", origin: "http://example.com/a.xap", deny: "https://example.com/a.xap"},
		{uri: "HTTP://Example.COM", origin: "http://example.com/a.xap"},
		{uri: "http://example.com:8080", origin: "http://example.com:8080/a.xap", deny: "http://example.com/a.xap"},
		{uri: "https://example.com:443", origin: "https://example.com/a.xap"},
		{uri: "http://*.example.com", origin: "http://example.com/a.xap", deny: "http://evilexample.com/a.xap"},
		{uri: "http://*.example.com", origin: "http://a.b.example.com/a.xap", deny: "https://a.example.com/a.xap"},
		{uri: "http://*.example.com:8080", origin: "http://a.example.com:8080/a.xap", deny: "http://a.example.com/a.xap"},
		{uri: "http://example.com/apps/a.xap", origin: "http://example.com/apps/a.xap", deny: "http://example.com/apps/b.xap"},
		{uri: "http://example.com/apps/my%20app.xap", origin: "http://example.com/apps/my%20app.xap"},
		{uri: "http://bücher.example", origin: "http://xn--bcher-kva.example/a.xap"},
		{uri: "http://xn--bcher-kva.example", origin: "http://bücher.example/a.xap"},
		{uri: "http://127.0.0.1", origin: "http://127.0.0.1/a.xap", deny: "http://127.0.0.2/a.xap"},
		{uri: "http://[::1]:8080", origin: "http://[::1]:8080/a.xap"},
		{uri: "example.com", never: "without a scheme"},
		{uri: "*.example.com", never: "without a scheme"},
		{uri: "ftp://example.com", never: `scheme "ftp"`},
		{uri: "file:///C:/", never: "file:///"},
		{uri: "http://a.*.com", never: "wildcard"},
		{uri: "http://*-a.com", never: "wildcard"},
		{uri: "http://*:8080", never: `"http://*"`},
		{uri: "http://example.com:0", never: "port"},
		{uri: "http://example.com:99999", never: "port"},
		{uri: "http://example.com:x", never: "port"},
		{uri: "http://example.com/?a=b", never: "query"},
		{uri: "http://u@example.com", never: "user information"},
		{uri: "", never: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			c, err := ParseDomainURI(tt.uri)
			if tt.never != "" {
				require.Error(t, err)
				var pe *match.PatternError
				require.ErrorAs(t, err, &pe)
				assert.Contains(t, err.Error(), tt.never)
				return
			}
			require.NoError(t, err)
			if tt.origin != "" {
				o, err := match.ParseOrigin(tt.origin)
				require.NoError(t, err)
				assert.True(t, c.Match(o), "%s should admit %s", tt.uri, tt.origin)
			}
			if tt.deny != "" {
				o, err := match.ParseOrigin(tt.deny)
				require.NoError(t, err)
				assert.False(t, c.Match(o), "%s should not admit %s", tt.uri, tt.deny)
			}
		})
	}
}

func TestParseErrorMessages(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"<<<<<<< HEAD\n<access-policy/>\n=======\n", "line 1 holds a merge-conflict marker"},
		{file(`<allow-from><domain url="*"/></allow-from>` + okGrantTo), "did you mean uri?"},
		{file(`<allow-from http-method="*"><domain uri="*"/></allow-from>` + okGrantTo), "did you mean http-methods?"},
		{file(okAllowFrom + `<grant-to><resource path="/" include-subpath="true"/></grant-to>`), "did you mean include-subpaths?"},
		{file(okAllowFrom + `<grant-to><Resource path="/"/></grant-to>`), "did you mean resource?"},
	}
	for _, tt := range tests {
		_, ds, _ := Parse([]byte(tt.src))
		var all []string
		for _, d := range ds {
			all = append(all, d.Error())
		}
		assert.Contains(t, strings.Join(all, "\n"), tt.want)
	}
}

// benchDomains returns a policy of n domain entries, the input of
// BenchmarkParse and BenchmarkTokens.
func benchDomains(n int) []byte {
	var domains strings.Builder
	for i := range n {
		fmt.Fprintf(&domains, "<domain uri=\"https://app%d.example.com\"/>\n", i)
	}
	return []byte(file("<allow-from>" + domains.String() + "</allow-from>" + okGrantTo))
}

// BenchmarkTokens is the baseline of BenchmarkParse: a bare pass of
// encoding/xml's tokenizer over the same bytes. Parse aims at no more
// than 1.5x its time.
func BenchmarkTokens(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		src := benchDomains(n)
		b.Run(fmt.Sprintf("%d-domains", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if err := readingtest.Tokens(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		src := benchDomains(n)
		b.Run(fmt.Sprintf("%d-domains", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			p := Parser{MaxBytes: 4 << 20}
			for b.Loop() {
				if _, _, err := p.Parse(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
