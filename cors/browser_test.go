package cors

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/browsertest"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// browserCase is one fetch() from a page on one loopback origin to the API
// on another, through the middleware with a policy of its own.
type browserCase struct {
	name   string
	format string // "flash", "silverlight", "draft"
	policy string // with {page} for the page's origin, {case} for the case's path
	method string
	header string // a custom request header, or ""
	creds  bool   // credentials: "include"
	opts   Options
	path   string // under the case's path
}

// TestBrowser runs each case in headless Chromium: the page's fetch()
// succeeds exactly when the policy admits the request (and, with
// credentials, the middleware allows them). Chromium comes from the
// Debian package chromium, which .ci/run installs.
func TestBrowser(t *testing.T) {
	b := browsertest.Start(t)
	pageOrigin := b.Origin // http://127.0.0.1:PORT
	pageHost, _, _ := net.SplitHostPort(strings.TrimPrefix(pageOrigin, "http://"))

	cases := []browserCase{
		{name: "flash admits the page's host", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/></cross-domain-policy>`, method: "GET"},
		{name: "flash admits partners only", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="*.partner.example"/></cross-domain-policy>`, method: "GET"},
		{name: "flash POST", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/></cross-domain-policy>`, method: "POST"},
		{name: "flash never PUT", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/></cross-domain-policy>`, method: "PUT"},
		{name: "flash granted header", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/><allow-http-request-headers-from domain="{host}" headers="X-Token"/></cross-domain-policy>`, method: "POST", header: "X-Token"},
		{name: "flash header not granted", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/></cross-domain-policy>`, method: "POST", header: "X-Token"},
		{name: "flash another header granted", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/><allow-http-request-headers-from domain="{host}" headers="X-Token"/></cross-domain-policy>`, method: "POST", header: "X-Other"},
		{name: "flash with credentials allowed", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/></cross-domain-policy>`, method: "GET", creds: true, opts: Options{Credentials: true}},
		{name: "flash with credentials not allowed", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="{host}"/></cross-domain-policy>`, method: "GET", creds: true},
		{name: "flash everyone, DELETE", format: "flash", policy: `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`, method: "DELETE"},
		{name: "silverlight exact origin", format: "silverlight", policy: silverlightFor(`<domain uri="{page}"/>`, `{case}data`, ""), method: "GET", path: "data/x"},
		{name: "silverlight outside the grant", format: "silverlight", policy: silverlightFor(`<domain uri="{page}"/>`, `{case}data`, ""), method: "GET", path: "private"},
		{name: "silverlight other scheme", format: "silverlight", policy: silverlightFor(`<domain uri="https://{host}"/>`, `{case}data`, ""), method: "GET", path: "data/x"},
		{name: "silverlight PUT granted", format: "silverlight", policy: silverlightFor(`<domain uri="{page}"/>`, `{case}data`, ` http-methods="GET,POST,PUT"`), method: "PUT", path: "data/x"},
		{name: "silverlight DELETE not granted", format: "silverlight", policy: silverlightFor(`<domain uri="{page}"/>`, `{case}data`, ` http-methods="GET,POST,PUT"`), method: "DELETE", path: "data/x"},
		{name: "silverlight header by prefix", format: "silverlight", policy: silverlightFor(`<domain uri="{page}"/>`, `{case}data`, ` http-request-headers="X-Api-*"`), method: "POST", header: "X-Api-Key", path: "data/x"},
		{name: "silverlight header outside the prefix", format: "silverlight", policy: silverlightFor(`<domain uri="{page}"/>`, `{case}data`, ` http-request-headers="X-Api-*"`), method: "POST", header: "X-Token", path: "data/x"},
		{name: "silverlight every caller", format: "silverlight", policy: silverlightFor(`<domain uri="*"/>`, `{case}data`, ""), method: "GET", path: "data/x"},
		{name: "silverlight every http caller", format: "silverlight", policy: silverlightFor(`<domain uri="http://*"/>`, `{case}data`, ""), method: "GET", path: "data/x"},
		{name: "draft admits the host", format: "draft", policy: `<cross-domain-policy><allow from="{host}"/></cross-domain-policy>`, method: "GET"},
		{name: "draft admits another", format: "draft", policy: `<cross-domain-policy><allow from="partner.example"/></cross-domain-policy>`, method: "GET"},
		{name: "draft other directory", format: "draft", policy: `<cross-domain-policy><allow from="{host}" to="feeds/"/></cross-domain-policy>`, method: "GET", path: "x"},
		{name: "draft its directory", format: "draft", policy: `<cross-domain-policy><allow from="{host}" to="feeds/"/></cross-domain-policy>`, method: "GET", path: "feeds/x"},
		{name: "draft everyone", format: "draft", policy: `<cross-domain-policy><allow from="*"/></cross-domain-policy>`, method: "GET"},
	}

	// The API: each case under /case/N/, through its own middleware.
	mux := http.NewServeMux()
	api := httptest.NewUnstartedServer(mux)
	api.Start()
	defer api.Close()
	want := make([]bool, len(cases))
	for i, c := range cases {
		prefix := "/c" + strconv.Itoa(i) + "/"
		text := strings.NewReplacer("{page}", pageOrigin, "{host}", pageHost, "{case}", prefix).Replace(c.policy)
		pol := compileFor(t, c.format, text, api.URL+prefix)
		ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
		h, err := NewHandler(ok, pol, c.opts)
		require.NoError(t, err, c.name)
		mux.Handle(prefix, h)
		// The policy's decision for the request the browser makes.
		o, err := match.ParseOrigin(pageOrigin)
		require.NoError(t, err)
		tg, err := match.ParseTarget(api.URL + prefix + c.path)
		require.NoError(t, err)
		req := match.Request{Origin: o, Target: tg, Method: c.method}
		if c.header != "" {
			req.Headers = []string{c.header}
		}
		want[i] = pol.Decide(req).Allowed && (!c.creds || c.opts.Credentials)
	}

	allowed, denied := 0, 0
	for i, c := range cases {
		got := b.Fetch(t, browsertest.Request{URL: api.URL + "/c" + strconv.Itoa(i) + "/" + c.path, Method: c.method, Header: c.header, Creds: c.creds})
		if got != want[i] {
			t.Errorf("%s: the browser says %v, the policy %v", c.name, got, want[i])
		}
		if want[i] {
			allowed++
		} else {
			denied++
		}
	}
	t.Logf("%d cases in Chromium: %d allowed, %d denied, each as the policy decides", len(cases), allowed, denied)
	require.Greater(t, allowed, 5)
	require.Greater(t, denied, 5)
}

func silverlightFor(allowFrom, path, attrs string) string {
	return `<access-policy><cross-domain-access><policy><allow-from` + attrs + `>` + allowFrom + `</allow-from>` +
		`<grant-to><resource path="` + path + `" include-subpaths="true"/></grant-to></policy></cross-domain-access></access-policy>`
}

// compileFor reads a policy of a format as its runtime did, at base (the
// directory it governs, for the draft).
func compileFor(t *testing.T, format, text, base string) *match.Policy {
	t.Helper()
	switch format {
	case "flash":
		pol, _, err := crossdomain.Parse([]byte(text))
		require.NoError(t, err)
		return pol.Compile(crossdomain.CompileOptions{})
	case "silverlight":
		pol, _, err := clientaccess.Parse([]byte(text))
		require.NoError(t, err)
		return pol.Compile(clientaccess.CompileOptions{})
	}
	pol, _, err := mozpolicy.Parse([]byte(text))
	require.NoError(t, err)
	loc, err := match.ParseTarget(base + mozpolicy.FileName)
	require.NoError(t, err)
	return pol.Compile(mozpolicy.CompileOptions{Location: loc})
}
