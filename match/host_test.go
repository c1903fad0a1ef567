package match

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveHostMatch is the domain rules of Flash Player and of the draft read
// literally, for ASCII patterns
// and hosts: the slow, obvious matcher the compiled one is checked against.
func naiveHostMatch(pattern, host string, w Wildcard) bool {
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	if pattern == "*" {
		return true
	}
	if host == "" {
		return false
	}
	if strings.HasPrefix(pattern, "*.") {
		base := pattern[2:]
		if base == "" || strings.Contains(base, "*") || strings.Trim(base, "0123456789.") == "" {
			return false // no other wildcard; none in IP addresses
		}
		if host == base {
			return w == WildcardWithApex
		}
		return strings.HasSuffix(host, "."+base)
	}
	if strings.Contains(pattern, "*") {
		return false
	}
	return pattern == host
}

func TestHostPatterns(t *testing.T) {
	type want struct {
		host string
		ok   bool
	}
	tests := []struct {
		pattern string
		w       Wildcard
		hosts   []want
	}{
		{"*", WildcardWithApex, []want{{"a.com", true}, {"", true}, {"10.0.0.1", true}}},
		{"www.example.com", WildcardWithApex, []want{{"www.example.com", true}, {"example.com", false}, {"wwwexample.com", false}, {"a.www.example.com", false}, {"", false}}},
		{"WWW.Example.COM", WildcardWithApex, []want{{"www.example.com", true}}},
		{"example.com", WildcardWithApex, []want{{"www.example.com", false}, {"example.com", true}}},
		{"*.example.com", WildcardWithApex, []want{{"example.com", true}, {"www.example.com", true}, {"deep.sub.example.com", true}, {"badexample.com", false}, {"example.com.evil", false}, {"xexample.com", false}, {"", false}}},
		{"*.example.com", WildcardBelowOnly, []want{{"example.com", false}, {"www.example.com", true}, {"badexample.com", false}}},
		{"*.foo.com", WildcardWithApex, []want{{"foo.com", true}, {"oo.com", false}, {"o.com", false}}},
		{"105.216.0.40", WildcardWithApex, []want{{"105.216.0.40", true}, {"105.216.0.4", false}, {"swf-host.example.net", false}}},
		{"[::1]", WildcardWithApex, []want{{"::1", true}, {"0:0:0:0:0:0:0:1", false}}},
		{"0:0::1", WildcardWithApex, []want{{"::1", true}}},
		{"*.bücher.example", WildcardWithApex, []want{{"www.xn--bcher-kva.example", true}, {"xn--bcher-kva.example", true}}},
		{"*.xn--bcher-kva.example", WildcardBelowOnly, []want{{"www.xn--bcher-kva.example", true}}},
		{"ＷＷＷ.example.com", WildcardWithApex, []want{{"www.example.com", true}}},
	}
	for _, tt := range tests {
		p, err := ParseHostPattern(tt.pattern, tt.w)
		require.NoError(t, err, tt.pattern)
		require.True(t, p.Valid())
		for _, h := range tt.hosts {
			assert.Equal(t, h.ok, p.Match(h.host), "%q (wildcard mode %d) against %q", tt.pattern, tt.w, h.host)
			if isASCII(tt.pattern) && isASCII(h.host) && !strings.Contains(tt.pattern, ":") {
				assert.Equal(t, h.ok, naiveHostMatch(tt.pattern, h.host, tt.w), "naive: %q against %q", tt.pattern, h.host)
			}
		}
	}
}

func TestHostPatternsThatNeverMatch(t *testing.T) {
	tests := []struct{ pattern, reason string }{
		{"", "it is empty"},
		{" example.com", "it has surrounding whitespace"},
		{"www.*.com", `a wildcard is allowed only as "*" or a leading "*." label`},
		{"*example.com", `a wildcard is allowed only as "*" or a leading "*." label`},
		{"example.*", `a wildcard is allowed only as "*" or a leading "*." label`},
		{"**", `a wildcard is allowed only as "*" or a leading "*." label`},
		{"*.*.com", `a wildcard is allowed only as one whole leading "*." label`},
		{"*.216.0.40", "wildcards never match IP addresses"},
		{"105.*.0.40", "wildcards never match IP addresses"},
		{"*.", "no host"},
		{"999.1.1.1", `"999.1.1.1" is not a valid IP address`},
		{"a..b", `host "a..b" has an empty label`},
		{"exa mple.com", `host "exa mple.com" contains ' '`},
		{"http://example.com", `host "http://example.com" contains ':'`},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			p, err := ParseHostPattern(tt.pattern, WildcardWithApex)
			var pe *PatternError
			require.True(t, errors.As(err, &pe), "err = %v", err)
			assert.Equal(t, tt.reason, pe.Reason)
			assert.Equal(t, tt.pattern, pe.Pattern)
			assert.False(t, p.Valid())
			assert.False(t, p.Match("example.com"))
			assert.False(t, p.Match(""))
		})
	}
	assert.False(t, HostPattern{}.Match("anything"), "the zero HostPattern matches nothing")
}

func TestCallerMatch(t *testing.T) {
	o := func(s string) Origin {
		x, err := ParseOrigin(s)
		require.NoError(t, err)
		return x
	}
	suffix, err := ParseHostPattern("*.example.com", WildcardWithApex)
	require.NoError(t, err)
	c := Caller{Scheme: "https", Port: 443, Host: suffix}
	assert.True(t, c.Match(o("https://a.example.com/x")))
	assert.False(t, c.Match(o("http://a.example.com/x")))
	assert.False(t, c.Match(o("https://a.example.com:8443/x")))
	c = Caller{Scheme: "file", Host: AnyHost}
	assert.True(t, c.Match(o("file:///app.xap")))
	assert.False(t, c.Match(o("http://a/")))
	exact, err := ParseHostPattern("host.example", WildcardWithApex)
	require.NoError(t, err)
	c = Caller{Scheme: "http", Port: 80, Host: exact, Path: "/app.xap"}
	assert.True(t, c.Match(o("http://host.example/app.xap")))
	assert.False(t, c.Match(o("http://host.example/App.xap")))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// FuzzHostPattern checks the compiled matcher against the naive one on
// ASCII names, where they must agree whenever the pattern is valid.
func FuzzHostPattern(f *testing.F) {
	f.Add("*.example.com", "www.example.com", false)
	f.Add("*.example.com", "badexample.com", true)
	f.Add("www.*.com", "www.a.com", false)
	f.Add("*.216.0.40", "1.216.0.40", false)
	f.Add("example.com", "EXAMPLE.com", false)
	f.Fuzz(func(t *testing.T, pattern, host string, below bool) {
		w := WildcardWithApex
		if below {
			w = WildcardBelowOnly
		}
		p, err := ParseHostPattern(pattern, w)
		if !isASCII(pattern) || !isASCII(host) {
			// Only that it does not panic: the naive model below is ASCII.
			if err == nil {
				_ = p.Match(host)
			}
			return
		}
		h, herr := NormalizeHost(host)
		if herr != nil {
			return
		}
		got := p.Match(h)
		if err != nil {
			if got {
				t.Fatalf("never-matching pattern %q matched %q", pattern, h)
			}
			return
		}
		if want := naiveHostMatch(pattern, h, w); got != want {
			t.Fatalf("ParseHostPattern(%q).Match(%q) = %v, naive says %v", pattern, h, got, want)
		}
	})
}

// TestPlainHost checks NormalizeHost's fast path against its full path
// (IDNA mapping and all) on the names it takes and the ones it must not.
func TestPlainHost(t *testing.T) {
	for _, h := range []string{"www.example.com", "my-site.example", "a_b.example", "123.example", "x.y.z", "a-b-c.d-e"} {
		got, ok := plainHost(h)
		assert.True(t, ok, h)
		want, err := normalizeHost(h)
		require.NoError(t, err, h)
		assert.Equal(t, want, got, h)
	}
	for _, h := range []string{"", "WWW.example.com", "xn--bcher-kva.example", "ab--c.example", "-a.example", "a-.example", "a..b", ".a", "a.",
		"10.0.0.1", "1.2", "::1", "[::1]", "bücher.example", "a b", "a*b", strings.Repeat("a", 64) + ".example"} {
		_, ok := plainHost(h)
		assert.False(t, ok, h)
	}
	// Every name of up to six characters over an alphabet that reaches
	// each of the fast path's rules.
	const alphabet = "a-._1xn"
	var walk func(prefix string)
	walk = func(prefix string) {
		if got, ok := plainHost(prefix); ok {
			want, err := normalizeHost(prefix)
			if err != nil || want != got {
				t.Fatalf("plainHost(%q) = %q, but the full path gives %q, %v", prefix, got, want, err)
			}
		}
		if len(prefix) == 6 {
			return
		}
		for i := range len(alphabet) {
			walk(prefix + alphabet[i:i+1])
		}
	}
	walk("")
}

func FuzzPlainHost(f *testing.F) {
	for _, s := range []string{"www.example.com", "ab--c.example", "a_b.example", "1.2.3.4", "x-.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got, ok := plainHost(h)
		if !ok {
			return
		}
		want, err := normalizeHost(h)
		if err != nil || want != got {
			t.Fatalf("plainHost(%q) = %q, but the full path gives %q, %v", h, got, want, err)
		}
	})
}

func TestHostPatternWithin(t *testing.T) {
	pat := func(s string, w Wildcard) HostPattern {
		p, _ := ParseHostPattern(s, w)
		return p
	}
	for _, tt := range []struct {
		p, q   string
		within bool
	}{
		{"www.a.example", "www.a.example", true},
		{"www.a.example", "*.a.example", true},
		{"a.example", "*.a.example", true}, // the apex, with apex
		{"*.x.a.example", "*.a.example", true},
		{"*.a.example", "*.a.example", true},
		{"*.a.example", "www.a.example", false},
		{"*.a.example", "*.x.a.example", false},
		{"*.ba.example", "*.a.example", false},
		{"*", "*.a.example", false},
		{"*", "*", true},
		{"anything.example", "*", true},
		{"10.0.0.5", "10.0.0.5", true},
		{"10.0.0.5", "*.0.0.5", false},
		{"www.*.example", "b.example", true}, // never matches
	} {
		assert.Equal(t, tt.within, pat(tt.p, WildcardWithApex).Within(pat(tt.q, WildcardWithApex)), "%s within %s", tt.p, tt.q)
	}
	// Without the apex, *.a.example does not cover a.example itself.
	assert.False(t, pat("a.example", WildcardWithApex).Within(pat("*.a.example", WildcardBelowOnly)))
	assert.False(t, pat("*.a.example", WildcardWithApex).Within(pat("*.a.example", WildcardBelowOnly)))
	assert.True(t, pat("*.a.example", WildcardBelowOnly).Within(pat("*.a.example", WildcardBelowOnly)))
}
