package match

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOrigin(t *testing.T) {
	tests := []struct {
		in   string
		want Origin
	}{
		{"http://www.host.com/app.xap", Origin{"http", "www.host.com", 80, "/app.xap"}},
		{"HTTP://WWW.Host.COM:80/App.xap", Origin{"http", "www.host.com", 80, "/App.xap"}},
		{"https://secure.host.net/app.xap", Origin{"https", "secure.host.net", 443, "/app.xap"}},
		{"https://a.com:8443", Origin{"https", "a.com", 8443, "/"}},
		{"http://www.host.com:8080/app.xap", Origin{"http", "www.host.com", 8080, "/app.xap"}},
		{"file:///app.xap", Origin{"file", "", 0, "/app.xap"}},
		{"file://server/share/app.swf", Origin{"file", "", 0, "/share/app.swf"}},
		{"http://10.1.2.3/app.swf", Origin{"http", "10.1.2.3", 80, "/app.swf"}},
		{"http://[::1]:8080/", Origin{"http", "::1", 8080, "/"}},
		{"http://bücher.example/a%20b.swf", Origin{"http", "xn--bcher-kva.example", 80, "/a b.swf"}},
		{"http://ＢÜCHER.example/", Origin{"http", "xn--bcher-kva.example", 80, "/"}},
		{"http://user:pw@host.example/x?q=1#f", Origin{"http", "host.example", 80, "/x"}},
		{"http://my_host.example/", Origin{"http", "my_host.example", 80, "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOrigin(tt.in)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseOrigin(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseOriginErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"www.example.com", `caller "www.example.com": no scheme; want http://, https:// or file://`},
		{"ftp://example.com/x.swf", `caller "ftp://example.com/x.swf": scheme "ftp" is not a caller's scheme; want http, https or file`},
		{"http://", `caller "http://": no host`},
		{"http://example.com:0/", `caller "http://example.com:0/": port "0" is not in 1-65535`},
		{"http://example.com:99999/", `caller "http://example.com:99999/": port "99999" is not in 1-65535`},
		{"http://a..b/", `caller "http://a..b/": host "a..b" has an empty label`},
		{"http://*.example.com/", `caller "http://*.example.com/": host "*.example.com" contains '*'`},
		{"http:example.com", `caller "http:example.com": want http://host/path`},
		{"http://exa mple.com/", `caller "http://exa mple.com/": invalid character " " in host name`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseOrigin(tt.in)
			require.Error(t, err)
			var ue *URLError
			require.True(t, errors.As(err, &ue))
			assert.Equal(t, "caller", ue.Kind)
			assert.Equal(t, tt.msg, err.Error())
		})
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want Target
	}{
		{"http://www.host.com", Target{"http", "www.host.com", 80, "/", "", ""}},
		{"http://localhost/data/./file.txt", Target{"http", "localhost", 80, "/data/file.txt", "/data/./file.txt", ""}},
		{"http://x/service/%2e%2e/admin/u.xml?a=..", Target{"http", "x", 80, "/admin/u.xml", "/service/%2e%2e/admin/u.xml", ""}},
		{"https://x:8443/a%2Fb", Target{"https", "x", 8443, "/a/b", "/a%2Fb", "%2F"}},
		// A browser reads '\' as '/' and "%2e" segments as dots before the
		// request leaves it; the server decodes the rest once.
		{`http://victim.com/api/..\secret`, Target{"http", "victim.com", 80, "/secret", `/api/..\secret`, ""}},
		{"http://victim.com/api/.%2E/secret#frag", Target{"http", "victim.com", 80, "/secret", "/api/.%2E/secret", ""}},
		{"http://victim.com/api/%2e/x/%2E%2e", Target{"http", "victim.com", 80, "/api/", "/api/%2e/x/%2E%2e", ""}},
		{"http://victim.com/a%2eb/%e2%82%ac", Target{"http", "victim.com", 80, "/a.b/€", "/a%2eb/%e2%82%ac", ""}},
		// What a server may decode into another path is ambiguous.
		{"http://victim.com/api/..%5csecret", Target{"http", "victim.com", 80, `/api/..\secret`, "/api/..%5csecret", "%5c"}},
		{"http://victim.com/api/%252e%252e/secret", Target{"http", "victim.com", 80, "/api/%2e%2e/secret", "/api/%252e%252e/secret", "%25"}},
		{"http://victim.com/api/%c0%ae%c0%ae/secret", Target{"http", "victim.com", 80, "/api/\xc0\xae\xc0\xae/secret", "/api/%c0%ae%c0%ae/secret", "%c0%ae%c0%ae"}},
		{"http://victim.com/api/%ff/x", Target{"http", "victim.com", 80, "/api/\xff/x", "/api/%ff/x", "%ff"}},
		{"http://victim.com/api/x%00.xml", Target{"http", "victim.com", 80, "/api/x\x00.xml", "/api/x%00.xml", "%00"}},
		{"http://x/sub/dir/../../secret", Target{"http", "x", 80, "/secret", "/sub/dir/../../secret", ""}},
		{"http://x/../../etc", Target{"http", "x", 80, "/etc", "/../../etc", ""}},
		{"tcp://0.0.0.0:4502", Target{"tcp", "0.0.0.0", 4502, "", "", ""}},
		{"xmlsocket://Socks.Example.com:843", Target{"xmlsocket", "socks.example.com", 843, "", "", ""}},
		{"xmlsocket://h:507/", Target{"xmlsocket", "h", 507, "", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseTarget(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	for _, bad := range []string{"tcp://h", "xmlsocket://h:0", "tcp://h:1/path", "ftp://h/", "/relative", "http:///path", "http://h/%zz"} {
		_, err := ParseTarget(bad)
		var ue *URLError
		assert.True(t, errors.As(err, &ue), "ParseTarget(%q) = %v", bad, err)
	}
}

func TestSameOrigin(t *testing.T) {
	req := MustRequest("http://www.host.com/app.xap", "http://www.host.com:80/data")
	assert.True(t, req.SameOrigin())
	req = MustRequest("http://www.host.com/app.xap", "https://www.host.com/data")
	assert.False(t, req.SameOrigin())
	req = MustRequest("http://www.host.com/app.xap", "xmlsocket://www.host.com:80")
	assert.False(t, req.SameOrigin(), "sockets always need a policy")
}

// MustRequest is NewRequest for tests.
func MustRequest(origin, target string) Request {
	r, err := NewRequest(origin, target)
	if err != nil {
		panic(err)
	}
	return r
}

func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{"http://www.host.com/app.xap", "https://[::1]:8443/x", "file:///a.swf", "http://bücher.example/", "http://a..b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrigin(s)
		if err != nil {
			return
		}
		// What ParseOrigin returns is stable: its own String parses back
		// to the same caller.
		again, err := ParseOrigin(o.String())
		if err != nil {
			t.Fatalf("ParseOrigin(%q) = %+v, whose String %q does not parse: %v", s, o, o.String(), err)
		}
		if again != o && o.Scheme != "file" {
			t.Fatalf("round trip of %q: %+v != %+v", s, o, again)
		}
		if _, err := ParseTarget(s); err == nil {
			_, _ = ParseTarget(s)
		}
	})
}

// referenceServedPath is the path a browser sends for raw, as the WHATWG
// URL standard's prose says, built from net/url: backslashes become
// slashes, a segment that is "%2e" in any case pair with dots is a dot
// segment, net/url's RFC 3986 resolution removes them; then one decoding.
func referenceServedPath(raw string) (escaped, decoded string, ok bool) {
	segs := strings.Split(strings.ReplaceAll(raw, `\`, "/"), "/")
	for i, s := range segs {
		if d := strings.ReplaceAll(strings.ToLower(s), "%2e", "."); d == "." || d == ".." {
			segs[i] = d
		}
	}
	p := strings.Join(segs, "/")
	if p == "" {
		p = "/"
	}
	base := &url.URL{Scheme: "http", Host: "h", Path: "/"}
	ref, err := url.Parse("http://h" + p)
	if err != nil {
		return "", "", false
	}
	escaped = base.ResolveReference(ref).EscapedPath()
	decoded, err = url.PathUnescape(escaped)
	return escaped, decoded, err == nil
}

// FuzzParseTarget checks the path ParseTarget computes against the
// reference, and that what it calls unambiguous decodes to valid UTF-8
// with no escaped slash, backslash, percent or NUL left, in the path a
// browser sends, for a server to read differently. (The raw path may hold
// them in segments that dot-segments remove before the request leaves.)
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{`http://h/api/..\secret`, "http://h/api/..%5csecret", "http://h/a/%2e%2E/b", "http://h/api/%c0%ae/x", "http://h/a//b/../c", "https://h:8443/x?y#z", "xmlsocket://h:843"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil || tg.IsSocket() {
			return
		}
		if tg.Path == "" || tg.Path[0] != '/' {
			t.Fatalf("ParseTarget(%q).Path = %q", s, tg.Path)
		}
		if tg.Ambiguity != "" {
			return
		}
		if !utf8.ValidString(tg.Path) || strings.ContainsAny(tg.Path, "\x00") {
			t.Fatalf("ParseTarget(%q) is unambiguous but its path %q is not clean", s, tg.Path)
		}
		// net/url's resolution folds a leading "//"; the reference is
		// meant for the rest.
		escaped, want, ok := referenceServedPath(tg.RawPath)
		if !ok || strings.HasPrefix(tg.Path, "//") {
			return
		}
		if want != tg.Path {
			t.Fatalf("ParseTarget(%q).Path = %q, the reference says %q", s, tg.Path, want)
		}
		for _, esc := range []string{"%2f", "%5c", "%25", "%00"} {
			if strings.Contains(strings.ToLower(escaped), esc) {
				t.Fatalf("ParseTarget(%q) is unambiguous but the path sent, %q, holds %s", s, escaped, esc)
			}
		}
		again, err := ParseTarget(tg.String())
		if err != nil || again.Path != tg.Path {
			t.Fatalf("ParseTarget(%q).String() = %q reads back as %q (%v)", s, tg.String(), again.Path, err)
		}
	})
}

// TestTargetWithPath: a target at another path reads the path as
// ParseTarget reads a URL's.
func TestTargetWithPath(t *testing.T) {
	base, err := ParseTarget("http://api.example.com:8080/")
	require.NoError(t, err)
	for _, raw := range []string{"/", "/a/b", "/a/../b", "/a/%2e%2e/b", `/a\b`, "/a%2fb", "/a/%c0%ae%c0%ae/b", "/x?q=1", "/y#f", "/%zz"} {
		got, gerr := base.WithPath(raw)
		want, werr := ParseTarget("http://api.example.com:8080" + raw)
		if werr != nil {
			assert.Error(t, gerr, raw)
			continue
		}
		require.NoError(t, gerr, raw)
		assert.Equal(t, want, got, raw)
	}
	sock, err := ParseTarget("xmlsocket://api.example.com:9000")
	require.NoError(t, err)
	_, err = sock.WithPath("/x")
	assert.Error(t, err)
}

// TestAmbiguousEscapeMalformed: a malformed escape is passed over, not
// read again forever (a path ParseTarget never lets through, but
// Target.WithPath may be handed).
func TestAmbiguousEscapeMalformed(t *testing.T) {
	done := make(chan string)
	go func() { done <- ambiguousEscape("/a%zz/b%2fc") }()
	select {
	case got := <-done:
		assert.Equal(t, "%2f", got)
	case <-time.After(5 * time.Second):
		t.Fatal("ambiguousEscape does not return on a malformed escape")
	}
}

func FuzzTargetWithPath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "/%zz", "/a%2fb", `/a\b`, "/%c0%ae"} {
		f.Add(s)
	}
	base, err := ParseTarget("https://api.example.com/")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := base.WithPath(raw)
		if err != nil || !strings.HasPrefix(raw, "/") || strings.ContainsAny(raw, "?#") {
			return
		}
		// What ParseTarget makes of the same URL, when it takes it.
		if want, werr := ParseTarget("https://api.example.com" + raw); werr == nil && want != got {
			t.Fatalf("WithPath(%q) = %+v, ParseTarget gives %+v", raw, got, want)
		}
	})
}

// TestPlainPath checks servedPath's fast path against its full path on
// every path of up to six characters over an alphabet that reaches each
// rule.
func TestPlainPath(t *testing.T) {
	const alphabet = "/a.%2e\\"
	var walk func(p string)
	walk = func(p string) {
		if plainPath(p) {
			path, amb, err := servedPathFull(p)
			if err != nil || path != p || amb != "" {
				t.Fatalf("plainPath(%q), but the full path gives %q, %q, %v", p, path, amb, err)
			}
		}
		if len(p) == 7 {
			return
		}
		for i := range len(alphabet) {
			walk(p + alphabet[i:i+1])
		}
	}
	walk("/")
	assert.True(t, plainPath("/api/v1/users/42"))
	assert.False(t, plainPath("/api/../x"))
}
