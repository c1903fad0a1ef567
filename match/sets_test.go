package match

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePortList(t *testing.T) {
	good := []struct {
		list    string
		in, out []int
	}{
		{"507", []int{507}, []int{506, 508}},
		{"507,516", []int{507, 516}, []int{508, 515}},
		{"516-523", []int{516, 520, 523}, []int{515, 524}},
		{"507,516-523", []int{507, 516, 523}, []int{508, 524}},
		{" 507 ,516-523 ", []int{507, 516}, []int{508}},
		{"*", []int{1, 843, 65535}, []int{0, 65536}},
		{"1024-65535", []int{1024, 65535}, []int{1023}},
		{"1,65535", []int{1, 65535}, []int{2}},
	}
	for _, tt := range good {
		set, err := ParsePortList(tt.list)
		require.NoError(t, err, tt.list)
		for _, p := range tt.in {
			assert.True(t, set.Contains(p), "%q contains %d", tt.list, p)
		}
		for _, p := range tt.out {
			assert.False(t, set.Contains(p), "%q does not contain %d", tt.list, p)
		}
	}
	bad := map[string]string{
		"":        `port range "": empty port`,
		"0":       `port range "0": port 0 is not in 1-65535`,
		"70000":   `port range "70000": port 70000 is not in 1-65535`,
		"523-516": `port range "523-516" is reversed`,
		"1-2-3":   `port range "1-2-3": "2-3" is not a port number`,
		"abc":     `port range "abc": "abc" is not a port number`,
		"507,":    `port range "": empty port`,
		"-5":      `port range "-5": empty port`,
		"5 0":     `port range "5 0": "5 0" is not a port number`,
		"+80":     `port range "+80": "+80" is not a port number`,
	}
	for list, msg := range bad {
		set, err := ParsePortList(list)
		if assert.Error(t, err, list) {
			assert.Equal(t, msg, err.Error())
		}
		assert.True(t, set.Empty(), "a malformed list is never wider: %q", list)
	}
}

func TestPortSetIntersect(t *testing.T) {
	set, err := ParsePortList("80,1000-1040,*")
	require.NoError(t, err)
	high := set.Intersect(1024, 65535)
	assert.False(t, high.Contains(80))
	assert.False(t, high.Contains(1023))
	assert.True(t, high.Contains(1024))
	assert.Equal(t, "1024-1040,1024-65535", high.String())
	assert.True(t, Ports(PortRange{5, 1}).Empty())
	assert.Equal(t, "*", AllPorts.String())
}

func TestHeaderSet(t *testing.T) {
	tests := []struct {
		list    string
		in, out []string
	}{
		{"*", []string{"X-Anything", "Content-*", "SOAPAction"}, nil},
		{"SOAPAction", []string{"SOAPAction", "soapaction"}, []string{"SOAPActionX", "X-Foo"}},
		{"SOAPAction, X-Foo*", []string{"X-Foo", "X-Foo-Bar", "x-foo", "soapaction"}, []string{"X-Fo", "Authorization"}},
		{"X-API-*", []string{"X-API-Key", "x-api-"}, []string{"X-API", "X-APIKey"}},
		{"Prefix*", []string{"PrefixLength", "prefix", "PREFIX"}, []string{"Content-*", "Pre"}},
		{"*Suffix", nil, []string{"LengthSuffix", "suffix", "SUFFIX"}},
		{"", nil, []string{"X-Foo"}},
		{" , ,", nil, []string{"X-Foo"}},
		{"Authorization,X-Foo*", []string{"authorization", "X-Foo-Bar"}, []string{"SOAPAction"}},
	}
	for _, tt := range tests {
		h := ParseHeaderList(tt.list)
		for _, n := range tt.in {
			assert.True(t, h.Contains(n), "%q admits %q", tt.list, n)
		}
		for _, n := range tt.out {
			assert.False(t, h.Contains(n), "%q does not admit %q", tt.list, n)
		}
	}
	assert.True(t, HeaderSet{}.Empty())
	assert.True(t, Headers("A").Contains("a"))
}

func TestMethodSet(t *testing.T) {
	m := Methods("GET", "post")
	assert.True(t, m.Contains("get"))
	assert.True(t, m.Contains("POST"))
	assert.False(t, m.Contains("PUT"))
	assert.True(t, m.With("*").Contains("DELETE"))
	assert.False(t, m.Contains("DELETE"), "With does not change the receiver")
	assert.True(t, m.With(" put ").Contains("PUT"))
	assert.False(t, MethodSet{}.Contains("GET"), "the zero MethodSet admits nothing")
	assert.Equal(t, "GET,POST", m.String())
}

// naiveContains is Silverlight's include-subpaths read literally.
func naiveContains(scope, path string, subpaths bool) bool {
	if path == scope {
		return true
	}
	if !subpaths {
		return false
	}
	base := strings.TrimSuffix(scope, "/")
	return strings.HasPrefix(path, base+"/")
}

func TestPathScope(t *testing.T) {
	tests := []struct {
		scope    string
		subpaths bool
		in, out  []string
	}{
		{"/data", true, []string{"/data", "/data/", "/data/x", "/data/x/y"}, []string{"/database", "/dat", "/", "/Data/x"}},
		{"/data/", true, []string{"/data/", "/data/file.txt"}, []string{"/data", "/file.txt"}},
		{"/", true, []string{"/", "/anything/at/all"}, nil},
		{"/", false, []string{"/"}, []string{"/x"}},
		{"/creditcards", false, []string{"/creditcards"}, []string{"/creditcards/", "/creditcards/numbers.xml"}},
	}
	for _, tt := range tests {
		s := PathScope{Path: tt.scope, Subpaths: tt.subpaths}
		for _, p := range tt.in {
			assert.True(t, s.Contains(p), "%q (subpaths %v) contains %q", tt.scope, tt.subpaths, p)
			assert.True(t, naiveContains(tt.scope, p, tt.subpaths))
		}
		for _, p := range tt.out {
			assert.False(t, s.Contains(p), "%q (subpaths %v) does not contain %q", tt.scope, tt.subpaths, p)
			assert.False(t, naiveContains(tt.scope, p, tt.subpaths))
		}
	}
}

func TestUnsafePathChars(t *testing.T) {
	for raw, unsafe := range map[string]bool{
		"/data/file.txt":  false,
		"/data/./file":    true,
		"/data/../x":      true,
		"/data/%2e%2e/x":  true,
		"/a%20b":          true,
		"/data/x..y":      true,
		"/file.txt":       false,
		"/.hidden":        false,
		"/dir./x":         true,
		"":                false,
		"/data/file.txt/": false,
	} {
		assert.Equal(t, unsafe, UnsafePathChars(raw), raw)
	}
}

func TestRemoveDotSegments(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b/c/./../../g":      "/a/g",
		"/sub/dir/../../secret": "/secret",
		"/..":                   "/",
		"/../../x":              "/x",
		"/a/.":                  "/a/",
		"/a/..":                 "/",
		"/a/b/..":               "/a/",
		"/.hidden/x":            "/.hidden/x",
		"/a/.../b":              "/a/.../b",
		"/a//b/../c":            "/a//c",
		"/":                     "/",
	} {
		assert.Equal(t, want, RemoveDotSegments(in), in)
		assert.Equal(t, want, referenceDotSegments(in), "net/url on %s", in)
	}
}

// referenceDotSegments removes dot-segments with net/url, which implements
// RFC 3986 5.2.4 too.
func referenceDotSegments(p string) string {
	base := &url.URL{Scheme: "http", Host: "h", Path: "/"}
	return base.ResolveReference(&url.URL{Path: p}).Path
}

func FuzzPathScope(f *testing.F) {
	f.Add("/data", "/data/x/../y", true)
	f.Add("/data/", "/database", true)
	f.Add("/", "/a/./b", false)
	f.Fuzz(func(t *testing.T, scope, path string, subpaths bool) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#%") {
			return
		}
		clean := RemoveDotSegments(path)
		// net/url folds a leading "//" that RFC 3986 5.2.4 keeps.
		if ref := referenceDotSegments(path); ref != clean && !strings.HasPrefix(clean, "//") {
			t.Fatalf("RemoveDotSegments(%q) = %q, net/url says %q", path, clean, ref)
		}
		s := PathScope{Path: scope, Subpaths: subpaths}
		if got, want := s.Contains(clean), naiveContains(scope, clean, subpaths); got != want {
			t.Fatalf("PathScope{%q, %v}.Contains(%q) = %v, naive says %v", scope, subpaths, clean, got, want)
		}
	})
}
