package crossdomain

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

func request(t *testing.T, origin, target string, headers ...string) match.Request {
	t.Helper()
	req, err := match.NewRequest(origin, target)
	require.NoError(t, err)
	req.Headers = headers
	return req
}

func location(t *testing.T, u string) match.Target {
	t.Helper()
	l, err := match.ParseTarget(u)
	require.NoError(t, err)
	return l
}

func TestCompileDecide(t *testing.T) {
	type tc struct {
		name   string
		body   string
		loc    string // where the file is served
		header string // X-Permitted-Cross-Domain-Policies
		req    match.Request
		want   match.Code
		reason string
	}
	const star = `<allow-access-from domain="*"/>`
	const secureFalse = `<allow-access-from domain="*" secure="false"/>`
	const headers = `<allow-access-from domain="*"/>
<allow-http-request-headers-from domain="*.bar.com" headers="SOAPAction, X-Foo*"/>
<allow-http-request-headers-from domain="foo.example.com" headers="Authorization,X-Foo*" secure="false"/>`
	const sockets = `<allow-access-from domain="*" to-ports="507"/>
<allow-access-from domain="*.foo.com" to-ports="507,516"/>
<allow-access-from domain="www.foo.com" to-ports="507,516-523"/>
<allow-access-from domain="secure.example" to-ports="*" secure="true"/>`
	const low = `<allow-access-from domain="*" to-ports="80,1000-2000"/>`
	tests := []tc{
		// secure by kind of file
		{"HTTPS policy: secure by default", star, "https://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "https://s.example/x"), match.NotSecure, "only over HTTPS"},
		{"HTTPS policy: an HTTPS caller", star, "https://s.example/crossdomain.xml", "", request(t, "https://a.example/a.swf", "https://s.example/x"), match.Granted, ""},
		{"HTTPS policy: secure=false", secureFalse, "https://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "https://s.example/x"), match.Granted, ""},
		{"HTTP policy: secure has no effect", `<allow-access-from domain="*" secure="true"/>`, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x"), match.Granted, ""},
		{"invalid secure is the default", `<allow-access-from domain="*" secure="TRUE"/>`, "https://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "https://s.example/x"), match.NotSecure, ""},
		{"socket policy: not secure by default", sockets, "xmlsocket://s.example:843", "", request(t, "http://a.example/a.swf", "xmlsocket://s.example:507"), match.Granted, "port 507"},
		{"socket policy: secure=true", sockets, "xmlsocket://s.example:843", "", request(t, "http://secure.example/a.swf", "xmlsocket://s.example:9000"), match.NotSecure, ""},
		{"socket policy: secure=true, HTTPS caller", sockets, "xmlsocket://s.example:843", "", request(t, "https://secure.example/a.swf", "xmlsocket://s.example:9000"), match.Granted, ""},
		// to-ports and the 1024 rule
		{"to-ports list", sockets, "xmlsocket://s.example:843", "", request(t, "http://a.foo.com/a.swf", "xmlsocket://s.example:516"), match.Granted, ""},
		{"to-ports range", sockets, "xmlsocket://s.example:843", "", request(t, "http://www.foo.com/a.swf", "xmlsocket://s.example:520"), match.Granted, ""},
		{"a port no entry grants", sockets, "xmlsocket://s.example:843", "", request(t, "http://a.foo.com/a.swf", "xmlsocket://s.example:520"), match.NotGranted, "does not grant port 520"},
		{"low policy port grants low ports", low, "xmlsocket://s.example:843", "", request(t, "http://a.example/a.swf", "xmlsocket://s.example:80"), match.Granted, ""},
		{"high policy port: no low ports", low, "xmlsocket://s.example:1500", "", request(t, "http://a.example/a.swf", "xmlsocket://s.example:1000"), match.NotGranted, "1024 and above only"},
		{"high policy port: high ports", low, "xmlsocket://s.example:1500", "", request(t, "http://a.example/a.swf", "xmlsocket://s.example:1024"), match.Granted, ""},
		{"a socket policy of another host", sockets, "xmlsocket://s.example:843", "", request(t, "http://a.example/a.swf", "xmlsocket://t.example:507"), match.OutOfScope, "sockets on s.example"},
		{"an HTTP policy never authorises sockets", star, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "xmlsocket://s.example:507"), match.OutOfScope, ""},
		{"a socket policy never authorises HTTP", sockets, "xmlsocket://s.example:843", "", request(t, "http://a.example/a.swf", "http://s.example/x"), match.OutOfScope, ""},
		// scope
		{"master governs its port", star, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example:8080/x"), match.OutOfScope, ""},
		{"non-master governs its directory", star, "http://s.example/sub/dir/pf.xml", "", request(t, "http://a.example/a.swf", "http://s.example/sub/dir/deep/x.txt"), match.Granted, ""},
		{"non-master: not outside", star, "http://s.example/sub/dir/pf.xml", "", request(t, "http://a.example/a.swf", "http://s.example/elsewhere/x.txt"), match.OutOfScope, "/sub/dir/"},
		{"non-master: dot segments climb out", star, "http://s.example/sub/dir/pf.xml", "", request(t, "http://a.example/a.swf", "http://s.example/sub/dir/../../secret"), match.OutOfScope, ""},
		// headers
		{"a listed header", headers, "http://s.example/crossdomain.xml", "", request(t, "http://www.bar.com/a.swf", "http://s.example/x", "SOAPAction"), match.Granted, "request headers SOAPAction"},
		{"a prefix header", headers, "http://s.example/crossdomain.xml", "", request(t, "http://www.bar.com/a.swf", "http://s.example/x", "X-Foo", "x-foo-bar"), match.Granted, ""},
		{"case-insensitive", headers, "http://s.example/crossdomain.xml", "", request(t, "http://foo.example.com/a.swf", "http://s.example/x", "authorization"), match.Granted, ""},
		{"one rule must cover every header", headers, "http://s.example/crossdomain.xml", "", request(t, "http://www.bar.com/a.swf", "http://s.example/x", "SOAPAction", "Authorization"), match.HeaderNotAllowed, `Authorization (it grants "SOAPAction, X-Foo*")`},
		{"no header rule for the caller", headers, "http://s.example/crossdomain.xml", "", request(t, "http://other.example/a.swf", "http://s.example/x", "SOAPAction"), match.HeaderNotAllowed, "no header rule"},
		{"Content-Type is not custom", star, "http://s.example/crossdomain.xml", "", request(t, "http://other.example/a.swf", "http://s.example/x", "Content-Type"), match.Granted, ""},
		{"header rules are secure too", headers, "https://s.example/crossdomain.xml", "", request(t, "http://www.bar.com/a.swf", "https://s.example/x", "SOAPAction"), match.NotSecure, ""},
		{"header rule secure=false", headers, "https://s.example/crossdomain.xml", "", request(t, "http://foo.example.com/a.swf", "https://s.example/x", "Authorization"), match.Granted, ""},
		{"never sent: Cookie", `<allow-access-from domain="*"/><allow-http-request-headers-from domain="*" headers="*"/>`, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x", "Cookie"), match.RuntimeLimit, "never sends request header Cookie"},
		{"never sent: underscore spelling", `<allow-access-from domain="*"/><allow-http-request-headers-from domain="*" headers="*"/>`, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x", "user_agent"), match.RuntimeLimit, "user_agent"},
		{"never sent: x-flash-version", `<allow-access-from domain="*"/><allow-http-request-headers-from domain="*" headers="*"/>`, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x", "X-Flash-Version"), match.RuntimeLimit, ""},
		// meta-policy on the master itself
		{"site-control none", `<site-control permitted-cross-domain-policies="none"/>` + star, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x"), match.Disabled, "none"},
		{"unknown site-control counts as none", `<site-control permitted-cross-domain-policies="everything"/>` + star, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x"), match.Disabled, `"everything"`},
		{"several site-controls: the strictest", `<site-control permitted-cross-domain-policies="all"/><site-control permitted-cross-domain-policies="none"/>` + star, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x"), match.Disabled, ""},
		{"site-control master-only keeps the master", `<site-control permitted-cross-domain-policies="master-only"/>` + star, "http://s.example/crossdomain.xml", "", request(t, "http://a.example/a.swf", "http://s.example/x"), match.Granted, ""},
		{"header none", star, "http://s.example/crossdomain.xml", "none", request(t, "http://a.example/a.swf", "http://s.example/x"), match.Disabled, "header is none"},
		{"header none-this-response", star, "http://s.example/sub/pf.xml", "none-this-response", request(t, "http://a.example/a.swf", "http://s.example/sub/x"), match.Disabled, "none-this-response"},
		{"header all does not lift site-control none", `<site-control permitted-cross-domain-policies="none"/>` + star, "http://s.example/crossdomain.xml", "all", request(t, "http://a.example/a.swf", "http://s.example/x"), match.Disabled, ""},
		{"site-control of a non-master is ignored", `<site-control permitted-cross-domain-policies="none"/>` + star, "http://s.example/sub/pf.xml", "", request(t, "http://a.example/a.swf", "http://s.example/sub/x"), match.Granted, ""},
		{"socket master none", `<site-control permitted-cross-domain-policies="none"/>` + sockets, "xmlsocket://s.example:843", "", request(t, "http://a.example/a.swf", "xmlsocket://s.example:507"), match.Disabled, ""},
		// methods
		{"Flash sends GET and POST only", star, "http://s.example/crossdomain.xml", "", func() match.Request {
			r := request(t, "http://a.example/a.swf", "http://s.example/x")
			r.Method = "PUT"
			return r
		}(), match.MethodNotAllowed, "PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := location(t, tt.loc)
			pol, ds, err := Parser{Kind: KindOf(loc)}.Parse([]byte(file(tt.body)))
			require.NoError(t, err, "%v", ds)
			d := pol.Compile(CompileOptions{Location: loc, PermittedCrossDomainPolicies: tt.header}).Decide(tt.req)
			assert.Equal(t, tt.want, d.Code, "%s", d)
			assert.Equal(t, tt.want == match.Granted, d.Allowed)
			assert.Contains(t, d.Reason(), tt.reason)
			if d.Code != match.RuntimeLimit {
				assert.Contains(t, d.Reason(), tt.loc, "the reason names the file")
			}
		})
	}
}

func TestCompileZeroLocation(t *testing.T) {
	pol, _, err := Parse([]byte(file(`<allow-access-from domain="*.example.com"/>`)))
	require.NoError(t, err)
	mp := pol.Compile(CompileOptions{Source: "crossdomain.xml"})
	d := mp.Decide(request(t, "http://a.example.com/a.swf", "https://any.example.net/x"))
	assert.Equal(t, match.NotSecure, d.Code, "an HTTPS target of an HTTPS master: %s", d)
	d = mp.Decide(request(t, "http://a.example.com/a.swf", "http://any.example.net/x"))
	assert.True(t, d.Allowed, "%s", d)
	assert.Equal(t, 2, d.Pos().Line)

	sock, _, err := ParseSocket([]byte(file(`<allow-access-from domain="*" to-ports="80"/>`)))
	require.NoError(t, err)
	d = sock.Compile(CompileOptions{Kind: SocketMaster}).Decide(request(t, "http://a.example.com/a.swf", "xmlsocket://any.example.net:80"))
	assert.True(t, d.Allowed, "a zero-location socket master is served from 843: %s", d)
	d = sock.Compile(CompileOptions{Kind: SocketPolicy}).Decide(request(t, "http://a.example.com/a.swf", "xmlsocket://any.example.net:80"))
	assert.False(t, d.Allowed, "an unknown policy port takes the strict side of the 1024 rule: %s", d)
}

func TestKindOf(t *testing.T) {
	for u, want := range map[string]Kind{
		"http://a.example/crossdomain.xml":          Master,
		"https://a.example:8443/crossdomain.xml":    Master,
		"http://a.example/x/../crossdomain.xml":     Master,
		"http://a.example/sub/crossdomain.xml":      NonMaster,
		"http://a.example/policy.xml":               NonMaster,
		"xmlsocket://a.example:843":                 SocketMaster,
		"xmlsocket://a.example:9000":                SocketPolicy,
		"http://a.example/CROSSDOMAIN.xml":          NonMaster,
		"http://a.example/crossdomain.xml?x=1":      Master,
		"http://a.example/crossdomain.xml/../a.xml": NonMaster,
	} {
		assert.Equal(t, want, KindOf(location(t, u)), u)
	}
	assert.Equal(t, "socket master policy", SocketMaster.String())
}

func TestMetaPolicy(t *testing.T) {
	for _, tt := range []struct {
		a, b, want MetaPolicy
	}{
		{PermitAll, PermitMasterOnly, PermitMasterOnly},
		{PermitMasterOnly, PermitAll, PermitMasterOnly},
		{PermitNone, PermitAll, PermitNone},
		{PermitByContentType, PermitByFTPFilename, PermitByContentType},
		{PermitByFTPFilename, PermitByContentType, PermitByContentType},
		{0, PermitAll, PermitAll},
		{PermitAll, 0, PermitAll},
		{PermitNoneThisResponse, PermitAll, PermitNoneThisResponse},
	} {
		assert.Equal(t, tt.want, Stricter(tt.a, tt.b), "%s vs %s", tt.a, tt.b)
	}

	for _, v := range []string{"none", "master-only", "by-content-type", "by-ftp-filename", "all"} {
		m, err := ParseMetaPolicy(v)
		require.NoError(t, err)
		assert.Equal(t, v, m.String())
	}
	for _, v := range []string{"None", "none-this-response", "", "any"} {
		m, err := ParseMetaPolicy(v)
		var me *MetaPolicyError
		require.ErrorAs(t, err, &me, v)
		assert.Equal(t, PermitNone, m)
	}

	for _, tt := range []struct {
		header string
		want   MetaPolicy
		err    bool
	}{
		{"", 0, false},
		{"all", PermitAll, false},
		{" master-only ", PermitMasterOnly, false},
		{"none-this-response", PermitNoneThisResponse, false},
		{"all, by-content-type", PermitByContentType, false},
		{"bogus", PermitNone, true},
	} {
		m, err := ParseMetaPolicyHeader(tt.header)
		assert.Equal(t, tt.want, m, tt.header)
		assert.Equal(t, tt.err, err != nil, tt.header)
	}

	pol, _, err := Parse([]byte(file(`<site-control permitted-cross-domain-policies="all"/><site-control permitted-cross-domain-policies="master-only"/>`)))
	require.NoError(t, err)
	m, from := pol.MetaPolicy()
	assert.Equal(t, PermitMasterOnly, m)
	assert.Equal(t, 2, from.Pos.Line)
	assert.Equal(t, 54, from.Pos.Col)
	assert.Equal(t, PermitMasterOnly, DefaultMetaPolicy(false))
	assert.Equal(t, PermitAll, DefaultMetaPolicy(true))
}

func TestNeverSent(t *testing.T) {
	for _, h := range []string{"Cookie", "cookie", "User-Agent", "user_agent", "X-Flash-Version", "TE", "Referer"} {
		assert.True(t, NeverSent(h), h)
	}
	for _, h := range []string{"SOAPAction", "Authorization", "X-Requested-With", "Content-Type"} {
		assert.False(t, NeverSent(h), h)
	}
}

func TestCompileNamesDeadEntries(t *testing.T) {
	pol, _, err := Parse([]byte(`<cross-domain-policy>
  <allow-access-from domain="www.*.example.com"/>
</cross-domain-policy>`))
	require.NoError(t, err)
	req, err := match.NewRequest("http://www.a.example.com/x.swf", "http://b.example/")
	require.NoError(t, err)
	d := pol.Compile(CompileOptions{Source: "crossdomain.xml"}).Decide(req)
	assert.Equal(t, `deny: no rule in crossdomain.xml admits http://www.a.example.com/x.swf (it admits no caller at all; it ignores <allow-access-from domain="www.*.example.com"> at 2:3, which matches nothing: "www.*.example.com" never matches: a wildcard is allowed only as "*" or a leading "*." label)`, d.String())

	sock, _, err := ParseSocket([]byte(`<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`))
	require.NoError(t, err)
	req, err = match.NewRequest("http://www.a.example.com/x.swf", "xmlsocket://b.example:9000")
	require.NoError(t, err)
	d = sock.Compile(CompileOptions{Kind: SocketMaster}).Decide(req)
	assert.Contains(t, d.Reason(), "which grants nothing: a socket policy needs to-ports")
}
