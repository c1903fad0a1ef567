package clientaccess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

// decide compiles src and judges one request against it.
func decide(t *testing.T, src string, req match.Request) match.Decision {
	t.Helper()
	pol, ds, err := Parse([]byte(src))
	require.NoError(t, err, "diagnostics: %v", ds)
	return pol.Compile(CompileOptions{Source: "clientaccesspolicy.xml"}).Decide(req)
}

func request(t *testing.T, origin, target, method string, headers ...string) match.Request {
	t.Helper()
	req, err := match.NewRequest(origin, target)
	require.NoError(t, err)
	req.Method, req.Headers = method, headers
	return req
}

func TestCompileDecide(t *testing.T) {
	partner := file(`<allow-from http-request-headers="SOAPAction, X-API-*" http-methods="PUT">
  <domain uri="http://app.example.net"/>
  <domain uri="https://*.partner.example"/>
</allow-from>
<grant-to>
  <resource path="/data" include-subpaths="true"/>
  <resource path="/api/v1/status"/>
  <socket-resource port="4502-4506" protocol="tcp"/>
</grant-to>`)
	everything := file(`<allow-from http-request-headers="*"><domain uri="*"/></allow-from>` +
		`<grant-to><resource path="/" include-subpaths="true"/></grant-to>`)
	twoResources := file(`<allow-from><domain uri="*"/></allow-from>` +
		`<grant-to><resource path="/" include-subpaths="true"/><resource path="/x"/></grant-to>`)
	twoAllowFroms := file(`<allow-from><domain uri="http://a.example"/></allow-from>` +
		`<allow-from http-request-headers="X-Token"><domain uri="http://b.example"/></allow-from>` +
		`<grant-to><resource path="/api" include-subpaths="true"/></grant-to>`)
	const app = "http://app.example.net/app.xap"
	tests := []struct {
		name   string
		src    string
		req    match.Request
		want   match.Code
		reason string // part of the reason
	}{
		{"exact caller, subpath", partner, request(t, app, "http://api.example.com/data/feed.xml", "GET"), match.Granted, "<resource path=\"/data\" include-subpaths=\"true\">"},
		{"the path itself", partner, request(t, app, "http://api.example.com/data", "GET"), match.Granted, ""},
		{"not at a segment boundary", partner, request(t, app, "http://api.example.com/database", "GET"), match.NotGranted, "it grants"},
		{"exact resource", partner, request(t, app, "http://api.example.com/api/v1/status?x=1", "POST"), match.Granted, ""},
		{"exact resource, no subpaths", partner, request(t, app, "http://api.example.com/api/v1/status/x", "GET"), match.NotGranted, ""},
		{"paths are case-sensitive", partner, request(t, app, "http://api.example.com/Data/x", "GET"), match.NotGranted, ""},
		{"dot segments are removed first", partner, request(t, app, "http://api.example.com/other/../data/x", "GET"), match.PathCharacters, `".."`},
		{"escapes break the path-character rule", partner, request(t, app, "http://api.example.com/data/a%20b", "GET"), match.PathCharacters, `"%"`},
		{"./ breaks the path-character rule", partner, request(t, app, "http://api.example.com/data/./x", "GET"), match.PathCharacters, `"./"`},
		{"a % in the query does not", partner, request(t, app, "http://api.example.com/data/x?q=%20", "GET"), match.Granted, ""},
		{"the exception: the whole site to everyone", everything, request(t, app, "http://api.example.com/a%20b/../c", "GET"), match.Granted, ""},
		{"no exception with a second resource", twoResources, request(t, app, "http://api.example.com/a%20b", "GET"), match.PathCharacters, ""},
		{"wildcard admits the apex", partner, request(t, "https://partner.example/a.xap", "http://api.example.com/data", "GET"), match.Granted, ""},
		{"wildcard at a label boundary only", partner, request(t, "https://evilpartner.example/a.xap", "http://api.example.com/data", "GET"), match.NoCaller, "https://*.partner.example"},
		{"wildcard keeps its scheme", partner, request(t, "http://x.partner.example/a.xap", "http://api.example.com/data", "GET"), match.NoCaller, ""},
		{"a listed header", partner, request(t, app, "http://api.example.com/data", "POST", "soapaction"), match.Granted, ""},
		{"a prefix header", partner, request(t, app, "http://api.example.com/data", "POST", "X-API-Key"), match.Granted, ""},
		{"the prefix alone is not a match", partner, request(t, app, "http://api.example.com/data", "POST", "X-API"), match.HeaderNotAllowed, "X-API"},
		{"Content-Type is always allowed", partner, request(t, app, "http://api.example.com/data", "POST", "Content-Type"), match.Granted, ""},
		{"an unlisted header", partner, request(t, app, "http://api.example.com/data", "POST", "Authorization"), match.HeaderNotAllowed, "Authorization"},
		{"GET and POST always", partner, request(t, app, "http://api.example.com/data", "post"), match.Granted, ""},
		{"a listed method", partner, request(t, app, "http://api.example.com/data", "PUT"), match.Granted, ""},
		{"an unlisted method", partner, request(t, app, "http://api.example.com/data", "DELETE"), match.MethodNotAllowed, "DELETE"},
		{"a socket in range", partner, request(t, app, "tcp://api.example.com:4504", ""), match.Granted, "port 4504"},
		{"a socket outside the grant", partner, request(t, app, "tcp://api.example.com:4510", ""), match.NotGranted, "4502-4506"},
		{"a socket outside Silverlight's range", partner, request(t, app, "tcp://api.example.com:843", ""), match.RuntimeLimit, "4502-4534"},
		{"a socket with no socket grant", everything, request(t, app, "tcp://api.example.com:4502", ""), match.NotGranted, "no socket ports"},
		{"headers are judged per allow-from", twoAllowFroms, request(t, "http://b.example/a.xap", "http://api.example.com/api/x", "POST", "X-Token"), match.Granted, ""},
		{"the other allow-from's headers do not count", twoAllowFroms, request(t, "http://a.example/a.xap", "http://api.example.com/api/x", "POST", "X-Token"), match.HeaderNotAllowed, "X-Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, tt.src, tt.req)
			assert.Equal(t, tt.want, d.Code, "%s", d)
			assert.Equal(t, tt.want == match.Granted, d.Allowed)
			assert.Contains(t, d.Reason(), tt.reason)
			if d.Rule != nil {
				assert.True(t, d.Pos().IsValid(), "a decision by a rule has its line")
			}
		})
	}
}

func TestCompileReasonNamesFileAndLine(t *testing.T) {
	d := decide(t, file(`<allow-from><domain uri="http://a.example"/></allow-from><grant-to><resource path="/x"/></grant-to>`),
		request(t, "http://a.example/app.xap", "http://b.example/y", "GET"))
	assert.False(t, d.Allowed)
	assert.Equal(t, match.NotGranted, d.Code)
	assert.Equal(t, 3, d.Pos().Line)
	assert.Contains(t, d.String(), "clientaccesspolicy.xml")
	assert.Contains(t, d.String(), `<resource path="/x">`)
}

func TestCompileSkipsDeadDomains(t *testing.T) {
	pol, _, err := Parse([]byte(file(`<allow-from><domain uri="example.com"/><domain uri="http://ok.example"/></allow-from>` + okGrantTo)))
	require.NoError(t, err)
	mp := pol.Compile(CompileOptions{})
	require.Len(t, mp.Rules, 1)
	require.Len(t, mp.Rules[0].Callers, 1)
	assert.Equal(t, "http://ok.example", mp.Rules[0].Callers[0].Text)
}

func TestCompileScope(t *testing.T) {
	pol, _, err := Parse([]byte(file(okAllowFrom + `<grant-to><resource path="/" include-subpaths="true"/></grant-to>`)))
	require.NoError(t, err)
	loc, err := match.ParseTarget("http://a.example/clientaccesspolicy.xml")
	require.NoError(t, err)
	mp := pol.Compile(CompileOptions{Location: loc})
	d := mp.Decide(request(t, "http://c.example/x.xap", "http://b.example/", "GET"))
	assert.Equal(t, match.OutOfScope, d.Code, "%s", d)
	d = mp.Decide(request(t, "http://c.example/x.xap", "http://a.example/", "GET"))
	assert.True(t, d.Allowed, "%s", d)
}
