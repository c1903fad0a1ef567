package crossdomain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

// TestRealWorld reads the crossdomain.xml files in testdata/realworld,
// written after what sites commonly serve, with both readings, and checks
// what each reading reports.
func TestRealWorld(t *testing.T) {
	w, e := match.Warning, match.Error
	tests := map[string]struct {
		rejected bool
		want     []diag // Flash Player's reading
		strictOK bool   // the strict reading accepts it
	}{
		"01-allow-all.xml":               {strictOK: true},
		"02-macromedia-doctype.xml":      {strictOK: true},
		"03-adobe-master-only.xml":       {strictOK: true},
		"04-by-content-type.xml":         {strictOK: true},
		"05-site-control-none.xml":       {want: []diag{{2, 1, w, "empty"}}, strictOK: true},
		"06-many-domains.xml":            {strictOK: true},
		"07-xsi-schema.xml":              {},
		"08-headers-soap.xml":            {strictOK: true},
		"09-headers-only.xml":            {want: []diag{{2, 1, w, "empty"}}, strictOK: true},
		"10-socket-nul.xml":              {strictOK: true},
		"11-socket-all-ports.xml":        {strictOK: true},
		"12-socket-missing-to-ports.xml": {want: []diag{{2, 3, w, "missing-attribute"}}},
		"13-to-ports-in-http.xml":        {want: []diag{{3, 33, w, "unknown-attribute"}}},
		"14-secure-no.xml":               {want: []diag{{3, 45, w, "invalid-value"}}},
		"15-bom-crlf.xml":                {strictOK: true},
		"16-leading-whitespace.xml":      {want: []diag{{1, 1, w, "prolog"}}},
		"17-html-404.xml":                {rejected: true, want: []diag{{2, 1, e, "root"}}},
		"18-empty.xml":                   {rejected: true, want: []diag{{1, 1, e, "syntax"}}},
		"19-junk-after-root.xml":         {rejected: true, want: []diag{{5, 28, e, "syntax"}}},
		"20-unclosed.xml":                {rejected: true, want: []diag{{4, 1, e, "syntax"}}},
		"21-uppercase-elements.xml":      {want: []diag{{2, 1, w, "empty"}, {3, 3, w, "unknown-element"}}},
		"22-typo-attribute.xml":          {want: []diag{{3, 3, w, "missing-attribute"}, {3, 22, w, "unknown-attribute"}}},
		"23-wildcard-middle.xml":         {want: []diag{{3, 22, w, "never-matches"}, {4, 22, w, "never-matches"}, {5, 22, w, "never-matches"}}},
		"24-ip-wildcard.xml":             {want: []diag{{3, 22, w, "never-matches"}}},
		"25-two-site-controls.xml":       {want: []diag{{4, 3, w, "unknown-element"}}},
		"26-site-control-last.xml":       {},
		"27-acrobat-identity.xml":        {want: []diag{{4, 3, w, "unknown-element"}}, strictOK: true},
		"28-idn.xml":                     {strictOK: true},
		"29-scheme-qualified.xml":        {strictOK: true},
		"30-empty-root.xml":              {want: []diag{{2, 1, w, "empty"}}, strictOK: true},
		"31-headers-star-insecure.xml":   {strictOK: true},
		"32-default-namespace.xml":       {want: []diag{{2, 1, w, "namespace"}}},
		"33-text-in-root.xml":            {want: []diag{{3, 3, w, "text"}}},
		"34-unknown-site-control.xml":    {want: []diag{{3, 3, w, "invalid-value"}}},
	}
	files, err := filepath.Glob("../testdata/realworld/flash/*.xml")
	require.NoError(t, err)
	require.Len(t, files, len(tests), "every file has its expectation")
	for _, f := range files {
		name := filepath.Base(f)
		tt, ok := tests[name]
		require.True(t, ok, name)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			kind := Master
			if strings.Contains(name, "socket") {
				kind = SocketMaster
			}
			_, ds, err := Parser{Kind: kind}.Parse(b)
			assert.Equal(t, tt.rejected, err != nil, "%v", err)
			if tt.want == nil {
				tt.want = []diag{}
			}
			assert.Equal(t, tt.want, diags(ds), "%v", ds)
			_, sds, serr := Parser{Kind: kind, Strict: true}.Parse(b)
			assert.Equal(t, tt.strictOK, serr == nil, "strict: %v", sds)
		})
	}
}

// TestRealWorldDecisions checks what a few of those files grant.
func TestRealWorldDecisions(t *testing.T) {
	tests := []struct {
		file, loc, origin, target string
		headers                   []string
		allowed                   bool
	}{
		{"01-allow-all.xml", "http://a.example/crossdomain.xml", "http://evil.example/x.swf", "http://a.example/private", nil, true},
		{"03-adobe-master-only.xml", "https://a.example/crossdomain.xml", "http://www.example.com/x.swf", "https://a.example/x", []string{"X-Anything"}, true},
		{"05-site-control-none.xml", "http://a.example/crossdomain.xml", "http://www.example.com/x.swf", "http://a.example/x", nil, false},
		{"06-many-domains.xml", "http://a.example/crossdomain.xml", "http://10.0.0.5/x.swf", "http://a.example/x", nil, true},
		{"06-many-domains.xml", "http://a.example/crossdomain.xml", "http://evilvideo.example/x.swf", "http://a.example/x", nil, false},
		{"10-socket-nul.xml", "xmlsocket://chat.example:843", "http://any.example/x.swf", "xmlsocket://chat.example:5222", nil, true},
		{"10-socket-nul.xml", "xmlsocket://chat.example:843", "http://any.example/x.swf", "xmlsocket://chat.example:5224", nil, false},
		{"12-socket-missing-to-ports.xml", "xmlsocket://chat.example:843", "http://other.example/x.swf", "xmlsocket://chat.example:8050", nil, false},
		{"12-socket-missing-to-ports.xml", "xmlsocket://chat.example:843", "http://a.example.com/x.swf", "xmlsocket://chat.example:8050", nil, true},
		{"14-secure-no.xml", "https://a.example/crossdomain.xml", "http://www.example.com/x.swf", "https://a.example/x", nil, false},
		{"25-two-site-controls.xml", "http://a.example/crossdomain.xml", "http://x.example/x.swf", "http://a.example/x", nil, true},
		{"28-idn.xml", "http://a.example/crossdomain.xml", "http://shop.bücher.example/x.swf", "http://a.example/x", nil, true},
		{"28-idn.xml", "http://a.example/crossdomain.xml", "http://münchen.example/x.swf", "http://a.example/x", nil, true},
		{"29-scheme-qualified.xml", "http://a.example/crossdomain.xml", "http://www.example.com/x.swf", "http://a.example/x", nil, false},
		{"34-unknown-site-control.xml", "http://a.example/crossdomain.xml", "http://x.example/x.swf", "http://a.example/x", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.origin+" "+tt.target, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("../testdata/realworld/flash", tt.file))
			require.NoError(t, err)
			loc := location(t, tt.loc)
			pol, _, err := Parser{Kind: KindOf(loc)}.Parse(b)
			require.NoError(t, err)
			d := pol.Compile(CompileOptions{Location: loc}).Decide(request(t, tt.origin, tt.target, tt.headers...))
			assert.Equal(t, tt.allowed, d.Allowed, "%s", d)
		})
	}
}
