package crossdomain

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

const (
	openHTTP   = `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`
	openSocket = `<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>` + "\x00"
	xcdp       = "text/x-cross-domain-policy"
)

func master(meta string) string {
	return `<cross-domain-policy><site-control permitted-cross-domain-policies="` + meta + `"/></cross-domain-policy>`
}

type consulted []string // "URL used|unused"

func summary(l *match.Lookup) consulted {
	var out consulted
	for _, f := range l.Files {
		state := "unused"
		if f.Used {
			state = "used"
		}
		out = append(out, f.URL+" "+state)
	}
	return out
}

func TestClientHTTP(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		// A master that grants.
		"http://open.example/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
		// Same-host redirects are followed; the final URL decides.
		"http://all.example/old/pf.xml":                {Status: 301, Headers: map[string]string{"Location": "/older/pf.xml"}},
		"http://all.example/older/pf.xml":              {Status: 302, Headers: map[string]string{"Location": "/api/pf.xml"}},
		"http://hop.example/crossdomain.xml":           {Status: 302, Headers: map[string]string{"Location": "/a"}},
		"http://hop.example/a":                         {Status: 302, Headers: map[string]string{"Location": "/b"}},
		"http://hop.example/b":                         {Status: 302, Headers: map[string]string{"Location": "/c"}},
		"http://hop.example/c":                         {Status: 302, Headers: map[string]string{"Location": "/d"}},
		"http://hop.example/d":                         {Status: 302, Headers: map[string]string{"Location": "/e"}},
		"http://hop.example/e":                         {Status: 302, Headers: map[string]string{"Location": "/f"}},
		"http://hop.example/f":                         {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://loop.example/crossdomain.xml":          {Status: 302, Headers: map[string]string{"Location": "/crossdomain.xml"}},
		"http://away.example/crossdomain.xml":          {Status: 302, Headers: map[string]string{"Location": "http://open.example/crossdomain.xml"}},
		"http://elsewhere.example/crossdomain.xml":     {Status: 302, Headers: map[string]string{"Location": "/sub/crossdomain.xml"}},
		"http://elsewhere.example/sub/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
		// Meta-policies.
		"http://all.example/crossdomain.xml":          {Status: 200, ContentType: "text/xml", Body: master("all")},
		"http://all.example/api/pf.xml":               {Status: 200, ContentType: "text/plain", Body: openHTTP},
		"http://masteronly.example/crossdomain.xml":   {Status: 200, ContentType: "text/xml", Body: master("master-only")},
		"http://masteronly.example/api/pf.xml":        {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://bytype.example/crossdomain.xml":       {Status: 200, ContentType: "text/xml", Body: master("by-content-type")},
		"http://bytype.example/api/pf.xml":            {Status: 200, ContentType: "text/xml", Body: openHTTP},
		"http://bytype.example/api/ok.xml":            {Status: 200, ContentType: xcdp + "; charset=utf-8", Body: openHTTP},
		"http://header.example/crossdomain.xml":       {Status: 200, ContentType: "text/xml", Headers: map[string]string{"X-Permitted-Cross-Domain-Policies": "master-only"}, Body: master("all")},
		"http://header.example/api/pf.xml":            {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://thisresponse.example/crossdomain.xml": {Status: 200, ContentType: "text/xml", Headers: map[string]string{"X-Permitted-Cross-Domain-Policies": "none-this-response"}, Body: `<cross-domain-policy><site-control permitted-cross-domain-policies="all"/><allow-access-from domain="*"/></cross-domain-policy>`},
		"http://thisresponse.example/api/pf.xml":      {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://nomaster.example/api/pf.xml":          {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://big.example/crossdomain.xml":          {Status: 200, ContentType: xcdp, Body: openHTTP + strings.Repeat(" ", 5000)},
	}})
	tests := []struct {
		name, target string
		policyFiles  []string
		allowed      bool
		code         match.Code
		files        consulted
	}{
		{"master grants", "http://open.example/x", nil, true, match.Granted, consulted{"http://open.example/crossdomain.xml used"}},
		{"same-host redirects: the final URL sets the scope", "http://all.example/api/x", []string{"http://all.example/old/pf.xml"}, true, match.Granted,
			consulted{"http://all.example/crossdomain.xml used", "http://all.example/old/pf.xml used"}},
		{"same-host redirects: not the directory asked for", "http://all.example/old/x", []string{"http://all.example/old/pf.xml"}, false, match.NoCaller,
			consulted{"http://all.example/crossdomain.xml used", "http://all.example/old/pf.xml used"}},
		{"more than five redirects", "http://hop.example/x", nil, false, match.NoPolicy, consulted{"http://hop.example/crossdomain.xml unused"}},
		{"redirect loop", "http://loop.example/x", nil, false, match.NoPolicy, consulted{"http://loop.example/crossdomain.xml unused"}},
		{"redirect to another host", "http://away.example/x", nil, false, match.NoPolicy, consulted{"http://away.example/crossdomain.xml unused"}},
		{"redirected away from the root is no master", "http://elsewhere.example/sub/x", nil, false, match.NoPolicy, consulted{"http://elsewhere.example/crossdomain.xml unused"}},
		{"meta-policy all admits a registered file", "http://all.example/api/x", []string{"http://all.example/api/pf.xml"}, true, match.Granted,
			consulted{"http://all.example/crossdomain.xml used", "http://all.example/api/pf.xml used"}},
		{"a registered file governs its directory only", "http://all.example/other/x", []string{"http://all.example/api/pf.xml"}, false, match.NoCaller,
			consulted{"http://all.example/crossdomain.xml used", "http://all.example/api/pf.xml used"}},
		{"files of other sites are not consulted", "http://all.example/api/x", []string{"http://open.example/api/pf.xml", "https://all.example/api/pf.xml"}, false, match.NoCaller,
			consulted{"http://all.example/crossdomain.xml used"}},
		{"master-only", "http://masteronly.example/api/x", []string{"http://masteronly.example/api/pf.xml"}, false, match.NoCaller,
			consulted{"http://masteronly.example/crossdomain.xml used", "http://masteronly.example/api/pf.xml unused"}},
		{"by-content-type refuses text/xml", "http://bytype.example/api/x", []string{"http://bytype.example/api/pf.xml"}, false, match.NoCaller,
			consulted{"http://bytype.example/crossdomain.xml used", "http://bytype.example/api/pf.xml unused"}},
		{"by-content-type admits text/x-cross-domain-policy", "http://bytype.example/api/x", []string{"http://bytype.example/api/pf.xml", "http://bytype.example/api/ok.xml"}, true, match.Granted,
			consulted{"http://bytype.example/crossdomain.xml used", "http://bytype.example/api/pf.xml unused", "http://bytype.example/api/ok.xml used"}},
		{"the header is stricter than site-control", "http://header.example/api/x", []string{"http://header.example/api/pf.xml"}, false, match.NoCaller,
			consulted{"http://header.example/crossdomain.xml used", "http://header.example/api/pf.xml unused"}},
		{"none-this-response disables only that response", "http://thisresponse.example/api/x", []string{"http://thisresponse.example/api/pf.xml"}, true, match.Granted,
			consulted{"http://thisresponse.example/crossdomain.xml used", "http://thisresponse.example/api/pf.xml used"}},
		{"no master, no other file", "http://nomaster.example/api/x", []string{"http://nomaster.example/api/pf.xml"}, false, match.NoPolicy,
			consulted{"http://nomaster.example/crossdomain.xml unused", "http://nomaster.example/api/pf.xml unused"}},
		{"body over the limit", "http://big.example/x", nil, false, match.NoPolicy, consulted{"http://big.example/crossdomain.xml unused"}},
		{"unreachable", "http://down.example/x", nil, false, match.NoPolicy, consulted{"http://down.example/crossdomain.xml unused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{HTTPClient: site.Client(), PolicyFiles: tt.policyFiles, MaxBytes: 2000}
			req, err := match.NewRequest("http://app.example/a.swf", tt.target)
			require.NoError(t, err)
			l, err := c.Decide(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, l.Decision.Allowed, l.Decision.String())
			assert.Equal(t, tt.code, l.Decision.Code, l.Decision.String())
			assert.Equal(t, tt.files, summary(l))
			for _, f := range l.Files {
				assert.NotEmpty(t, f.Note, f.String())
			}
		})
	}
}

func TestClientHTTPReasons(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://away.example/crossdomain.xml": {Status: 302, Headers: map[string]string{"Location": "http://other.example/crossdomain.xml"}},
	}})
	c := &Client{HTTPClient: site.Client()}
	req, err := match.NewRequest("http://app.example/a.swf", "http://away.example/x")
	require.NoError(t, err)
	l, err := c.Decide(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "deny: Flash Player found no policy file that grants the request (http://away.example/crossdomain.xml: redirected to another host, http://other.example/crossdomain.xml; the policy is ignored)", l.Decision.String())
}

func TestClientSockets(t *testing.T) {
	silent := func(c net.Conn) { io.Copy(io.Discard, c) } // reads the request, never answers, never closes
	noNUL := func(c net.Conn) {
		buf := make([]byte, 23)
		io.ReadFull(c, buf)
		io.WriteString(c, strings.TrimSuffix(openSocket, "\x00"))
		io.Copy(io.Discard, c)
	}
	site := fakesite.Start(t, fakesite.Site{
		Sockets: map[string]string{
			"open.example:843":    openSocket,
			"master.example:843":  master("master-only") + "\x00",
			"master.example:9000": openSocket,
			"port.example:9000":   openSocket,
			"low.example:2000":    `<cross-domain-policy><allow-access-from domain="*" to-ports="80-9000"/></cross-domain-policy>`,
		},
		SocketHandlers: map[string]func(net.Conn){
			"silent.example:843": silent,
			"silent.example:9000": func(c net.Conn) {
				buf := make([]byte, 23)
				io.ReadFull(c, buf)
				io.WriteString(c, openSocket)
			},
			"nonul.example:843": noNUL,
		},
	})
	tests := []struct {
		name, target string
		policyFiles  []string
		allowed      bool
		code         match.Code
		files        consulted
	}{
		{"the 843 master grants", "xmlsocket://open.example:9000", nil, true, match.Granted, consulted{"xmlsocket://open.example:843 used"}},
		{"tcp:// is read as xmlsocket://", "tcp://open.example:9000", nil, true, match.Granted, consulted{"xmlsocket://open.example:843 used"}},
		{"master-only stops at 843", "xmlsocket://master.example:9000", nil, false, match.NoCaller, consulted{"xmlsocket://master.example:843 used", "xmlsocket://master.example:9000 unused"}},
		{"843 refused: the target port is asked", "xmlsocket://port.example:9000", nil, true, match.Granted, consulted{"xmlsocket://port.example:843 unused", "xmlsocket://port.example:9000 used"}},
		{"843 silent: the target port is asked after the timeout", "xmlsocket://silent.example:9000", nil, true, match.Granted, consulted{"xmlsocket://silent.example:843 unused", "xmlsocket://silent.example:9000 used"}},
		{"a server that never sends the NUL nor closes", "xmlsocket://nonul.example:9000", nil, false, match.NoPolicy, consulted{"xmlsocket://nonul.example:843 unused", "xmlsocket://nonul.example:9000 unused"}},
		{"the 1024 rule", "xmlsocket://low.example:80", []string{"xmlsocket://low.example:2000"}, false, match.NotGranted,
			consulted{"xmlsocket://low.example:843 unused", "xmlsocket://low.example:80 unused", "xmlsocket://low.example:2000 used"}},
		{"registered socket policy", "xmlsocket://low.example:1500", []string{"xmlsocket://low.example:2000", "xmlsocket://other.example:2000"}, true, match.Granted,
			consulted{"xmlsocket://low.example:843 unused", "xmlsocket://low.example:1500 unused", "xmlsocket://low.example:2000 used"}},
		{"a socket to the caller's own host needs a policy", "xmlsocket://app.example:9000", nil, false, match.NoPolicy,
			consulted{"xmlsocket://app.example:843 unused", "xmlsocket://app.example:9000 unused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{DialContext: site.DialContext, PolicyFiles: tt.policyFiles, SocketTimeout: 300 * time.Millisecond}
			req, err := match.NewRequest("http://app.example/a.swf", tt.target)
			require.NoError(t, err)
			start := time.Now()
			l, err := c.Decide(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, l.Decision.Allowed, l.Decision.String())
			assert.Equal(t, tt.code, l.Decision.Code, l.Decision.String())
			assert.Equal(t, tt.files, summary(l))
			assert.Less(t, time.Since(start), 2*time.Second)
		})
	}

	// Refused fails fast; silent costs the timeout.
	c := &Client{DialContext: site.DialContext, SocketTimeout: 500 * time.Millisecond}
	req, _ := match.NewRequest("http://app.example/a.swf", "xmlsocket://port.example:9000")
	start := time.Now()
	_, err := c.Decide(context.Background(), req)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 300*time.Millisecond, "a refused 843 falls through at once")
	req, _ = match.NewRequest("http://app.example/a.swf", "xmlsocket://silent.example:9000")
	start = time.Now()
	_, err = c.Decide(context.Background(), req)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 450*time.Millisecond, "a silent 843 costs the timeout")
}

func TestClientOneFetchPerSite(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{
		HTTP:    map[string]fakesite.Response{"http://open.example/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP}},
		Sockets: map[string]string{"open.example:843": openSocket},
	})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(3)
		for _, target := range []string{"http://open.example/a", "xmlsocket://open.example:9000", "http://closed.example/"} {
			go func() {
				defer wg.Done()
				req, _ := match.NewRequest("http://app.example/a.swf", target)
				_, err := c.Decide(context.Background(), req)
				assert.NoError(t, err)
			}()
		}
	}
	wg.Wait()
	assert.Equal(t, 1, site.Requests("http://open.example:80/crossdomain.xml"))
	assert.Equal(t, 1, site.Dials("open.example:843"))
	assert.Equal(t, 1, site.Dials("closed.example:80"), "denials are cached too")
}

// BenchmarkClientCached is the cost of a lookup once the session has the
// site's files, beside Decide on the same compiled policy (the goal: at
// most twice its time, one allocation), alone and from many goroutines at
// once (the cache must not serialise its readers).
func BenchmarkClientCached(b *testing.B) {
	site := fakesite.Start(b, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://open.example/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
	}})
	c := &Client{HTTPClient: site.Client()}
	req, _ := match.NewRequest("http://app.example/a.swf", "http://open.example/data")
	ctx := context.Background()
	l, err := c.Decide(ctx, req)
	if err != nil || !l.Decision.Allowed {
		b.Fatal(err, l.Decision)
	}
	readingtest.BenchClient(b, l.Files[0].Policy, req, c.Decide, c.DecideInto)
}

// TestClientCachedAllocs pins the one allocation of a cached decision:
// the answer itself.
func TestClientCachedAllocs(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://open.example/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
	}})
	c := &Client{HTTPClient: site.Client()}
	ctx := context.Background()
	for _, target := range []string{"http://open.example/data", "http://closed.example/data"} {
		req, err := match.NewRequest("http://app.example/a.swf", target)
		require.NoError(t, err)
		_, err = c.Decide(ctx, req)
		require.NoError(t, err)
		allocs := testing.AllocsPerRun(100, func() { _, _ = c.Decide(ctx, req) })
		assert.LessOrEqual(t, allocs, 1.0, target)
		var l match.Lookup
		allocs = testing.AllocsPerRun(100, func() { _ = c.DecideInto(ctx, req, &l) })
		assert.Zero(t, allocs, "DecideInto %s", target)
	}
}

// TestClientAmbiguousPolicyFile: a registered policy file whose URL a
// server may decode into another directory (an upload area serving a
// name with "%2f" in it) governs nothing: Flash Player's scope for it
// would rest on a path the server never used.
func TestClientAmbiguousPolicyFile(t *testing.T) {
	const sneaky = "http://victim.example/uploads/x%2f..%2f..%2fapi/crossdomain.xml"
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://victim.example/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: master("all")},
		sneaky:                                  {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://victim.example/api/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
	}})
	req, err := match.NewRequest("http://evil.example/x.swf", "http://victim.example/api/data")
	require.NoError(t, err)
	c := &Client{HTTPClient: site.Client(), PolicyFiles: []string{sneaky}}
	l, err := c.Decide(context.Background(), req)
	require.NoError(t, err)
	assert.False(t, l.Decision.Allowed, l.Decision.String())
	require.Len(t, l.Files, 2)
	assert.Equal(t, "does not grant (disabled)", l.Files[1].Note)
	pol, _, err := Parser{Kind: NonMaster}.Parse([]byte(openHTTP))
	require.NoError(t, err)
	loc, err := match.ParseTarget(sneaky)
	require.NoError(t, err)
	p := pol.Compile(CompileOptions{Location: loc})
	assert.Equal(t, `its location's path "/uploads/x%2f..%2f..%2fapi/crossdomain.xml" holds %2f, which servers decode differently, so the directory it governs is not known`, p.Disabled)

	// The same file at its plain URL governs /api/.
	c = &Client{HTTPClient: site.Client(), PolicyFiles: []string{"http://victim.example/api/crossdomain.xml"}}
	l, err = c.Decide(context.Background(), req)
	require.NoError(t, err)
	assert.True(t, l.Decision.Allowed, l.Decision.String())
}

// TestClientSurvey: a survey reads every file Flash Player consults for a
// site, those the meta-policy rules out included, and says of each what
// Flash Player made of it, with its model and compiled policy.
func TestClientSurvey(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://a.example/crossdomain.xml":     {Status: 200, ContentType: xcdp, Body: master("master-only")},
		"http://a.example/api/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://b.example/crossdomain.xml":     {Status: 200, ContentType: xcdp, Body: master("by-content-type")},
		"http://b.example/api/crossdomain.xml": {Status: 200, ContentType: "text/plain", Body: openHTTP},
		"http://b.example/v2/crossdomain.xml":  {Status: 200, ContentType: xcdp, Body: openHTTP},
		"http://c.example/crossdomain.xml":     {Status: 503},
	}, Sockets: map[string]string{"a.example:843": openSocket}})
	c := &Client{HTTPClient: site.Client(), DialContext: site.DialContext, PolicyFiles: []string{
		"http://a.example/api/crossdomain.xml", "http://b.example/api/crossdomain.xml", "http://b.example/v2/crossdomain.xml"}}
	ctx := context.Background()
	type got struct {
		URL         string
		Used, Extra bool
		Note        string
		Model       bool
		Unread      string
	}
	summarize := func(files []match.Consulted) []got {
		var out []got
		for _, f := range files {
			out = append(out, got{f.URL, f.Used, f.Extra, f.Note, f.Model != nil && f.Policy != nil, f.Unread})
		}
		return out
	}
	files, err := c.Survey(ctx, "http://a.example")
	require.NoError(t, err)
	assert.Equal(t, []got{
		{"http://a.example/crossdomain.xml", true, false, "the master policy (meta-policy master-only)", true, ""},
		{"http://a.example/api/crossdomain.xml", false, true, "Flash Player ignores this file: the meta-policy is master-only, so only the master counts", true, ""},
	}, summarize(files))
	assert.Equal(t, []string{xcdp}, files[0].Header["Content-Type"])

	files, err = c.Survey(ctx, "http://b.example")
	require.NoError(t, err)
	assert.Equal(t, []got{
		{"http://b.example/crossdomain.xml", true, false, "the master policy (meta-policy by-content-type)", true, ""},
		{"http://b.example/api/crossdomain.xml", false, false, `Flash Player ignores this file: served as "text/plain"; the meta-policy by-content-type admits only text/x-cross-domain-policy`, true, ""},
		{"http://b.example/v2/crossdomain.xml", true, false, "a policy file a caller may load (Security.loadPolicyFile), for /v2/ and below", true, ""},
	}, summarize(files))

	files, err = c.Survey(ctx, "http://c.example")
	require.NoError(t, err)
	assert.Equal(t, "status 503", files[0].Unread)
	assert.False(t, files[0].Used)

	files, err = c.Survey(ctx, "xmlsocket://a.example:843")
	require.NoError(t, err)
	assert.Equal(t, []got{{"xmlsocket://a.example:843", true, false, "the socket master policy", true, ""}}, summarize(files))
}

// TestClientReplay: once a Client has every file a lookup needs, it
// replays the walk it recorded for the target's origin instead of walking
// again. The answer, the files listed and their notes must be exactly the
// walk's, whichever request recorded the route.
func TestClientReplay(t *testing.T) {
	partner := `<cross-domain-policy><allow-access-from domain="*.partner.example"/></cross-domain-policy>`
	site := fakesite.Start(t, fakesite.Site{
		HTTP: map[string]fakesite.Response{
			"http://a.example/crossdomain.xml":     {Status: 200, ContentType: xcdp, Body: `<cross-domain-policy><site-control permitted-cross-domain-policies="all"/><allow-access-from domain="www.partner.example"/></cross-domain-policy>`},
			"http://a.example/api/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: partner},
			"http://a.example/pub/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
			"http://a.example/bad/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: "<nope"},
			"http://b.example/crossdomain.xml":     {Status: 200, ContentType: xcdp, Body: master("master-only")},
			"http://b.example/api/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
			"http://c.example/api/crossdomain.xml": {Status: 200, ContentType: xcdp, Body: openHTTP},
		},
		Sockets: map[string]string{
			"a.example:843":  `<cross-domain-policy><allow-access-from domain="www.partner.example" to-ports="9000"/></cross-domain-policy>` + "\x00",
			"a.example:9001": openSocket,
			"b.example:843":  master("master-only") + "\x00",
		},
	})
	files := []string{"http://a.example/api/crossdomain.xml", "http://a.example/pub/crossdomain.xml", "http://a.example/bad/crossdomain.xml",
		"http://b.example/api/crossdomain.xml", "http://c.example/api/crossdomain.xml", "xmlsocket://a.example:9001"}
	callers := []string{"http://www.partner.example/a.swf", "http://x.partner.example/a.swf", "http://evil.example/a.swf"}
	targets := []string{"http://a.example/x", "http://a.example/api/x", "http://a.example/pub/x", "http://a.example/bad/x",
		"http://b.example/api/x", "http://c.example/api/x", "xmlsocket://a.example:9000", "xmlsocket://a.example:9001", "xmlsocket://b.example:9000"}
	var reqs []match.Request
	for _, o := range callers {
		for _, tg := range targets {
			req, err := match.NewRequest(o, tg)
			require.NoError(t, err)
			reqs = append(reqs, req)
			withHeader := req
			withHeader.Headers = []string{"X-Custom"}
			reqs = append(reqs, withHeader)
		}
	}
	replaying := &Client{HTTPClient: site.Client(), DialContext: site.DialContext, PolicyFiles: files}
	walking := &Client{HTTPClient: site.Client(), DialContext: site.DialContext, PolicyFiles: files, walkOnly: true}
	ctx := context.Background()
	// Every order of recording: forward, backward, then forward again.
	order := append(append(append([]match.Request(nil), reqs...), reversed(reqs)...), reqs...)
	var into match.Lookup
	for i, req := range order {
		got, err := replaying.Decide(ctx, req)
		require.NoError(t, err)
		want, err := walking.Decide(ctx, req)
		require.NoError(t, err)
		if i < len(reqs) {
			continue // the first pass fetches: Cached differs
		}
		assert.Equal(t, lookupText(want), lookupText(got), "%s -> %s %v", req.Origin, req.Target, req.Headers)
		into.Files = append(into.Files, match.Consulted{URL: "left over"})
		require.NoError(t, replaying.DecideInto(ctx, req, &into))
		assert.Equal(t, lookupText(want), lookupText(&into), "DecideInto %s -> %s %v", req.Origin, req.Target, req.Headers)
	}
	assert.Equal(t, 2, site.Requests("http://a.example:80/crossdomain.xml"), "one fetch for each client")
	for _, tg := range targets {
		loc, err := match.ParseTarget(tg)
		require.NoError(t, err)
		_, ok := replaying.routes.Load(fetch.OriginOf(&loc))
		assert.True(t, ok, "no route recorded for %s", tg)
	}
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// lookupText is everything a Lookup says, as text.
func lookupText(l *match.Lookup) []string {
	out := []string{l.Decision.String(), l.Decision.Code.String()}
	for _, f := range l.Files {
		out = append(out, fmt.Sprintf("%s used=%v cached=%v extra=%v unread=%q err=%v policy=%v", f, f.Used, f.Cached, f.Extra, f.Unread, f.Err, f.Policy != nil))
	}
	return out
}
