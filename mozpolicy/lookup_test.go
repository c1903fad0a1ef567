package mozpolicy

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

func TestClient(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://www.company.com/cross-domain-policy.xml":        {Status: 200, ContentType: "application/octet-stream", Body: delegateAll},
		"http://www.company.com/users/cross-domain-policy.xml":  {Status: 200, Body: allowAll},
		"http://www.company.com/moved/cross-domain-policy.xml":  {Status: 301, Headers: map[string]string{"Location": "/users/cross-domain-policy.xml"}},
		"http://www.company.com/broken/cross-domain-policy.xml": {Status: 500},
		"http://redirect.example/cross-domain-policy.xml":       {Status: 302, Headers: map[string]string{"Location": "http://www.company.com/cross-domain-policy.xml"}},
	}})
	c := &Client{HTTPClient: site.Client()}
	decide := func(target string) *match.Lookup {
		req, err := match.NewRequest("http://a.example/", target)
		require.NoError(t, err)
		req.Type = TypeXML
		l, err := c.Decide(context.Background(), req)
		require.NoError(t, err)
		return l
	}
	l := decide("http://www.company.com/users/alice.xml")
	assert.True(t, l.Decision.Allowed, l.Decision.String())
	require.Len(t, l.Files, 2)
	assert.Equal(t, "http://www.company.com/cross-domain-policy.xml (status 200, application/octet-stream): delegates to http://www.company.com/users/cross-domain-policy.xml", l.Files[0].String())
	assert.Equal(t, "http://www.company.com/users/cross-domain-policy.xml (status 200): grants", l.Files[1].String())

	l = decide("http://www.company.com/moved/x.xml")
	assert.False(t, l.Decision.Allowed)
	assert.Contains(t, l.Decision.Reason(), "is missing")
	assert.Contains(t, l.Files[1].Note, "does not follow redirects")

	l = decide("http://www.company.com/broken/x.xml")
	assert.Contains(t, l.Decision.Reason(), "could not be fetched (status 500)")

	l = decide("http://redirect.example/x.xml")
	assert.Equal(t, match.NoPolicy, l.Decision.Code)

	// One fetch per file, however many ask at once; answers come from the
	// cache afterwards.
	c = &Client{HTTPClient: site.Client()}
	const users = "http://www.company.com:80/users/cross-domain-policy.xml"
	before := site.Requests(users)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.True(t, decide("http://www.company.com/users/bob.xml").Decision.Allowed)
		}()
	}
	wg.Wait()
	assert.Equal(t, before+1, site.Requests(users))
	l = decide("http://www.company.com/users/bob.xml")
	assert.True(t, l.Files[0].Cached && l.Files[1].Cached)
}

// TestClientSurvey: a survey reads the root file and says what the
// client made of it, following no delegation.
func TestClientSurvey(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://a.example/cross-domain-policy.xml": {Status: 200, ContentType: "text/xml", Body: `<cross-domain-policy><allow delegate="true"/></cross-domain-policy>`},
		"http://b.example/cross-domain-policy.xml": {Status: 200, ContentType: "text/xml", Body: `<cross-domain-policy><allow>`},
		"http://c.example/cross-domain-policy.xml": {Status: 502},
	}})
	c := &Client{HTTPClient: site.Client()}
	files, err := c.Survey(context.Background(), "http://a.example")
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.True(t, files[0].Used)
	assert.Equal(t, "the root policy of http://a.example", files[0].Note)
	assert.IsType(t, &Policy{}, files[0].Model)
	require.NotNil(t, files[0].Policy)
	assert.Equal(t, "/", files[0].Policy.Scope.Dir)

	files, err = c.Survey(context.Background(), "http://b.example")
	require.NoError(t, err)
	assert.Nil(t, files[0].Model)
	assert.Contains(t, files[0].Note, "rejected: ")

	files, err = c.Survey(context.Background(), "http://c.example")
	require.NoError(t, err)
	assert.Equal(t, "status 502", files[0].Unread)

	_, err = c.Survey(context.Background(), "tcp://a.example:943")
	assert.Error(t, err)
}

// cachedClient returns a Client that has read the one file of
// open.example, and a request it grants.
func cachedClient(t testing.TB) (*Client, match.Request) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://open.example/cross-domain-policy.xml": {Status: 200, ContentType: "text/xml", Body: `<cross-domain-policy><allow from="*"/></cross-domain-policy>`},
	}})
	c := &Client{HTTPClient: site.Client()}
	req, err := match.NewRequest("http://app.example/a.html", "http://open.example/data")
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.Decide(context.Background(), req)
	if err != nil || !l.Decision.Allowed {
		t.Fatal(err, l.Decision)
	}
	return c, req
}

// TestClientReadsOnce: a Client reads and compiles each file once; a
// cached decision allocates a few small things, never a parse.
func TestClientReadsOnce(t *testing.T) {
	c, req := cachedClient(t)
	l1, err := c.Decide(context.Background(), req)
	require.NoError(t, err)
	l2, err := c.Decide(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, l1.Files, 1)
	assert.Same(t, l1.Files[0].Policy, l2.Files[0].Policy, "one compiled policy")
	allocs := testing.AllocsPerRun(100, func() { _, _ = c.Decide(context.Background(), req) })
	assert.LessOrEqual(t, allocs, 12.0)
	t.Logf("%.0f allocations a cached decision", allocs)
}

// BenchmarkClientCached is the cost of a lookup once the session has the
// site's file, beside Decide on the same compiled policy.
func BenchmarkClientCached(b *testing.B) {
	c, req := cachedClient(b)
	l, _ := c.Decide(context.Background(), req)
	readingtest.BenchClient(b, l.Files[0].Policy, req, c.Decide, nil)
}
