package xdpolicy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// serve starts the servers a fetch vector describes, on loopback.
func serve(t *testing.T, v Vector) *fakesite.Server {
	site := fakesite.Site{HTTP: map[string]fakesite.Response{}, Sockets: v.Sockets}
	for u, r := range v.HTTP {
		site.HTTP[u] = fakesite.Response{Status: r.Status, ContentType: r.ContentType, Headers: r.Headers, Body: r.Body}
	}
	return fakesite.Start(t, site)
}

func request(t *testing.T, v Vector) match.Request {
	req, err := match.NewRequest(v.Origin, v.Target)
	require.NoError(t, err)
	req.Method, req.Headers, req.Type = v.Method, v.Headers, v.Type
	return req
}

func verdict(l *match.Lookup) string {
	if l.Decision.Allowed {
		return "allow"
	}
	return "deny"
}

func trail(l *match.Lookup) string {
	var s []string
	for _, f := range l.Files {
		s = append(s, f.String())
	}
	return fmt.Sprintf("%s\nfiles:\n  %s", l.Decision, strings.Join(s, "\n  "))
}

// TestMozillaLookupConformance runs every mozilla.json vector through
// mozpolicy.Client against loopback servers holding the vector's files.
func TestMozillaLookupConformance(t *testing.T) {
	for _, v := range loadVectors(t, "mozilla.json") {
		t.Run(v.Name, func(t *testing.T) {
			site := serve(t, v)
			c := &mozpolicy.Client{HTTPClient: site.Client()}
			l, err := c.Decide(context.Background(), request(t, v))
			require.NoError(t, err)
			assert.Equal(t, v.Expect, verdict(l), trail(l))
			require.NotEmpty(t, l.Files)
		})
	}
}

// TestFlashLookupConformance runs every flash.json vector through
// crossdomain.Client against loopback servers holding the vector's files.
func TestFlashLookupConformance(t *testing.T) {
	for _, v := range loadVectors(t, "flash.json") {
		t.Run(v.Name, func(t *testing.T) {
			site := serve(t, v)
			c := &crossdomain.Client{HTTPClient: site.Client(), DialContext: site.DialContext, PolicyFiles: v.PolicyFiles, SocketTimeout: time.Second}
			l, err := c.Decide(context.Background(), request(t, v))
			require.NoError(t, err)
			assert.Equal(t, v.Expect, verdict(l), trail(l))
			t.Log(trail(l))
		})
	}
}
