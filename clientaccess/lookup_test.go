package clientaccess

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

const openPolicy = `<access-policy><cross-domain-access><policy>
<allow-from><domain uri="*"/></allow-from>
<grant-to><resource path="/" include-subpaths="true"/><socket-resource port="4502-4506" protocol="tcp"/></grant-to>
</policy></cross-domain-access></access-policy>`

const openCrossDomain = `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`

func lookup(t *testing.T, c *Client, origin, target string) *match.Lookup {
	t.Helper()
	req, err := match.NewRequest(origin, target)
	require.NoError(t, err)
	l, err := c.Decide(context.Background(), req)
	require.NoError(t, err)
	return l
}

func TestClient(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{
		HTTP: map[string]fakesite.Response{
			"http://cap.example/clientaccesspolicy.xml":      {Status: 200, ContentType: "text/xml; charset=utf-8", Body: openPolicy},
			"http://fallback.example/crossdomain.xml":        {Status: 200, ContentType: "application/xml", Body: openCrossDomain},
			"http://rejected.example/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: "<access-policy>"},
			"http://rejected.example/crossdomain.xml":        {Status: 200, ContentType: "text/xml", Body: openCrossDomain},
			"http://octet.example/clientaccesspolicy.xml":    {Status: 200, ContentType: "application/octet-stream", Body: openPolicy},
			"http://redirect.example/clientaccesspolicy.xml": {Status: 302, Headers: map[string]string{"Location": "/real.xml"}},
			"http://redirect.example/real.xml":               {Status: 200, ContentType: "text/xml", Body: openPolicy},
			"https://secure.example/clientaccesspolicy.xml":  {Status: 200, ContentType: "text/xml", Body: openPolicy},
			"http://narrow.example/crossdomain.xml":          {Status: 200, ContentType: "text/xml", Body: `<cross-domain-policy><allow-access-from domain="a.example"/></cross-domain-policy>`},
			"http://big.example/clientaccesspolicy.xml":      {Status: 200, ContentType: "text/xml", Body: openPolicy + strings.Repeat(" ", 3000)},
			"http://header.example/crossdomain.xml":          {Status: 200, ContentType: "text/xml", Headers: map[string]string{"X-Permitted-Cross-Domain-Policies": "none"}, Body: openCrossDomain},
		},
		Sockets: map[string]string{
			"sock.example:943": openPolicy,
			"bad.example:943":  "<cross-domain-policy/>",
		},
	})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext, MaxBytes: 2000}
	tests := []struct {
		name, origin, target string
		allowed              bool
		code                 match.Code
		files                []string // "URL used|unused"
	}{
		{"clientaccesspolicy.xml", "http://app.example/a.xap", "http://cap.example/data", true, match.Granted,
			[]string{"http://cap.example/clientaccesspolicy.xml used"}},
		{"fallback to crossdomain.xml", "http://app.example/a.xap", "http://fallback.example/data", true, match.Granted,
			[]string{"http://fallback.example/clientaccesspolicy.xml unused", "http://fallback.example/crossdomain.xml used"}},
		{"rejected clientaccesspolicy.xml falls back", "http://app.example/a.xap", "http://rejected.example/x", true, match.Granted,
			[]string{"http://rejected.example/clientaccesspolicy.xml used", "http://rejected.example/crossdomain.xml used"}},
		{"wrong content type is no file", "http://app.example/a.xap", "http://octet.example/x", false, match.NoPolicy,
			[]string{"http://octet.example/clientaccesspolicy.xml unused", "http://octet.example/crossdomain.xml unused"}},
		{"redirects are never followed", "http://app.example/a.xap", "http://redirect.example/x", false, match.NoPolicy,
			[]string{"http://redirect.example/clientaccesspolicy.xml unused", "http://redirect.example/crossdomain.xml unused"}},
		{"https site", "https://app.example/a.xap", "https://secure.example/x", true, match.Granted,
			[]string{"https://secure.example/clientaccesspolicy.xml used"}},
		{"crossdomain.xml must be open to *", "http://a.example/a.xap", "http://narrow.example/x", false, match.NoCaller,
			[]string{"http://narrow.example/clientaccesspolicy.xml unused", "http://narrow.example/crossdomain.xml used"}},
		{"over the size limit", "http://app.example/a.xap", "http://big.example/x", false, match.NoPolicy,
			[]string{"http://big.example/clientaccesspolicy.xml unused", "http://big.example/crossdomain.xml unused"}},
		{"meta-policy header", "http://app.example/a.xap", "http://header.example/x", false, match.Disabled,
			[]string{"http://header.example/clientaccesspolicy.xml unused", "http://header.example/crossdomain.xml used"}},
		{"unreachable site", "http://app.example/a.xap", "http://nowhere.example/x", false, match.NoPolicy,
			[]string{"http://nowhere.example/clientaccesspolicy.xml unused", "http://nowhere.example/crossdomain.xml unused"}},
		{"same origin", "http://cap.example/a.xap", "http://cap.example/data", true, match.SameOrigin, nil},
		{"socket", "http://app.example/a.xap", "tcp://sock.example:4502", true, match.Granted, []string{"tcp://sock.example:943 used"}},
		{"socket as xmlsocket://", "http://app.example/a.xap", "xmlsocket://sock.example:4503", true, match.Granted, []string{"tcp://sock.example:943 used"}},
		{"socket port not granted", "http://app.example/a.xap", "tcp://sock.example:4510", false, match.NotGranted, []string{"tcp://sock.example:943 used"}},
		{"socket port Silverlight never opens", "http://app.example/a.xap", "tcp://sock.example:80", false, match.RuntimeLimit, nil},
		{"only clientaccesspolicy.xml on 943", "http://app.example/a.xap", "tcp://bad.example:4502", false, match.Rejected, []string{"tcp://bad.example:943 used"}},
		{"943 refused", "http://app.example/a.xap", "tcp://nosock.example:4502", false, match.NoPolicy, []string{"tcp://nosock.example:943 unused"}},
		{"even to its own host, a socket needs a policy", "http://nosock.example/a.xap", "tcp://nosock.example:4502", false, match.NoPolicy, []string{"tcp://nosock.example:943 unused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lookup(t, c, tt.origin, tt.target)
			assert.Equal(t, tt.allowed, l.Decision.Allowed, l.Decision.String())
			assert.Equal(t, tt.code, l.Decision.Code, l.Decision.String())
			var files []string
			for _, f := range l.Files {
				state := "unused"
				if f.Used {
					state = "used"
				}
				files = append(files, f.URL+" "+state)
				assert.NotEmpty(t, f.Note, f.String())
			}
			assert.Equal(t, tt.files, files)
		})
	}
}

func TestClientReasons(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://octet.example/clientaccesspolicy.xml": {Status: 200, ContentType: "application/octet-stream", Body: openPolicy},
	}})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext}
	l := lookup(t, c, "http://app.example/a.xap", "http://octet.example/x")
	assert.Equal(t, `deny: Silverlight found no policy it could use (http://octet.example/clientaccesspolicy.xml: served as "application/octet-stream", not text/* or application/xml, so Silverlight ignores it; http://octet.example/crossdomain.xml: status 404: no file), so it denies every cross-site request`, l.Decision.String())
	assert.Equal(t, `http://octet.example/clientaccesspolicy.xml (status 200, application/octet-stream): served as "application/octet-stream", not text/* or application/xml, so Silverlight ignores it`, l.Files[0].String())
}

func TestClientCachesOneFetchPerSite(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{
		HTTP: map[string]fakesite.Response{
			"http://cap.example/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: openPolicy},
		},
		Sockets: map[string]string{"sock.example:943": openPolicy},
	})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			assert.True(t, lookup(t, c, "http://app.example/a.xap", "http://cap.example/data").Decision.Allowed)
		}()
		go func() {
			defer wg.Done()
			assert.True(t, lookup(t, c, "http://app.example/a.xap", "tcp://sock.example:4502").Decision.Allowed)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, site.Requests("http://cap.example:80/clientaccesspolicy.xml"))
	assert.Equal(t, 1, site.Dials("sock.example:943"))

	// Denials are cached too.
	for i := 0; i < 3; i++ {
		lookup(t, c, "http://app.example/a.xap", "http://gone.example/x")
	}
	assert.Equal(t, 2, site.Dials("gone.example:80"), "one lookup: two files tried once")
	l := lookup(t, c, "http://app.example/a.xap", "http://cap.example/data")
	require.NotEmpty(t, l.Files)
	assert.True(t, l.Files[0].Cached)
}

// TestClientSurvey: a survey reads clientaccesspolicy.xml and
// crossdomain.xml, the second even when the first decides, and port 943.
func TestClientSurvey(t *testing.T) {
	const allowAll = `<access-policy><cross-domain-access><policy><allow-from><domain uri="*"/></allow-from><grant-to><resource path="/" include-subpaths="true"/></grant-to></policy></cross-domain-access></access-policy>`
	const flashAll = `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://a.example/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: allowAll},
		"http://a.example/crossdomain.xml":        {Status: 200, ContentType: "text/xml", Body: flashAll},
		"http://b.example/clientaccesspolicy.xml": {Status: 500},
		"http://b.example/crossdomain.xml":        {Status: 200, ContentType: "text/xml", Body: flashAll},
	}, Sockets: map[string]string{"a.example:943": allowAll}})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext}
	ctx := context.Background()
	notes := func(files []match.Consulted) []string {
		var out []string
		for _, f := range files {
			out = append(out, fmt.Sprintf("%s used=%v extra=%v model=%v unread=%q: %s", f.URL, f.Used, f.Extra, f.Model != nil, f.Unread, f.Note))
		}
		return out
	}
	files, err := c.Survey(ctx, "http://a.example")
	require.NoError(t, err)
	assert.Equal(t, []string{
		`http://a.example/clientaccesspolicy.xml used=true extra=false model=true unread="": the policy of http://a.example`,
		`http://a.example/crossdomain.xml used=false extra=true model=true unread="": passed over: Silverlight reads http://a.example/clientaccesspolicy.xml first`,
	}, notes(files))
	files, err = c.Survey(ctx, "http://b.example")
	require.NoError(t, err)
	assert.Equal(t, []string{
		`http://b.example/clientaccesspolicy.xml used=false extra=false model=false unread="status 500": status 500: no file`,
		`http://b.example/crossdomain.xml used=true extra=false model=true unread="": read in place of http://b.example/clientaccesspolicy.xml, which could not be read`,
	}, notes(files))
	files, err = c.Survey(ctx, "tcp://a.example:4502")
	require.NoError(t, err)
	assert.Equal(t, []string{`tcp://a.example:943 used=true extra=false model=true unread="": the policy of sockets on a.example`}, notes(files))
}

// BenchmarkClientCached is the cost of a lookup once the session has the
// site's policy, beside Decide on the same compiled policy, alone and from
// many goroutines at once.
func BenchmarkClientCached(b *testing.B) {
	site := fakesite.Start(b, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://api.example/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: openPolicy},
	}})
	c := &Client{HTTPClient: site.Client()}
	req, _ := match.NewRequest("http://app.example/a.xap", "http://api.example/data")
	ctx := context.Background()
	l, err := c.Decide(ctx, req)
	if err != nil || !l.Decision.Allowed {
		b.Fatal(err, l.Decision)
	}
	readingtest.BenchClient(b, l.Files[0].Policy, req, c.Decide, c.DecideInto)
}

// TestClientDecideInto: DecideInto answers as Decide does, into the
// caller's Lookup, and allocates nothing once the site is settled.
func TestClientDecideInto(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://api.example/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: openPolicy},
		"http://old.example/crossdomain.xml":        {Status: 200, ContentType: "text/xml", Body: openCrossDomain},
	}})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext}
	ctx := context.Background()
	l := match.Lookup{Files: []match.Consulted{{URL: "left over"}, {URL: "left over"}, {URL: "left over"}}}
	for _, target := range []string{"http://api.example/data", "http://old.example/x", "http://none.example/x", "tcp://api.example:80", "http://app.example/same"} {
		req, err := match.NewRequest("http://app.example/a.xap", target)
		require.NoError(t, err)
		_, err = c.Decide(ctx, req) // the site is settled
		require.NoError(t, err)
		want, err := c.Decide(ctx, req)
		require.NoError(t, err)
		require.NoError(t, c.DecideInto(ctx, req, &l))
		assert.Equal(t, want.Decision.String(), l.Decision.String(), target)
		assert.Equal(t, fmt.Sprint(want.Files), fmt.Sprint(l.Files), target)
		allocs := testing.AllocsPerRun(50, func() { _ = c.DecideInto(ctx, req, &l) })
		if strings.HasPrefix(target, "http://") && !strings.Contains(target, "same") {
			assert.Zero(t, allocs, "DecideInto %s", target)
		}
	}
}
