package match

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file pin the answers at the edges where an attacker
// looks for a false allow: names that are not names, paths a server reads
// otherwise than written, hosts that vanish.

// headerPolicies are the two shapes header grants compile to: grants on
// the rule (Silverlight's http-request-headers="X-API-*") and separate
// header rules (Flash's headers="X-Foo*").
func headerPolicies(t *testing.T) map[string]*Policy {
	everything := []PathScope{{Path: "/", Subpaths: true}}
	return map[string]*Policy{
		"silverlight": {Source: "clientaccesspolicy.xml", Runtime: "silverlight", Rules: []Rule{{
			Callers: []Caller{{Host: AnyHost}}, Methods: Methods("GET", "POST"),
			Headers: ParseHeaderList("X-API-*, SOAPAction"), Paths: everything,
		}}},
		"flash": {Source: "crossdomain.xml", Runtime: "flash", SeparateHeaders: true,
			Rules: []Rule{{Callers: []Caller{{Host: AnyHost}}, Methods: Methods("GET", "POST"), Paths: everything}},
			HeaderRules: []HeaderRule{{
				Callers: []Caller{{Host: AnyHost}}, Methods: Methods("GET", "POST"),
				Headers: ParseHeaderList("X-Foo*, X-API-*, SOAPAction"), HeadersText: "X-Foo*, X-API-*, SOAPAction",
			}},
		},
	}
}

func TestMalformedNames(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		headers []string
		detail  string // "" for a well-formed request, which is allowed
	}{
		{"prefix grant", "POST", []string{"X-API-Key"}, ""},
		{"exact grant, any case", "post", []string{"soapaction", "Content-Type"}, ""},
		{"token characters", "GET", []string{"X-API-a!#$%&'*+-.^_`|~9"}, ""},
		{"CRLF smuggles a header", "POST", []string{"X-API-Key\r\nAuthorization: Basic x"},
			`request header "X-API-Key\r\nAuthorization: Basic x" is not an HTTP token (RFC 9110): it contains '\r'`},
		{"CRLF after a Flash prefix", "POST", []string{"X-Foo\r\nAuthorization: Basic x"},
			`request header "X-Foo\r\nAuthorization: Basic x" is not an HTTP token (RFC 9110): it contains '\r'`},
		{"NUL", "GET", []string{"X-API-\x00Cookie"},
			`request header "X-API-\x00Cookie" is not an HTTP token (RFC 9110): it contains '\x00'`},
		{"comma-joined list", "POST", []string{"X-API-Key,Authorization"},
			`request header "X-API-Key,Authorization" is not an HTTP token (RFC 9110): it contains ","; give each name on its own`},
		{"space", "GET", []string{"X-API-Key Authorization"}, `it contains ' '`},
		{"colon", "GET", []string{"X-API-Key:"}, `it contains ':'`},
		{"empty", "GET", []string{""}, `request header "" is not an HTTP token (RFC 9110): it is empty`},
		{"not UTF-8", "GET", []string{"X-API-\xff"}, `it contains the byte 0xff`},
		{"non-ASCII", "GET", []string{"X-API-é"}, `it contains 'é'`},
		{"method with CRLF", "POST\r\nX-Evil: 1", nil, `method "POST\r\nX-Evil: 1" is not an HTTP token (RFC 9110): it contains '\r'`},
		{"method with a space", "GET /", nil, `it contains ' '`},
		{"comma-joined methods", "GET,PUT", nil, `it contains ","`},
	}
	for rt, p := range headerPolicies(t) {
		for _, tt := range tests {
			t.Run(rt+"/"+tt.name, func(t *testing.T) {
				req := MustRequest("http://app.example.net/app.swf", "http://api.example.com/data/x")
				req.Method, req.Headers = tt.method, tt.headers
				d := p.Decide(req)
				err := req.Validate()
				if tt.detail == "" {
					assert.NoError(t, err)
					assert.True(t, d.Allowed, d.String())
					return
				}
				var re *RequestError
				require.True(t, errors.As(err, &re), "Validate = %v", err)
				assert.Contains(t, err.Error(), tt.detail)
				assert.False(t, d.Allowed, d.String())
				assert.Equal(t, Malformed, d.Code, d.String())
				assert.Equal(t, "malformed-request", d.Code.String())
				assert.Nil(t, d.Rule)
				assert.Nil(t, d.HeaderRule)
				assert.Equal(t, "deny: the request is malformed and is refused before any rule is consulted: "+err.Error(), d.String())
			})
		}
	}
}

// TestMalformedBeforeEverything: a malformed request is refused even where
// nothing else would be consulted (a disabled file, another scope).
func TestMalformedBeforeEverything(t *testing.T) {
	req := MustRequest("http://a.example/", "http://b.example/x")
	req.Headers = []string{"X\nY"}
	for _, p := range []*Policy{
		{Disabled: "off"},
		{Scope: Scope{Scheme: "http", Host: "c.example", Port: 80}},
		{},
	} {
		assert.Equal(t, Malformed, p.Decide(req).Code)
	}
}

func TestQuote(t *testing.T) {
	assert.Equal(t, `"a\r\nb"`, Quote("a\r\nb"))
	assert.Equal(t, `"\x00\xff"`, Quote("\x00\xff"))
	long := strings.Repeat("é", 900_000)
	q := Quote(long)
	assert.Less(t, len(q), 120)
	assert.True(t, strings.HasSuffix(q, "… (1800000 bytes)"), q)
	assert.Equal(t, strings.Repeat("é", 40), q[1:81], "clipped on a character boundary")
}

func TestVanishingHosts(t *testing.T) {
	// Characters the IDNA mapping deletes leave no host; such a URL is
	// neither a caller nor a site.
	for _, u := range []string{
		"http://\u034f/", "http://\u200b/api/x", "https://\u00ad\u200b/", "http://\u034f:8080/x",
		"http://./", "http://../", "http://.../x", "http://\u200b.\u200b/",
	} {
		_, err := ParseOrigin(u)
		assert.Error(t, err, "ParseOrigin(%q)", u)
		_, err = ParseTarget(u)
		assert.Error(t, err, "ParseTarget(%q)", u)
	}
	_, err := ParseOrigin("http://\u034f/")
	assert.EqualError(t, err, `caller "http://\u034f/": host "\u034f" is empty once IDNA maps it`)
	for _, h := range []string{"\u034f", "\u200b", ".", "..", "\u200b.\u200b"} {
		_, err := NormalizeHost(h)
		assert.Error(t, err, "NormalizeHost(%q)", h)
		p, err := ParseHostPattern(h, WildcardWithApex)
		assert.Error(t, err)
		assert.False(t, p.Valid())
	}
	// A pattern that admits every caller still admits no vanished one,
	// because there is none to admit.
	any := &Policy{Rules: []Rule{{Callers: []Caller{{Host: AnyHost}}, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}}}}
	_, err = NewRequest("http://\u034f/", "http://b.example/")
	assert.Error(t, err)
	assert.True(t, any.Decide(MustRequest("http://a.example/", "http://b.example/")).Allowed)
}

// TestAmbiguousPaths: a target whose path a server may read as another
// one lies outside every scope narrower than the whole site: a directory
// a file governs (Flash's non-master files, the draft's delegated files)
// and a granted path (Silverlight's resources, the draft's to).
func TestAmbiguousPaths(t *testing.T) {
	anyone := []Caller{{Host: AnyHost, Text: "*"}}
	dir := &Policy{Source: "http://victim.com/api/crossdomain.xml", Scope: Scope{Scheme: "http", Host: "victim.com", Port: 80, Dir: "/api/"},
		Rules: []Rule{{Callers: anyone, Methods: AllMethods, Paths: []PathScope{{Path: "/", Subpaths: true}}}}}
	site := &Policy{Source: "http://victim.com/crossdomain.xml", Scope: Scope{Scheme: "http", Host: "victim.com", Port: 80},
		Rules: dir.Rules}
	grant := &Policy{Source: "clientaccesspolicy.xml", Rules: []Rule{{Callers: anyone, Methods: AllMethods,
		Paths: []PathScope{{Path: "/api", Subpaths: true}, {Path: "/api/x/y"}}}}}
	tests := []struct {
		target               string
		dir, site, grant     bool
		code                 Code // the dir policy's denial
		dirReason, grantNote string
	}{
		{"http://victim.com/api/x", true, true, true, Granted, "", ""},
		{"http://victim.com/api/x/y", true, true, true, Granted, "", ""},
		// A browser sends these as /secret.
		{`http://victim.com/api/..\secret`, false, true, false, OutOfScope, "governs http://victim.com/api/, not http://victim.com/secret", ""},
		{"http://victim.com/api/.%2e/secret", false, true, false, OutOfScope, "", ""},
		{"http://victim.com/api/%2E%2E/secret", false, true, false, OutOfScope, "", ""},
		// Servers decode these differently.
		{"http://victim.com/api/..%5csecret", false, true, false, OutOfScope,
			`(the path "/api/..%5csecret" holds %5c, which servers decode differently, so it lies outside every scope narrower than the whole site)`,
			`does not grant /api/..\secret (the path "/api/..%5csecret" holds %5c`},
		{"http://victim.com/api/..%5Csecret", false, true, false, OutOfScope, "", ""},
		{"http://victim.com/api/%252e%252e/secret", false, true, false, OutOfScope, "holds %25", ""},
		{"http://victim.com/api/%c0%ae%c0%ae/secret", false, true, false, OutOfScope, "holds %c0%ae%c0%ae", ""},
		{"http://victim.com/api/x%2fy", false, true, false, OutOfScope, "holds %2f", ""},
		{"http://victim.com/api/x%2F..%2F..%2Fsecret", false, true, false, OutOfScope, "holds %2F", ""},
		{"http://victim.com/api/x%00", false, true, false, OutOfScope, "holds %00", ""},
		// Inside a run of escapes too (FuzzParseTarget found %01%00 passed).
		{"http://victim.com/api/x%41%00", false, true, false, OutOfScope, "holds %00", ""},
		{"http://victim.com/api/%c3%a9%2f..%2fsecret", false, true, false, OutOfScope, "holds %2f", ""},
		{"http://victim.com/api/%e0%80%af", false, true, false, OutOfScope, "holds %e0%80%af", ""},
		{"http://victim.com/api/%ed%a0%80", false, true, false, OutOfScope, "holds %ed%a0%80", ""},
		// Plain escapes are not ambiguous.
		{"http://victim.com/api/a%20b%e2%82%ac", true, true, true, Granted, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			req := MustRequest("http://evil.example/x.swf", tt.target)
			d := dir.Decide(req)
			assert.Equal(t, tt.dir, d.Allowed, d.String())
			assert.Equal(t, tt.code, d.Code, d.String())
			if tt.dirReason != "" {
				assert.Contains(t, d.Reason(), tt.dirReason)
			}
			assert.Equal(t, tt.site, site.Decide(req).Allowed, "the whole site governs every path")
			g := grant.Decide(req)
			assert.Equal(t, tt.grant, g.Allowed, g.String())
			if tt.grantNote != "" {
				assert.Contains(t, g.Reason(), tt.grantNote)
			}
		})
	}
}

// TestHostLengths: a name longer than DNS allows names no host; its
// Punycode form may not even read back (FuzzParseOrigin found one).
func TestHostLengths(t *testing.T) {
	l63 := strings.Repeat("a", 63)
	_, err := NormalizeHost(l63 + ".example")
	assert.NoError(t, err)
	_, err = NormalizeHost(l63 + "a.example")
	assert.ErrorContains(t, err, "a label longer than 63 bytes")
	_, err = NormalizeHost("ü" + strings.Repeat("i", 60) + ".example")
	assert.ErrorContains(t, err, "a label longer than 63 bytes", "counted in its ASCII form")
	long := strings.Repeat(l63+".", 4) // 256 bytes
	_, err = NormalizeHost(long[:253])
	assert.NoError(t, err)
	_, err = NormalizeHost(long[:254] + "a")
	assert.ErrorContains(t, err, "longer than 253 bytes")
	_, err = ParseOrigin("http://" + strings.Repeat("ü", 40) + strings.Repeat("I", 3000) + "/")
	assert.Error(t, err)
}
