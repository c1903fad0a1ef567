package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/browsertest"
)

// startProxy runs "xdpolicy proxy" with args until the test ends, and
// returns its address and its log.
func startProxy(t *testing.T, args ...string) (string, *lockedBuffer) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, append([]string{"proxy", "-listen", addr}, args...), nil, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, 0, code, "a clean stop: %s", stderr.String())
		case <-time.After(15 * time.Second):
			t.Error("the proxy did not stop on cancel")
		}
	})
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, "the proxy listens: %s", stderr.String())
	return "http://" + addr, &stderr
}

func TestProxy(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/crossdomain.xml":
			w.Header().Set("Content-Type", "text/x-cross-domain-policy")
			fmt.Fprint(w, `<cross-domain-policy><allow-access-from domain="*.partner.example"/></cross-domain-policy>`)
		default:
			fmt.Fprint(w, "backend "+r.URL.Path)
		}
	}))
	defer backend.Close()
	proxy, log := startProxy(t, "-to", backend.URL)

	get := func(origin, path string) (*http.Response, string) {
		req, err := http.NewRequest("GET", proxy+path, nil)
		require.NoError(t, err)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get("https://app.partner.example", "/data/feed")
	assert.Equal(t, "backend /data/feed", body)
	assert.Equal(t, "https://app.partner.example", res.Header.Get("Access-Control-Allow-Origin"))
	res, body = get("https://evil.example", "/data/feed")
	assert.Equal(t, "backend /data/feed", body, "the request goes on; the browser withholds the answer")
	assert.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))
	res, _ = get("", "/data/feed")
	assert.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, log.String(), `msg=request`)
	assert.Contains(t, log.String(), `origin=https://app.partner.example status=200 cors=true`)
	assert.Contains(t, log.String(), `origin=https://evil.example status=200 cors=false`)
}

func TestProxyPolicyFile(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer backend.Close()
	file := filepath.Join(t.TempDir(), "clientaccesspolicy.xml")
	require.NoError(t, os.WriteFile(file, []byte(`<access-policy><cross-domain-access><policy><allow-from><domain uri="https://app.example.net"/></allow-from>`+
		`<grant-to><resource path="/api" include-subpaths="true"/></grant-to></policy></cross-domain-access></access-policy>`), 0o644))
	proxy, _ := startProxy(t, "-to", backend.URL, "-runtime", "silverlight", "-policy", file)
	for _, tt := range []struct {
		origin, path string
		allowed      bool
	}{
		{"https://app.example.net", "/api/x", true},
		{"https://app.example.net", "/private", false},
		{"http://app.example.net", "/api/x", false},
	} {
		req, _ := http.NewRequest("GET", proxy+tt.path, nil)
		req.Header.Set("Origin", tt.origin)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, tt.allowed, res.Header.Get("Access-Control-Allow-Origin") != "", "%s %s", tt.origin, tt.path)
	}
}

func TestProxyUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "-to names the backend"},
		{[]string{"proxy", "-to", "ftp://x"}, "want the backend's http(s) base URL"},
		{[]string{"proxy", "-to", "http://127.0.0.1:1", "-runtime", "java"}, "-runtime"},
		{[]string{"proxy", "-to", "http://127.0.0.1:1", "-policy", "../../go.mod", "-runtime", "flash"}, "rejects it"},
	} {
		code, _, stderr := runCLI(tc.args...)
		assert.Equal(t, 2, code, strings.Join(tc.args, " "))
		assert.Contains(t, stderr, tc.want)
	}
}

// TestProxyBrowser: headless Chromium reaches a backend through the proxy
// exactly as the backend's own Flash master policy admits.
func TestProxyBrowser(t *testing.T) {
	b := browsertest.Start(t)
	host, _, _ := net.SplitHostPort(strings.TrimPrefix(b.Origin, "http://"))
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/crossdomain.xml":
			w.Header().Set("Content-Type", "text/x-cross-domain-policy")
			fmt.Fprintf(w, `<cross-domain-policy><allow-access-from domain=%q/>`+
				`<allow-http-request-headers-from domain=%q headers="X-Token"/></cross-domain-policy>`, host, host)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	defer backend.Close()
	proxy, _ := startProxy(t, "-to", backend.URL)
	for _, tt := range []struct {
		r       browsertest.Request
		allowed bool
	}{
		{browsertest.Request{URL: proxy + "/data", Method: "GET"}, true},
		{browsertest.Request{URL: proxy + "/data", Method: "POST"}, true},
		{browsertest.Request{URL: proxy + "/data", Method: "PUT"}, false},
		{browsertest.Request{URL: proxy + "/data", Method: "POST", Header: "X-Token"}, true},
		{browsertest.Request{URL: proxy + "/data", Method: "POST", Header: "X-Other"}, false},
		{browsertest.Request{URL: proxy + "/data", Method: "GET", Creds: true}, false}, // no -credentials
	} {
		assert.Equal(t, tt.allowed, b.Fetch(t, tt.r), "%+v", tt.r)
	}
}

// TestProxyReviewCases: the backend's own origin is not a caller the
// policy admits, the backend's own CORS headers never reach the browser,
// and a -to with a path is refused.
func TestProxyReviewCases(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/crossdomain.xml" {
			w.Header().Set("Content-Type", "text/x-cross-domain-policy")
			fmt.Fprint(w, `<cross-domain-policy><allow-access-from domain="www.partner.example"/></cross-domain-policy>`)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*") // the backend's own, too wide
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		fmt.Fprint(w, "ok")
	}))
	defer backend.Close()
	proxy, _ := startProxy(t, "-to", backend.URL, "-credentials")
	for _, origin := range []string{backend.URL, "https://evil.example"} {
		req, _ := http.NewRequest("GET", proxy+"/data", nil)
		req.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), origin)
		assert.Empty(t, res.Header.Get("Access-Control-Allow-Credentials"), origin)
	}
	code, _, stderr := runCLI("proxy", "-to", backend.URL+"/internal")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "without a path")
	code, _, stderr = runCLI("proxy", "-to", backend.URL, "-scheme", "https")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "give the policy with -policy FILE")
}
