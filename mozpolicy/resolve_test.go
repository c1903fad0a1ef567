package mozpolicy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

// site builds a file tree from path -> body.
func site(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for p, body := range files {
		m[strings.TrimPrefix(p, "/")] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

func decide(t *testing.T, r *Resolver, origin, target, typ string) *Resolution {
	t.Helper()
	req, err := match.NewRequest(origin, target)
	require.NoError(t, err)
	req.Type = typ
	res, err := r.Decide(context.Background(), req)
	require.NoError(t, err)
	return res
}

func urls(res *Resolution) []string {
	var out []string
	for _, s := range res.Steps {
		out = append(out, s.URL)
	}
	return out
}

const delegateAll = `<cross-domain-policy><allow delegate="true"/></cross-domain-policy>`
const allowAll = `<cross-domain-policy><allow/></cross-domain-policy>`

func TestResolverChain(t *testing.T) {
	fsys := site(map[string]string{
		"/cross-domain-policy.xml":             `<cross-domain-policy><allow type="xml" from="*.foo.com" delegate="true"/></cross-domain-policy>`,
		"/users/cross-domain-policy.xml":       delegateAll,
		"/users/alice/cross-domain-policy.xml": `<cross-domain-policy><allow from="bar.foo.com"/></cross-domain-policy>`,
		"/users/bob/cross-domain-policy.xml":   `<cross-domain-policy><allow from="bar.foo.com" to="../alice/"/></cross-domain-policy>`,
		"/broken/cross-domain-policy.xml":      `<cross-domain-policy><allow>`,
	})
	r := &Resolver{Fetch: FS(fsys)}
	const host = "http://www.company.com"
	tests := []struct {
		name, origin, target, typ string
		allowed                   bool
		code                      match.Code
		steps                     []string
	}{
		{"root decides a file in its own directory", "http://bar.foo.com/p", host + "/feed.xml", "xml", true, match.Granted,
			[]string{host + "/cross-domain-policy.xml"}},
		{"one level at a time", "http://bar.foo.com/p", host + "/users/alice/feed.xml", "xml", true, match.Granted,
			[]string{host + "/cross-domain-policy.xml", host + "/users/cross-domain-policy.xml", host + "/users/alice/cross-domain-policy.xml"}},
		{"the last file denies", "http://baz.foo.com/p", host + "/users/alice/feed.xml", "xml", false, match.NoCaller,
			[]string{host + "/cross-domain-policy.xml", host + "/users/cross-domain-policy.xml", host + "/users/alice/cross-domain-policy.xml"}},
		{"root denies before any delegation", "http://evil.example/p", host + "/users/alice/feed.xml", "xml", false, match.NoCaller,
			[]string{host + "/cross-domain-policy.xml"}},
		{"root's type decides", "http://bar.foo.com/p", host + "/users/alice/feed.xml", "load", false, match.TypeNotAllowed,
			[]string{host + "/cross-domain-policy.xml"}},
		{"missing delegated file denies", "http://bar.foo.com/p", host + "/users/carol/feed.xml", "xml", false, match.NoPolicy,
			[]string{host + "/cross-domain-policy.xml", host + "/users/cross-domain-policy.xml", host + "/users/carol/cross-domain-policy.xml"}},
		{"a level without a file denies", "http://bar.foo.com/p", host + "/docs/a/feed.xml", "xml", false, match.NoPolicy,
			[]string{host + "/cross-domain-policy.xml", host + "/docs/cross-domain-policy.xml"}},
		{"rejected delegated file denies", "http://bar.foo.com/p", host + "/broken/x.xml", "xml", false, match.Rejected,
			[]string{host + "/cross-domain-policy.xml", host + "/broken/cross-domain-policy.xml"}},
		{"no grant upward: bob's file cannot speak for alice", "http://bar.foo.com/p", host + "/users/bob/x.xml", "xml", false, match.NoCaller,
			[]string{host + "/cross-domain-policy.xml", host + "/users/cross-domain-policy.xml", host + "/users/bob/cross-domain-policy.xml"}},
		{"dot-segments are removed before the walk", "http://bar.foo.com/p", host + "/users/bob/../alice/feed.xml", "xml", true, match.Granted,
			[]string{host + "/cross-domain-policy.xml", host + "/users/cross-domain-policy.xml", host + "/users/alice/cross-domain-policy.xml"}},
		{"same origin needs no file", "http://www.company.com/page.html", host + "/users/alice/feed.xml", "xml", true, match.SameOrigin, nil},
		{"another port is another site", "http://www.company.com:8080/page.html", host + "/feed.xml", "xml", false, match.NoCaller,
			[]string{host + "/cross-domain-policy.xml"}},
		{"sockets are not the draft's", "http://bar.foo.com/p", "xmlsocket://www.company.com:9000", "xml", false, match.RuntimeLimit, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := decide(t, r, tt.origin, tt.target, tt.typ)
			assert.Equal(t, tt.allowed, res.Decision.Allowed, res.Decision.String())
			assert.Equal(t, tt.code, res.Decision.Code, res.Decision.String())
			assert.Equal(t, tt.steps, urls(res))
			for i, s := range res.Steps {
				if i < len(res.Steps)-1 {
					assert.Equal(t, match.Delegated, s.Decision.Code, "every step but the last delegates")
				}
			}
		})
	}
}

func TestResolverReasons(t *testing.T) {
	fsys := site(map[string]string{
		"/cross-domain-policy.xml":        `<cross-domain-policy><allow from="*.foo.com" delegate="true"/></cross-domain-policy>`,
		"/broken/cross-domain-policy.xml": `<cross-domain-policy><allow>`,
	})
	r := &Resolver{Fetch: FS(fsys)}
	res := decide(t, r, "http://bar.foo.com/p", "http://www.company.com/service/foo.xml", "xml")
	assert.Equal(t, `deny: http://www.company.com/service/cross-domain-policy.xml is missing, and <allow from="*.foo.com" delegate="true"> at 1:22 of http://www.company.com/cross-domain-policy.xml delegated the decision to it; the draft's client then denies`, res.Decision.String())
	require.Len(t, res.Steps, 2)
	assert.True(t, errors.Is(res.Steps[1].Err, fs.ErrNotExist))

	res = decide(t, r, "http://bar.foo.com/p", "http://www.company.com/broken/foo.xml", "xml")
	assert.Equal(t, `deny: the mozilla runtime rejects http://www.company.com/broken/cross-domain-policy.xml: 1:29: not well-formed XML: unexpected end of file: <allow> at 1:22 is not closed (<allow from="*.foo.com" delegate="true"> at 1:22 of http://www.company.com/cross-domain-policy.xml delegated the decision to it)`, res.Decision.String())
	var d *match.Diagnostic
	assert.True(t, errors.As(res.Steps[1].Err, &d))

	empty := &Resolver{Fetch: FS(fstest.MapFS{})}
	res = decide(t, empty, "http://bar.foo.com/p", "http://www.company.com/x.xml", "xml")
	assert.Equal(t, `deny: the site's policy file http://www.company.com/cross-domain-policy.xml is missing, and without it the draft's client denies every request from another site`, res.Decision.String())

	failing := &Resolver{Fetch: func(context.Context, string) ([]byte, error) { return nil, errors.New("connection refused") }}
	res = decide(t, failing, "http://bar.foo.com/p", "http://www.company.com/x.xml", "xml")
	assert.Contains(t, res.Decision.String(), "could not be fetched (connection refused)")
}

// chain builds a site whose every directory down /d1/d2/.../dN delegates,
// and whose deepest directory allows.
func chain(n int) fstest.MapFS {
	files := map[string]string{"/cross-domain-policy.xml": delegateAll}
	dir := ""
	for i := 1; i <= n; i++ {
		dir += fmt.Sprintf("/d%d", i)
		body := delegateAll
		if i == n {
			body = allowAll
		}
		files[dir+"/cross-domain-policy.xml"] = body
	}
	return site(files)
}

func deepTarget(n int) string {
	t := "http://www.company.com"
	for i := 1; i <= n; i++ {
		t += fmt.Sprintf("/d%d", i)
	}
	return t + "/feed.xml"
}

func TestResolverDepth(t *testing.T) {
	// 16 delegations are followed: the root plus 16 files.
	res := decide(t, &Resolver{Fetch: FS(chain(16))}, "http://a.example/", deepTarget(16), "xml")
	assert.True(t, res.Decision.Allowed, res.Decision.String())
	assert.Len(t, res.Steps, 17)

	// The 17th is not.
	res = decide(t, &Resolver{Fetch: FS(chain(17))}, "http://a.example/", deepTarget(17), "xml")
	assert.False(t, res.Decision.Allowed)
	assert.Equal(t, match.RuntimeLimit, res.Decision.Code)
	assert.Len(t, res.Steps, 17, "the 17th delegated file is never fetched")
	assert.Contains(t, res.Decision.Reason(), "after 16 delegations; the draft's client follows at most 16 and denies")

	// A Resolver may follow fewer, never more.
	res = decide(t, &Resolver{Fetch: FS(chain(3)), MaxDelegations: 2}, "http://a.example/", deepTarget(3), "xml")
	assert.Equal(t, match.RuntimeLimit, res.Decision.Code)
	assert.Len(t, res.Steps, 3)
	res = decide(t, &Resolver{Fetch: FS(chain(17)), MaxDelegations: 100}, "http://a.example/", deepTarget(17), "xml")
	assert.Equal(t, match.RuntimeLimit, res.Decision.Code)
}

func TestResolverEscapedDirectories(t *testing.T) {
	var asked []string
	fsys := site(map[string]string{
		"/cross-domain-policy.xml":        delegateAll,
		"/my dir/cross-domain-policy.xml": allowAll,
	})
	fetch := FS(fsys)
	r := &Resolver{Fetch: func(ctx context.Context, url string) ([]byte, error) {
		asked = append(asked, url)
		return fetch(ctx, url)
	}}
	res := decide(t, r, "http://a.example/", "http://www.company.com/my%20dir/x", "xml")
	assert.True(t, res.Decision.Allowed, res.Decision.String())
	assert.Equal(t, []string{"http://www.company.com/cross-domain-policy.xml", "http://www.company.com/my%20dir/cross-domain-policy.xml"}, asked)
}

func TestResolverLimits(t *testing.T) {
	big := "<cross-domain-policy>" + strings.Repeat(`<allow from="a.example"/>`, 50000) + "</cross-domain-policy>"
	require.Greater(t, len(big), 1<<20)
	res := decide(t, &Resolver{Fetch: FS(site(map[string]string{"/cross-domain-policy.xml": big}))}, "http://a.example/", "http://www.company.com/x", "xml")
	assert.Equal(t, match.NoPolicy, res.Decision.Code, "FS refuses the file rather than hand on part of it")
	assert.Contains(t, res.Decision.Reason(), "larger than 1048576 bytes")

	// A Parser that allows more still never sees a truncated file.
	res = decide(t, &Resolver{Fetch: FS(site(map[string]string{"/cross-domain-policy.xml": big})), Parser: Parser{MaxBytes: 4 << 20}}, "http://a.example/", "http://www.company.com/x", "xml")
	assert.Equal(t, match.NoPolicy, res.Decision.Code)

	// Parser limits apply to every file.
	small := &Resolver{Fetch: FS(site(map[string]string{"/cross-domain-policy.xml": allowAll})), Parser: Parser{MaxBytes: 10}}
	res = decide(t, small, "http://a.example/", "http://www.company.com/x", "xml")
	assert.Equal(t, match.Rejected, res.Decision.Code)
}

func TestResolverContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Resolver{Fetch: func(ctx context.Context, url string) ([]byte, error) {
		cancel()
		return nil, ctx.Err()
	}}
	req, err := match.NewRequest("http://a.example/", "http://www.company.com/x")
	require.NoError(t, err)
	res, err := r.Decide(ctx, req)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, res.Decision.Allowed)
	require.Len(t, res.Steps, 1)

	_, err = (&Resolver{}).Decide(context.Background(), req)
	require.Error(t, err)
}

func TestFS(t *testing.T) {
	fetch := FS(site(map[string]string{"/a/cross-domain-policy.xml": "x"}))
	b, err := fetch(context.Background(), "https://any.host:8443/a/cross-domain-policy.xml")
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
	for _, u := range []string{"http://h/b/cross-domain-policy.xml", "http://h/a", "http://h/a/", "http://h/../etc/passwd"} {
		_, err = fetch(context.Background(), u)
		assert.ErrorIs(t, err, fs.ErrNotExist, u)
	}
}

// TestResolverAmbiguousPaths: a delegated file governs its directory only;
// a target that a server may decode into a path outside it (here /admin)
// is not governed by it, and so is denied.
func TestResolverAmbiguousPaths(t *testing.T) {
	r := &Resolver{Fetch: FS(site(map[string]string{
		"/cross-domain-policy.xml":       delegateAll,
		"/users/cross-domain-policy.xml": allowAll,
	}))}
	const host = "http://www.company.com"
	assert.True(t, decide(t, r, "http://evil.example/", host+"/users/feed.xml", "").Decision.Allowed)
	for _, target := range []string{
		"/users/x%2f..%2f..%2fadmin",
		"/users/..%5cadmin",
		"/users/%252e%252e/admin",
		"/users/%c0%ae%c0%ae/admin",
	} {
		res := decide(t, r, "http://evil.example/", host+target, "")
		assert.False(t, res.Decision.Allowed, "%s: %s", target, res.Decision)
	}
}
