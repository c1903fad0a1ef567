package clientaccess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

func TestParseCrossDomainRejects(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want diag
	}{
		{"not well-formed", `<cross-domain-policy><allow-access-from domain="*"></cross-domain-policy>`, diag{1, 52, match.Error, "syntax"}},
		{"wrong root", `<access-policy/>`, diag{1, 1, match.Error, "root"}},
		{"attribute on the root", `<cross-domain-policy xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><allow-access-from domain="*"/></cross-domain-policy>`, diag{1, 22, match.Error, "unknown-attribute"}},
		{"empty root", `<cross-domain-policy/>`, diag{1, 1, match.Error, "root"}},
		{"unknown element", `<cross-domain-policy><allow-access-from domain="*"/><allow-access-from-identity/></cross-domain-policy>`, diag{1, 53, match.Error, "unknown-element"}},
		{"to-ports", `<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>`, diag{1, 52, match.Error, "unknown-attribute"}},
		{"unknown attribute on a header rule", `<cross-domain-policy><allow-access-from domain="*"/><allow-http-request-headers-from domain="*" headers="*" x="y"/></cross-domain-policy>`, diag{1, 109, match.Error, "unknown-attribute"}},
		{"secure yes", `<cross-domain-policy><allow-access-from domain="*" secure="yes"/></cross-domain-policy>`, diag{1, 52, match.Error, "invalid-value"}},
		{"site-control attribute", `<cross-domain-policy><site-control permitted="all"/><allow-access-from domain="*"/></cross-domain-policy>`, diag{1, 36, match.Error, "unknown-attribute"}},
		{"child of allow-access-from", `<cross-domain-policy><allow-access-from domain="*"><x/></allow-access-from></cross-domain-policy>`, diag{1, 52, match.Error, "unknown-element"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds, err := ParseCrossDomain([]byte(tt.src))
			var d *match.Diagnostic
			require.ErrorAs(t, err, &d)
			assert.Equal(t, tt.want, diag{d.Pos.Line, d.Pos.Col, d.Severity, d.Code}, "%v", ds)
		})
	}
}

func TestCrossDomainDecide(t *testing.T) {
	const open = `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`
	const named = `<cross-domain-policy><allow-access-from domain="app.example.net"/></cross-domain-policy>`
	const insecure = `<cross-domain-policy><allow-access-from domain="*" secure="false"/></cross-domain-policy>`
	const headers = `<cross-domain-policy><allow-access-from domain="*"/>` +
		`<allow-http-request-headers-from domain="*" headers="SOAPAction,X-Foo-*"/>` +
		`<allow-http-request-headers-from domain="app.example.net" headers="Authorization"/></cross-domain-policy>`
	const onlyHeaders = `<cross-domain-policy><allow-http-request-headers-from domain="*" headers="*"/></cross-domain-policy>`
	siteControl := func(v string) string {
		return `<cross-domain-policy><site-control permitted-cross-domain-policies="` + v + `"/><allow-access-from domain="*"/></cross-domain-policy>`
	}
	const app = "http://app.example.net/app.xap"
	tests := []struct {
		name   string
		src    string
		header string // X-Permitted-Cross-Domain-Policies
		req    match.Request
		want   match.Code
		reason string
	}{
		{"domain * opens the site", open, "", request(t, app, "http://api.example.com/any/path%20x", "GET"), match.Granted, "the whole site"},
		{"other domains never count", named, "", request(t, app, "http://api.example.com/", "GET"), match.NoCaller, "no caller at all"},
		{"secure by default", open, "", request(t, app, "https://api.example.com/", "GET"), match.NotSecure, ""},
		{"an https caller reaches https", open, "", request(t, "https://app.example.net/a.xap", "https://api.example.com/", "GET"), match.Granted, ""},
		{"secure=false", insecure, "", request(t, app, "https://api.example.com/", "GET"), match.Granted, ""},
		{"methods are GET and POST", open, "", request(t, app, "http://api.example.com/", "PUT"), match.MethodNotAllowed, "PUT"},
		{"no header rule: Content-Type only", open, "", request(t, app, "http://api.example.com/", "POST", "Content-Type"), match.Granted, ""},
		{"no header rule: nothing else", open, "", request(t, app, "http://api.example.com/", "POST", "SOAPAction"), match.HeaderNotAllowed, "SOAPAction"},
		{"header rule for *", headers, "", request(t, app, "http://api.example.com/", "POST", "soapaction", "X-Foo-Bar"), match.Granted, ""},
		{"header rule for another domain does not count", headers, "", request(t, app, "http://api.example.com/", "POST", "Authorization"), match.HeaderNotAllowed, "Authorization"},
		{"no allow-access-from denies", onlyHeaders, "", request(t, app, "http://api.example.com/", "GET"), match.NoCaller, ""},
		{"site-control all", siteControl("all"), "", request(t, app, "http://api.example.com/", "GET"), match.Granted, ""},
		{"site-control master-only", siteControl("master-only"), "", request(t, app, "http://api.example.com/", "GET"), match.Granted, ""},
		{"site-control by-ftp-filename", siteControl("by-ftp-filename"), "", request(t, app, "http://api.example.com/", "GET"), match.Granted, ""},
		{"site-control none", siteControl("none"), "", request(t, app, "http://api.example.com/", "GET"), match.Disabled, `"none"`},
		{"site-control by-content-type", siteControl("by-content-type"), "", request(t, app, "http://api.example.com/", "GET"), match.Disabled, ""},
		{"site-control is case-sensitive", siteControl("All"), "", request(t, app, "http://api.example.com/", "GET"), match.Disabled, `"All"`},
		{"site-control empty", siteControl(""), "", request(t, app, "http://api.example.com/", "GET"), match.Disabled, ""},
		{"the header overrides site-control", siteControl("none"), "all", request(t, app, "http://api.example.com/", "GET"), match.Granted, ""},
		{"the header can disable", open, "none", request(t, app, "http://api.example.com/", "GET"), match.Disabled, "X-Permitted-Cross-Domain-Policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, ds, err := ParseCrossDomain([]byte(tt.src))
			require.NoError(t, err, "%v", ds)
			mp := CompileCrossDomain(pol, CompileOptions{Source: "crossdomain.xml", PermittedCrossDomainPolicies: tt.header})
			d := mp.Decide(tt.req)
			assert.Equal(t, tt.want, d.Code, "%s", d)
			assert.Contains(t, d.Reason(), tt.reason)
		})
	}
}

func TestParseCrossDomainWarnings(t *testing.T) {
	_, ds, err := ParseCrossDomain([]byte(`<cross-domain-policy><allow-access-from domain="*.example.com"/></cross-domain-policy>`))
	require.NoError(t, err)
	assert.Equal(t, []diag{{1, 22, match.Warning, "never-matches"}}, diags(ds))

	// The prolog is read as in clientaccesspolicy.xml.
	_, ds, err = ParseCrossDomain([]byte(" <?xml version=\"1.0\" encoding=\"iso-8859-1\"?><cross-domain-policy><allow-access-from domain=\"*\"/></cross-domain-policy>"))
	require.NoError(t, err)
	assert.Equal(t, []diag{{1, 1, match.Warning, "prolog"}, {1, 2, match.Warning, "prolog"}}, diags(ds))
	assert.Contains(t, ds[0].Message, "Silverlight accepts it, other XML readers do not")
	assert.Contains(t, ds[1].Message, `declared encoding "iso-8859-1" is ignored`)

	_, ds, err = Parser{Strict: true}.ParseCrossDomain([]byte(`<cross-domain-policy><allow-access-from domain="*.example.com"/></cross-domain-policy>`))
	require.Error(t, err)
	assert.Equal(t, match.Error, ds[0].Severity)
}
