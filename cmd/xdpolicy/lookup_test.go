package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

type vector struct {
	Name, Runtime, Origin, Target, Method, Type, Expect string
	Headers                                             []string
	PolicyFiles                                         []string `json:"policy_files"`
	HTTP                                                map[string]struct {
		Status      int
		ContentType string `json:"content_type"`
		Headers     map[string]string
		Body        string
	}
	Sockets map[string]string
}

func vectors(t *testing.T, name string) []vector {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", name))
	require.NoError(t, err)
	var vs []vector
	require.NoError(t, json.Unmarshal(b, &vs))
	return vs
}

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestLookupVectors runs a sample of the fetch vectors through check
// without a FILE, against loopback servers reached with -connect-to.
func TestLookupVectors(t *testing.T) {
	ran := 0
	for _, file := range []string{"flash.json", "mozilla.json"} {
		for i, v := range vectors(t, file) {
			if i%3 != 0 {
				continue
			}
			t.Run(v.Name, func(t *testing.T) {
				site := fakesite.Site{HTTP: map[string]fakesite.Response{}, Sockets: v.Sockets}
				for u, r := range v.HTTP {
					site.HTTP[u] = fakesite.Response{Status: r.Status, ContentType: r.ContentType, Headers: r.Headers, Body: r.Body}
				}
				srv := fakesite.Start(t, site)
				args := []string{"check", "-runtime", v.Runtime, "-origin", v.Origin, "-target", v.Target, "-insecure", "-timeout", "2s"}
				if v.Type != "" {
					args = append(args, "-type", v.Type)
				}
				if v.Method != "" {
					args = append(args, "-method", v.Method)
				}
				for _, h := range v.Headers {
					args = append(args, "-header", h)
				}
				for _, p := range v.PolicyFiles {
					args = append(args, "-policy-file", p)
				}
				// Connections to addresses the vector does not list must
				// be refused, not go out: send everything else to a closed
				// loopback port.
				for _, ct := range srv.ConnectTo() {
					args = append(args, "-connect-to", ct)
				}
				host, port := srv.Refused()
				args = append(args, "-connect-to", "::"+host+":"+strconv.Itoa(port))
				code, stdout, stderr := runCLI(args...)
				want := map[string]int{"allow": 0, "deny": 1}[v.Expect]
				assert.Equal(t, want, code, "%v\nstdout: %s\nstderr: %s", args, stdout, stderr)
				assert.True(t, strings.HasPrefix(stdout, v.Expect+": "), stdout)
			})
			ran++
		}
	}
	assert.Greater(t, ran, 20)
}

func TestLookupSite(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "crossdomain.xml"), []byte(`<cross-domain-policy><allow-access-from domain="*.example.net"/></cross-domain-policy>`), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "users"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cross-domain-policy.xml"), []byte(`<cross-domain-policy><allow delegate="true"/></cross-domain-policy>`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "users", "cross-domain-policy.xml"), []byte(`<cross-domain-policy><allow type="load" from="app.example.net"/></cross-domain-policy>`), 0o644))

	code, stdout, stderr := runCLI("check", "-site", dir, "-v", "-origin", "https://app.example.net/a.swf", "-target", "https://www.example.com/data.xml")
	assert.Equal(t, 0, code, stdout+stderr)
	assert.Contains(t, stdout, `allow: <allow-access-from domain="*.example.net"> at 1:22 in https://www.example.com/crossdomain.xml`)
	assert.Contains(t, stderr, "consulted https://www.example.com/crossdomain.xml (status 200, text/xml; charset=utf-8): grants")

	// Silverlight: no clientaccesspolicy.xml, and crossdomain.xml is not
	// open to everyone.
	code, stdout, stderr = runCLI("check", "-site", dir, "-runtime", "silverlight", "-v", "-origin", "https://app.example.net/a.xap", "-target", "https://www.example.com/data.xml")
	assert.Equal(t, 1, code, stdout+stderr)
	assert.Contains(t, stderr, "consulted https://www.example.com/clientaccesspolicy.xml (status 404")

	// The Mozilla draft follows the delegation into users/.
	code, stdout, stderr = runCLI("check", "-site", dir, "-type", "load", "-json", "-origin", "http://app.example.net/p", "-target", "http://www.example.com/users/feed.xml")
	assert.Equal(t, 0, code, stdout+stderr)
	var got checkResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, "mozilla", got.Runtime)
	assert.Equal(t, "http://www.example.com/users/cross-domain-policy.xml", got.File)
	require.Len(t, got.Files, 2)
	assert.Equal(t, "delegates to http://www.example.com/users/cross-domain-policy.xml", got.Files[0].Note)
	assert.True(t, got.Files[1].Used)

	// Sockets are not files on a web server.
	code, stdout, _ = runCLI("check", "-site", dir, "-origin", "http://app.example.net/a.swf", "-target", "xmlsocket://www.example.com:9000")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "-site serves HTTP files only")
}

func TestLookupTLS(t *testing.T) {
	srv := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"https://example.com/crossdomain.xml": {Status: 200, ContentType: "text/x-cross-domain-policy", Body: `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`},
	}})
	var connect []string
	for _, ct := range srv.ConnectTo() {
		connect = append(connect, "-connect-to", ct)
	}
	base := append([]string{"check", "-origin", "https://app.example.net/a.swf", "-target", "https://example.com/feed"}, connect...)

	// Without trust in the test certificate the policy cannot be fetched.
	code, stdout, _ := runCLI(base...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "certificate")

	// -cacert trusts it (the host name is kept for TLS, so it verifies).
	pem := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(pem, srv.CertPEM(), 0o644))
	code, stdout, stderr := runCLI(append(base, "-cacert", pem)...)
	assert.Equal(t, 0, code, stdout+stderr)

	// -insecure skips verification.
	code, stdout, stderr = runCLI(append(base, "-insecure")...)
	assert.Equal(t, 0, code, stdout+stderr)
}

func TestLookupUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"-runtime", "silverlight", "-policy-file", "http://a.example/pf.xml"}, "the silverlight runtime has no such call"},
		{[]string{"-policy-file", "ftp://a.example/pf.xml"}, "want an http(s):// URL or xmlsocket://host:port"},
		{[]string{"-connect-to", "a.example:80"}, "HOST1:PORT1:HOST2:PORT2"},
		{[]string{"-format", "crossdomain"}, "-format names a FILE's format"},
		{[]string{"-cacert", filepath.Join(dir, "none.pem")}, "-cacert"},
		{[]string{"-site", filepath.Join(dir, "none")}, "-site"},
		{[]string{"-type", "load", "-runtime", "flash"}, "-runtime mozilla"},
	} {
		args := append([]string{"check", "-origin", "http://app.example/a.swf", "-target", "http://b.example/", "-site", dir}, tt.args...)
		code, _, stderr := runCLI(args...)
		assert.Equal(t, 2, code, "%v: %s", tt.args, stderr)
		assert.Contains(t, stderr, tt.stderr, tt.args)
	}
}

// TestCheckMalformedNames: a header or method name that is not an HTTP
// token is a usage error naming it, never judged by a prefix against a
// grant (the example policy grants X-API-*).
func TestCheckMalformedNames(t *testing.T) {
	base := []string{"check", "-origin", "http://app.example.net/app.xap", "-target", "http://api.example.com/data/x"}
	file := filepath.Join("..", "..", "testdata", "examples", "clientaccesspolicy.xml")
	code, stdout, stderr := runCLI(append(base, "-method", "POST", "-header", "X-API-Key", file)...)
	assert.Equal(t, 0, code, stdout+stderr)

	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"-method", "POST", "-header", "X-API-Key,Authorization"},
			`request header "X-API-Key,Authorization" is not an HTTP token (RFC 9110): it contains ","; give each name on its own`},
		{[]string{"-header", "X-API-Key\r\nAuthorization: Basic x"}, `request header "X-API-Key\r\nAuthorization: Basic x" is not an HTTP token`},
		{[]string{"-header", "X-API-\x00Cookie"}, `it contains '\x00'`},
		{[]string{"-method", "GET /admin"}, `method "GET /admin" is not an HTTP token (RFC 9110): it contains ' '`},
	} {
		for _, withFile := range []bool{true, false} {
			args := append(append([]string(nil), base...), tt.args...)
			if withFile {
				args = append(args, file)
			} else {
				args = append(args, "-site", t.TempDir()) // a lookup refuses before fetching
			}
			code, stdout, stderr := runCLI(args...)
			assert.Equal(t, 2, code, "%q: %s%s", tt.args, stdout, stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.stderr)
		}
	}
}

// TestCheckFlashPathEscapes: under a master that lets other files count,
// a non-master file governs its own directory only; a target that a
// browser or a server reads as a path outside it is not governed by it.
func TestCheckFlashPathEscapes(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "crossdomain.xml"), []byte(`<cross-domain-policy><site-control permitted-cross-domain-policies="all"/></cross-domain-policy>`), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "api"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api", "crossdomain.xml"), []byte(`<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`), 0o644))
	check := func(target string) (int, string) {
		code, stdout, stderr := runCLI("check", "-v", "-site", dir, "-runtime", "flash", "-policy-file", "http://victim.com/api/crossdomain.xml",
			"-origin", "http://evil.example/x.swf", "-target", target)
		return code, stdout + stderr
	}
	code, out := check("http://victim.com/api/data.xml")
	assert.Equal(t, 0, code, out)
	for _, target := range []string{
		`http://victim.com/api/..\secret`,
		`http://victim.com/api/..%5csecret`,
		`http://victim.com/api/%252e%252e/secret`,
		`http://victim.com/api/%c0%ae%c0%ae/secret`,
		`http://victim.com/api/%2e%2e/secret`,
		`http://victim.com/api/x%2f..%2f..%2fsecret`,
	} {
		code, out := check(target)
		assert.Equal(t, 1, code, "%s: %s", target, out)
		assert.Contains(t, out, "deny: ", target)
		assert.Contains(t, out, "http://victim.com/api/crossdomain.xml (status 200, text/xml; charset=utf-8): does not grant (out-of-scope)", target)
	}
}
