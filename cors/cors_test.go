package cors

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

func flash(t *testing.T, body string) *match.Policy {
	pol, _, err := crossdomain.Parse([]byte(body))
	require.NoError(t, err)
	return pol.Compile(crossdomain.CompileOptions{})
}

func silverlight(t *testing.T, body string) *match.Policy {
	pol, _, err := clientaccess.Parse([]byte(body))
	require.NoError(t, err)
	return pol.Compile(clientaccess.CompileOptions{})
}

func draft(t *testing.T, body string) *match.Policy {
	pol, _, err := mozpolicy.Parse([]byte(body))
	require.NoError(t, err)
	loc, err := match.ParseTarget("http://api.example.com/" + mozpolicy.FileName)
	require.NoError(t, err)
	return pol.Compile(mozpolicy.CompileOptions{Location: loc})
}

const (
	flashPartner = `<cross-domain-policy>
<allow-access-from domain="*.partner.example"/>
<allow-http-request-headers-from domain="*.partner.example" headers="X-Token"/>
</cross-domain-policy>`
	silverPolicy = `<access-policy><cross-domain-access><policy>
<allow-from http-methods="GET,POST" http-request-headers="X-Api-*"><domain uri="https://app.example.net"/></allow-from>
<grant-to><resource path="/data" include-subpaths="true"/></grant-to>
</policy></cross-domain-access></access-policy>`
	draftPolicy = `<cross-domain-policy><allow from="app.example.net" to="feeds/"/></cross-domain-policy>`
)

// TestHandler: the CORS answers follow the policy's decision, for
// preflights and actual requests, in each format.
func TestHandler(t *testing.T) {
	policies := map[string]*match.Policy{
		"flash": flash(t, flashPartner), "silverlight": silverlight(t, silverPolicy), "draft": draft(t, draftPolicy),
	}
	for _, tt := range []struct {
		policy, origin, method, path string
		preflight                    bool
		headers                      string
		allowed                      bool
	}{
		{"flash", "http://www.partner.example", "GET", "/x", false, "", true},
		{"flash", "https://a.b.partner.example", "GET", "/x", false, "", true},
		{"flash", "http://partner.example.evil.net", "GET", "/x", false, "", false},
		{"flash", "http://www.partner.example", "PUT", "/x", true, "", false},
		{"flash", "http://www.partner.example", "POST", "/x", true, "X-Token", true},
		{"flash", "http://www.partner.example", "POST", "/x", true, "X-Other", false},
		{"flash", "http://evil.example", "POST", "/x", true, "X-Token", false},
		{"silverlight", "https://app.example.net", "GET", "/data/feed", false, "", true},
		{"silverlight", "http://app.example.net", "GET", "/data/feed", false, "", false},
		{"silverlight", "https://app.example.net", "GET", "/private", false, "", false},
		{"silverlight", "https://app.example.net", "POST", "/data/x", true, "X-Api-Key", true},
		{"silverlight", "https://app.example.net", "DELETE", "/data/x", true, "", false},
		{"silverlight", "https://app.example.net", "GET", "/data/%2e%2e/private", false, "", false},
		{"draft", "http://app.example.net", "GET", "/feeds/latest", false, "", true},
		{"draft", "http://app.example.net", "GET", "/admin", false, "", false},
		{"draft", "http://other.example", "GET", "/feeds/latest", false, "", false},
		{"draft", "null", "GET", "/feeds/latest", false, "", false},
	} {
		name := tt.policy + " " + tt.origin + " " + tt.method + " " + tt.path
		t.Run(name, func(t *testing.T) {
			reached := false
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })
			h, err := NewHandler(next, policies[tt.policy], Options{})
			require.NoError(t, err)
			method := tt.method
			if tt.preflight {
				method = http.MethodOptions
			}
			req := httptest.NewRequest(method, "http://api.example.com"+tt.path, nil)
			req.Header.Set("Origin", tt.origin)
			if tt.preflight {
				req.Header.Set("Access-Control-Request-Method", tt.method)
				if tt.headers != "" {
					req.Header.Set("Access-Control-Request-Headers", tt.headers)
				}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("Access-Control-Allow-Origin")
			if tt.allowed {
				assert.Equal(t, tt.origin, got)
			} else {
				assert.Empty(t, got)
			}
			assert.Contains(t, rec.Header().Values("Vary"), "Origin")
			assert.Empty(t, rec.Header().Get("Access-Control-Allow-Credentials"), "credentials are opt-in")
			assert.Equal(t, !tt.preflight, reached, "a preflight is answered here; an actual request goes on")
			if tt.preflight && tt.allowed {
				assert.Equal(t, tt.method, rec.Header().Get("Access-Control-Allow-Methods"))
				assert.Equal(t, tt.headers, rec.Header().Get("Access-Control-Allow-Headers"))
				assert.Equal(t, "600", rec.Header().Get("Access-Control-Max-Age"))
			}
		})
	}
}

func TestHandlerCredentials(t *testing.T) {
	open := flash(t, `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`)
	_, err := NewHandler(http.NotFoundHandler(), open, Options{Credentials: true})
	assert.ErrorIs(t, err, ErrOpenWithCredentials)
	_, err = NewHandler(http.NotFoundHandler(), open, Options{Credentials: true, Force: true})
	assert.NoError(t, err)

	h, err := NewHandler(http.NotFoundHandler(), flash(t, flashPartner), Options{Credentials: true})
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "http://api.example.com/x", nil)
	req.Header.Set("Origin", "http://www.partner.example")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, "true", rec.Header().Get("Access-Control-Allow-Credentials"))
	assert.Equal(t, "http://www.partner.example", rec.Header().Get("Access-Control-Allow-Origin"), "never * with credentials")
}

func TestHandlerNoOrigin(t *testing.T) {
	h, err := NewHandler(http.NotFoundHandler(), flash(t, flashPartner), Options{})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://api.example.com/x", nil))
	assert.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

func TestTranslate(t *testing.T) {
	tr := Translate(silverlight(t, silverPolicy))
	require.Len(t, tr.Rules, 1)
	assert.Equal(t, []string{"https://app.example.net"}, tr.Rules[0].Origins)
	assert.Equal(t, []string{"/data/*"}, tr.Rules[0].Paths)
	assert.Equal(t, []string{"GET", "POST"}, tr.Rules[0].Methods)
	var losses []string
	for _, l := range tr.Losses {
		losses = append(losses, l.String())
	}
	assert.Contains(t, strings.Join(losses, "\n"), "grants headers by prefix (x-api-*)")

	tr = Translate(flash(t, `<cross-domain-policy><allow-access-from domain="*.partner.example" to-ports="9000"/></cross-domain-policy>`))
	require.Len(t, tr.Rules, 1)
	assert.Equal(t, []string{"*://*.partner.example"}, tr.Rules[0].Origins)
}

// FuzzHandler: whatever a request holds, the middleware never panics and
// never allows an origin the policy does not admit for that request.
func FuzzHandler(f *testing.F) {
	f.Add("http://www.partner.example", "GET", "/x", "", false)
	f.Add("http://www.partner.example", "POST", "/x", "X-Token", true)
	f.Add("null", "GET", "/%2e%2e/x", "", false)
	f.Add("http://a\x00b", "G ET", "/x", "A,B", true)
	f.Fuzz(func(t *testing.T, origin, method, path, headers string, preflight bool) {
		p, _, err := crossdomain.Parse([]byte(flashPartner))
		if err != nil {
			t.Fatal(err)
		}
		pol := p.Compile(crossdomain.CompileOptions{})
		h, err := NewHandler(http.NotFoundHandler(), pol, Options{})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodGet, "http://api.example.com/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Path, req.URL.RawPath = path, ""
		req.Header.Set("Origin", origin)
		if preflight {
			req.Method = http.MethodOptions
			req.Header.Set("Access-Control-Request-Method", method)
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("Access-Control-Allow-Origin") == "" {
			return
		}
		o, err := match.ParseOrigin(origin)
		if err != nil {
			t.Fatalf("allowed an origin that does not parse: %q", origin)
		}
		target, err := match.ParseTarget("http://api.example.com" + req.URL.EscapedPath())
		if err != nil {
			t.Fatalf("allowed a target that does not parse: %q", req.URL.EscapedPath())
		}
		r := match.Request{Origin: o, Target: target, Method: req.Method}
		if preflight {
			r.Method, r.Headers = method, splitList(headers, nil)
		}
		if d := pol.Decide(r); !d.Allowed {
			t.Fatalf("allowed %q for %s %q, which the policy denies: %s", origin, r.Method, path, d)
		}
	})
}

// TestHandlerWildcardRequest: a preflight that asks for a header or a
// method named "*" is never answered, whatever the policy grants: a
// browser would read the answer as a wildcard.
func TestHandlerWildcardRequest(t *testing.T) {
	p := flash(t, `<cross-domain-policy><allow-access-from domain="*.partner.example"/><allow-http-request-headers-from domain="*.partner.example" headers="*"/></cross-domain-policy>`)
	h, err := NewHandler(http.NotFoundHandler(), p, Options{})
	require.NoError(t, err)
	for _, tt := range []struct{ method, headers string }{{"POST", "*"}, {"POST", "x-a, *"}, {"*", ""}} {
		req := httptest.NewRequest("OPTIONS", "http://api.example.com/x", nil)
		req.Header.Set("Origin", "http://www.partner.example")
		req.Header.Set("Access-Control-Request-Method", tt.method)
		req.Header.Set("Access-Control-Request-Headers", tt.headers)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), "%+v", tt)
		assert.Empty(t, rec.Header().Get("Access-Control-Allow-Headers"), "%+v", tt)
	}
	_, err = NewHandler(http.NotFoundHandler(), p, Options{Scheme: "HTTPS"})
	assert.ErrorContains(t, err, "want http or https")
}
