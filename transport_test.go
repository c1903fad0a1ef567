package xdpolicy

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
)

// TestTransport: the Transport sends what the runtime would have sent,
// and refuses the rest with the decision, hop by hop.
func TestTransport(t *testing.T) {
	const silverPolicy = `<access-policy><cross-domain-access><policy>
<allow-from http-request-headers="X-Api-Key"><domain uri="https://app.example.net"/></allow-from>
<grant-to><resource path="/data" include-subpaths="true"/></grant-to>
</policy></cross-domain-access></access-policy>`
	data := fakesite.Response{Status: 200, ContentType: "text/plain", Body: "data"}
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"https://api.example.com/clientaccesspolicy.xml": {Status: 200, ContentType: "text/xml", Body: silverPolicy},
		"https://api.example.com/data/feed":              data,
		"https://api.example.com/private":                data,
		"https://api.example.com/data/away":              {Status: 302, Headers: map[string]string{"Location": "https://other.example/data/feed"}},
		"https://other.example/data/feed":                data,
		"https://app.example.net/own":                    data,
	}})
	tr := &Transport{Runtime: Silverlight, Origin: "https://app.example.net/app.xap", Base: site.Client().Transport}
	client := &http.Client{Transport: tr}
	get := func(u string, headers ...string) (string, error) {
		req, err := http.NewRequest("GET", u, nil)
		require.NoError(t, err)
		for _, h := range headers {
			req.Header.Set(h, "1")
		}
		res, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b), nil
	}
	denied := func(t *testing.T, err error, code match.Code) {
		t.Helper()
		var d *DeniedError
		if assert.True(t, errors.As(err, &d), "%v", err) {
			assert.Equal(t, code, d.Decision.Code, d.Decision.String())
			assert.False(t, d.Decision.Allowed)
		}
	}

	body, err := get("https://api.example.com/data/feed")
	require.NoError(t, err)
	assert.Equal(t, "data", body)
	_, err = get("https://api.example.com/data/feed", "X-Api-Key")
	assert.NoError(t, err, "a granted header")
	_, err = get("https://api.example.com/data/feed", "X-Other")
	denied(t, err, match.HeaderNotAllowed)
	_, err = get("https://api.example.com/private")
	denied(t, err, match.NotGranted)
	_, err = get("https://api.example.com/data/away")
	denied(t, err, match.NoPolicy) // the redirect's hop to a site without a policy
	body, err = get("https://app.example.net/own")
	require.NoError(t, err, "same origin needs no policy")
	assert.Equal(t, "data", body)

	assert.Equal(t, 1, site.Requests("https://api.example.com:443/clientaccesspolicy.xml"), "the lookup is cached for the session")
	assert.Zero(t, site.Requests("https://api.example.com:443/private"), "a denied request is never sent")

	bad := &Transport{Runtime: Flash, Origin: "not a url", Base: site.Client().Transport}
	_, err = (&http.Client{Transport: bad}).Get("https://api.example.com/data/feed")
	assert.ErrorContains(t, err, "Transport.Origin")
}

// BenchmarkTransport is the cost of a request through the Transport once
// the lookup is cached, beside the same request through its base
// transport, over loopback.
func BenchmarkTransport(b *testing.B) {
	site := fakesite.Start(b, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://api.example.com/crossdomain.xml": {Status: 200, ContentType: "text/x-cross-domain-policy", Body: `<cross-domain-policy><allow-access-from domain="*.example.net"/></cross-domain-policy>`},
		"http://api.example.com/data":            {Status: 200, ContentType: "text/plain", Body: "data"},
	}})
	base := site.Client().Transport
	tr := &Transport{Runtime: Flash, Origin: "http://app.example.net/a.swf", Base: base}
	for _, c := range []struct {
		name string
		rt   http.RoundTripper
	}{{"base", base}, {"transport", tr}} {
		client := &http.Client{Transport: c.rt}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := client.Get("http://api.example.com/data")
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}

// TestTransportRedirectReferer: the Referer http.Client adds on a
// redirect's hop is not the content's header; a body is closed when the
// request is refused.
func TestTransportRedirectReferer(t *testing.T) {
	site := fakesite.Start(t, fakesite.Site{HTTP: map[string]fakesite.Response{
		"http://api.example.com/crossdomain.xml": {Status: 200, ContentType: "text/x-cross-domain-policy", Body: `<cross-domain-policy><allow-access-from domain="*.example.net"/></cross-domain-policy>`},
		"http://api.example.com/old":             {Status: 302, Headers: map[string]string{"Location": "/new"}},
		"http://api.example.com/new":             {Status: 200, ContentType: "text/plain", Body: "new"},
	}})
	client := &http.Client{Transport: &Transport{Runtime: Flash, Origin: "http://app.example.net/a.swf", Base: site.Client().Transport}}
	res, err := client.Get("http://api.example.com/old")
	require.NoError(t, err, "Flash Player never sent a Referer, but the client's own on a redirect is not the content's")
	res.Body.Close()

	body := &closeCounter{Reader: strings.NewReader("x")}
	req, err := http.NewRequest("POST", "http://api.example.com/new", body)
	require.NoError(t, err)
	req.Header.Set("X-Refused", "1")
	_, err = client.Do(req)
	var d *DeniedError
	require.True(t, errors.As(err, &d), "%v", err)
	assert.True(t, body.closed, "the body of a refused request is closed")
}

type closeCounter struct {
	io.Reader
	closed bool
}

func (c *closeCounter) Close() error { c.closed = true; return nil }
