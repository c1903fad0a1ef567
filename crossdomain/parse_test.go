package crossdomain

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

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

// file wraps body in a root element, one child per line from line 2.
func file(body string) string {
	return "<cross-domain-policy>\n" + body + "\n</cross-domain-policy>\n"
}

func TestParseModel(t *testing.T) {
	src := `<?xml version="1.0"?>
<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">
<cross-domain-policy xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.adobe.com/xml/schemas/PolicyFile.xsd">
  <site-control permitted-cross-domain-policies="master-only"/>
  <allow-access-from domain="*.example.com" secure="false"/>
  <allow-http-request-headers-from domain="*.example.com" headers="SOAPAction, X-Foo*"/>
  <allow-access-from-identity>
    <signatory>
      <certificate fingerprint="01:23:45" fingerprint-algorithm="sha-1"/>
    </signatory>
  </allow-access-from-identity>
</cross-domain-policy>`
	pol, ds, err := Parse([]byte(src))
	require.NoError(t, err)
	assert.Equal(t, []diag{{7, 3, match.Warning, "unknown-element"}}, diags(ds), "identity is Acrobat's: %v", ds)
	want := &Policy{
		SchemaInstance:            "http://www.w3.org/2001/XMLSchema-instance",
		NoNamespaceSchemaLocation: "http://www.adobe.com/xml/schemas/PolicyFile.xsd",
		Doctype:                   true,
		SiteControl:               []SiteControl{{PermittedCrossDomainPolicies: "master-only", Pos: match.Pos{Line: 4, Col: 3}}},
		AllowAccessFrom:           []AllowAccessFrom{{Domain: "*.example.com", Secure: "false", Pos: match.Pos{Line: 5, Col: 3}}},
		AllowHTTPRequestHeadersFrom: []AllowHTTPRequestHeadersFrom{
			{Domain: "*.example.com", Headers: "SOAPAction, X-Foo*", Pos: match.Pos{Line: 6, Col: 3}},
		},
		AllowAccessFromIdentity: []AllowAccessFromIdentity{{
			Pos: match.Pos{Line: 7, Col: 3},
			Signatories: []Signatory{{
				Pos:          match.Pos{Line: 8, Col: 5},
				Certificates: []Certificate{{Fingerprint: "01:23:45", FingerprintAlgorithm: "sha-1", Pos: match.Pos{Line: 9, Col: 7}}},
			}},
		}},
		Pos: match.Pos{Line: 3, Col: 1},
	}
	if d := cmp.Diff(want, pol); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestParseRejects covers the whole-file rejections of Flash Player's
// reading.
func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want diag
	}{
		{"not well-formed", "<cross-domain-policy>\n<allow-access-from domain=\"*\">\n</cross-domain-policy>", diag{3, 1, match.Error, "syntax"}},
		{"not XML", "allow everyone", diag{1, 1, match.Error, "syntax"}},
		{"another root", `<access-policy/>`, diag{1, 1, match.Error, "root"}},
		{"prefixed root", `<p:cross-domain-policy xmlns:p="urn:x"/>`, diag{1, 1, match.Error, "root"}},
		{"junk before the root", "junk\n" + file(`<allow-access-from domain="*"/>`), diag{1, 1, match.Error, "syntax"}},
		{"junk after the root", file(`<allow-access-from domain="*"/>`) + "junk", diag{4, 1, match.Error, "syntax"}},
		{"HTML", "<html><body>Not found</body></html>", diag{1, 1, match.Error, "root"}},
		{"a NUL in an HTTP policy", file(`<allow-access-from domain="*"/>`) + "\x00", diag{4, 1, match.Error, "syntax"}},
		{"duplicate attribute", file(`<allow-access-from domain="*" domain="a.com"/>`), diag{2, 31, match.Error, "syntax"}},
		{"entity", "<!DOCTYPE cross-domain-policy [<!ENTITY d \"*\">]>\n" + file(`<allow-access-from domain="&d;"/>`), diag{3, 28, match.Error, "syntax"}},
		{"too deep", "<cross-domain-policy>" + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + "</cross-domain-policy>", diag{1, 1, match.Error, "limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds, err := Parse([]byte(tt.src))
			var d *match.Diagnostic
			require.ErrorAs(t, err, &d, "%v", ds)
			got := diag{d.Pos.Line, d.Pos.Col, d.Severity, d.Code}
			if tt.want.Code == "limit" {
				got.Line, got.Col = 1, 1
			}
			assert.Equal(t, tt.want, got, "%v", err)
		})
	}
}

// TestParseIgnores covers what Flash Player ignores, by kind of file.
func TestParseIgnores(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		body string
		want []diag
	}{
		{"a clean master", Master, `<allow-access-from domain="*"/>`, []diag{}},
		{"unknown element", Master, `<allow-access-from domain="*"/><allow-acess-from domain="x"/>`, []diag{{2, 32, match.Warning, "unknown-element"}}},
		{"prefixed element", Master, `<allow-access-from domain="*"/><p:allow-access-from xmlns:p="urn:p" domain="x"/>`, []diag{{2, 32, match.Warning, "unknown-element"}}},
		{"unknown attribute", Master, `<allow-access-from domain="*" domian="x"/>`, []diag{{2, 31, match.Warning, "unknown-attribute"}}},
		{"no domain", Master, `<allow-access-from secure="false"/>`, []diag{{2, 1, match.Warning, "missing-attribute"}}},
		{"dead domain", Master, `<allow-access-from domain="www.*.com"/>`, []diag{{2, 20, match.Warning, "never-matches"}}},
		{"dead IP wildcard", Master, `<allow-access-from domain="*.216.0.40"/>`, []diag{{2, 20, match.Warning, "never-matches"}}},
		{"invalid secure", Master, `<allow-access-from domain="*" secure="yes"/>`, []diag{{2, 31, match.Warning, "invalid-value"}}},
		{"to-ports in an HTTP policy", Master, `<allow-access-from domain="*" to-ports="80"/>`, []diag{{2, 31, match.Warning, "unknown-attribute"}}},
		{"socket entry without to-ports", SocketMaster, `<allow-access-from domain="*"/>`, []diag{{2, 1, match.Warning, "missing-attribute"}}},
		{"malformed to-ports", SocketMaster, `<allow-access-from domain="*" to-ports="80,0"/>`, []diag{{2, 31, match.Warning, "invalid-value"}}},
		{"header rule in a socket policy", SocketMaster, `<allow-access-from domain="*" to-ports="*"/><allow-http-request-headers-from domain="*" headers="*"/>`, []diag{{2, 45, match.Warning, "unknown-element"}}},
		{"header rule without headers", Master, `<allow-access-from domain="*"/><allow-http-request-headers-from domain="*"/>`, []diag{{2, 32, match.Warning, "missing-attribute"}}},
		{"unknown site-control value", Master, `<site-control permitted-cross-domain-policies="any"/><allow-access-from domain="*"/>`, []diag{{2, 1, match.Warning, "invalid-value"}}},
		{"site-control without value", Master, `<site-control/><allow-access-from domain="*"/>`, []diag{{2, 1, match.Warning, "missing-attribute"}}},
		{"two site-controls", Master, `<site-control permitted-cross-domain-policies="all"/><site-control permitted-cross-domain-policies="none"/><allow-access-from domain="*"/>`, []diag{{2, 54, match.Warning, "unknown-element"}}},
		{"site-control outside the master", NonMaster, `<site-control permitted-cross-domain-policies="all"/><allow-access-from domain="*"/>`, []diag{{2, 1, match.Warning, "unknown-element"}}},
		{"by-content-type in a socket master", SocketMaster, `<site-control permitted-cross-domain-policies="by-content-type"/><allow-access-from domain="*" to-ports="*"/>`, []diag{{2, 1, match.Warning, "invalid-value"}}},
		{"text", Master, `hello<allow-access-from domain="*"/>`, []diag{{2, 1, match.Warning, "text"}}},
		{"no access entry", Master, `<allow-http-request-headers-from domain="*" headers="*"/>`, []diag{{1, 1, match.Warning, "empty"}}},
		{"out of DTD order is accepted", Master, `<allow-access-from domain="*"/><site-control permitted-cross-domain-policies="all"/>`, []diag{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds, err := Parser{Kind: tt.kind}.Parse([]byte(file(tt.body)))
			require.NoError(t, err, "%v", ds)
			assert.Equal(t, tt.want, diags(ds), "%v", ds)
			// The strict reading makes each of them an error.
			_, sds, serr := Parser{Kind: tt.kind, Strict: true}.Parse([]byte(file(tt.body)))
			if len(tt.want) > 0 && tt.want[0].Code != "empty" {
				assert.Error(t, serr, "%v", sds)
			}
		})
	}
}

func TestParseStrict(t *testing.T) {
	_, ds, err := ParseStrict([]byte(file(`<site-control permitted-cross-domain-policies="all"/><allow-access-from domain="*"/>`)))
	require.NoError(t, err)
	assert.Empty(t, ds)

	_, ds, err = ParseStrict([]byte(file(`<allow-access-from domain="*"/><site-control permitted-cross-domain-policies="all"/>`)))
	require.Error(t, err)
	assert.Equal(t, []diag{{2, 32, match.Error, "unknown-element"}}, diags(ds))

	_, ds, err = ParseStrict([]byte(" <?xml version=\"1.0\"?>" + file(`<allow-access-from domain="*"/>`)))
	require.Error(t, err)
	assert.Equal(t, []diag{{1, 1, match.Warning, "prolog"}, {1, 1, match.Error, "prolog"}}, diags(ds))
}

func TestParseSocket(t *testing.T) {
	src := file(`<allow-access-from domain="*" to-ports="507,516-523"/>`)
	for _, tail := range []string{"\x00", "", "\x00garbage after the NUL"} {
		pol, ds, err := ParseSocket([]byte(src + tail))
		require.NoError(t, err, "%q: %v", tail, ds)
		assert.Empty(t, ds)
		assert.Equal(t, "507,516-523", pol.AllowAccessFrom[0].ToPorts)
	}
}

func TestParseDomain(t *testing.T) {
	tests := []struct {
		domain string
		admits []string
		denies []string
		never  string
	}{
		{domain: "*", admits: []string{"http://a.example/x.swf", "file:///C:/x.swf", "http://10.1.2.3/x.swf", "https://b.example:8443/x.swf"}},
		{domain: "www.example.com", admits: []string{"http://www.example.com/a.swf", "https://WWW.Example.COM:8443/a.swf"}, denies: []string{"http://example.com/a.swf", "http://a.www.example.com/a.swf", "http://www.example.net/a.swf"}},
		{domain: "example.com", denies: []string{"http://www.example.com/a.swf"}},
		{domain: "WWW.EXAMPLE.COM", admits: []string{"http://www.example.com/a.swf"}},
		{domain: "*.example.com", admits: []string{"http://example.com/a.swf", "http://a.b.example.com/a.swf"}, denies: []string{"http://badexample.com/a.swf", "http://example.com.evil/a.swf"}},
		{domain: "105.216.0.40", admits: []string{"http://105.216.0.40/a.swf"}, denies: []string{"http://swf-host.example.net/a.swf", "http://105.216.0.41/a.swf"}},
		{domain: "[::1]", admits: []string{"http://[::1]/a.swf"}},
		{domain: "bücher.example", admits: []string{"http://xn--bcher-kva.example/a.swf", "http://BÜCHER.example/a.swf"}},
		{domain: "*.xn--bcher-kva.example", admits: []string{"http://shop.bücher.example/a.swf"}},
		{domain: "http://*.example.com", admits: []string{"http://a.example.com/a.swf"}, denies: []string{"https://a.example.com/a.swf"}},
		{domain: "https://secure.example.com/", admits: []string{"https://secure.example.com/a.swf"}, denies: []string{"http://secure.example.com/a.swf"}},
		{domain: "http://a.example.com:8080", admits: []string{"http://a.example.com:8080/a.swf"}, denies: []string{"http://a.example.com/a.swf"}},
		{domain: "www.*.com", never: "wildcard"},
		{domain: "*example.com", never: "wildcard"},
		{domain: "example.*", never: "wildcard"},
		{domain: "*.216.0.40", never: "IP"},
		{domain: "", never: "empty"},
		{domain: " example.com", never: "whitespace"},
		{domain: "ftp://example.com", never: "scheme"},
		{domain: "http://example.com/app.swf", never: "path"},
		{domain: "http://example.com:0", never: "port"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			c, err := ParseDomain(tt.domain)
			if tt.never != "" {
				var pe *match.PatternError
				require.ErrorAs(t, err, &pe)
				assert.Contains(t, err.Error(), tt.never)
				return
			}
			require.NoError(t, err)
			for _, o := range tt.admits {
				origin, err := match.ParseOrigin(o)
				require.NoError(t, err)
				assert.True(t, c.Match(origin), "%s admits %s", tt.domain, o)
			}
			for _, o := range tt.denies {
				origin, err := match.ParseOrigin(o)
				require.NoError(t, err)
				assert.False(t, c.Match(origin), "%s denies %s", tt.domain, o)
			}
		})
	}
}

func TestToPortsSyntax(t *testing.T) {
	tests := []struct {
		ports string
		ok    bool
		in    []int
		out   []int
	}{
		{"507", true, []int{507}, []int{508}},
		{"507,516", true, []int{507, 516}, []int{510}},
		{" 516 - 523 ", false, nil, nil},
		{"516-523", true, []int{516, 520, 523}, []int{515, 524}},
		{"507, 516-523", true, []int{507, 520}, []int{508}},
		{"*", true, []int{1, 843, 65535}, nil},
		{"", false, nil, nil},
		{"0", false, nil, nil},
		{"70000", false, nil, nil},
		{"523-516", false, nil, nil},
		{"1-2-3", false, nil, nil},
		{"80,abc", false, nil, nil},
		{"80,", false, nil, nil},
		{"-80", false, nil, nil},
		{"+80", false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.ports, func(t *testing.T) {
			set, err := match.ParsePortList(tt.ports)
			assert.Equal(t, tt.ok, err == nil, "%v", err)
			for _, p := range tt.in {
				assert.True(t, set.Contains(p), "%d", p)
			}
			for _, p := range tt.out {
				assert.False(t, set.Contains(p), "%d", p)
			}
			// A malformed list makes the entry dead: it grants nothing.
			pol, _, perr := ParseSocket([]byte(file(`<allow-access-from domain="*" to-ports="` + tt.ports + `"/>`)))
			require.NoError(t, perr)
			mp := pol.Compile(CompileOptions{Kind: SocketMaster})
			assert.Equal(t, tt.ok, len(mp.Rules) == 1)
		})
	}
}

// benchDomains returns a file of n domain entries, the input of
// BenchmarkParse and BenchmarkTokens.
func benchDomains(n int) []byte {
	var body strings.Builder
	for i := range n {
		body.WriteString(`<allow-access-from domain="app` + strconv.Itoa(i) + `.example.com"/>` + "\n")
	}
	return []byte(file(body.String()))
}

// BenchmarkTokens is the baseline of BenchmarkParse: a bare pass of
// encoding/xml's tokenizer over the same bytes. Parse aims at no more
// than 1.5x its time.
func BenchmarkTokens(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		src := benchDomains(n)
		b.Run(strconv.Itoa(n)+"-domains", func(b *testing.B) {
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
		b.Run(strconv.Itoa(n)+"-domains", func(b *testing.B) {
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

func BenchmarkDecide(b *testing.B) {
	var body strings.Builder
	for i := range 10000 {
		body.WriteString(`<allow-access-from domain="app` + strconv.Itoa(i) + `.example.com"/>` + "\n")
	}
	pol, _, err := Parser{MaxBytes: 4 << 20}.Parse([]byte(file(body.String())))
	if err != nil {
		b.Fatal(err)
	}
	mp := pol.Compile(CompileOptions{})
	req, _ := match.NewRequest("http://app9999.example.com/a.swf", "http://data.example.org/x")
	mp.Decide(req)
	b.ReportAllocs()
	for b.Loop() {
		if !mp.Decide(req).Allowed {
			b.Fatal("denied")
		}
	}
}
