package mozpolicy

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
	"github.com/xdpolicy/xdpolicy/match"
)

// A root file that delegates /service/ to the file there, both served by
// handlers, as the draft's client finds them.
func TestHandlersWithClient(t *testing.T) {
	root, err := NewHandler(&Policy{Namespace: Namespace, Allow: []Allow{
		{From: "*.example.com", To: "service/", Delegate: "true"},
	}}, nil)
	require.NoError(t, err)
	service, err := NewRawHandler([]byte(`<cross-domain-policy><allow from="app.example.com" type="xml"/></cross-domain-policy>`), nil)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/cross-domain-policy.xml", root)
	mux.Handle("/service/cross-domain-policy.xml", service)
	site := fakesite.Start(t, fakesite.Site{Handlers: map[string]http.Handler{"http://api.example.com": mux}})
	c := &Client{HTTPClient: site.Client()}
	for _, tt := range []struct {
		caller, target, typ string
		allowed             bool
	}{
		{"http://app.example.com/", "http://api.example.com/service/feed.xml", TypeXML, true},
		{"http://app.example.com/", "http://api.example.com/service/feed.xml", TypeLoad, false},
		{"http://www.example.com/", "http://api.example.com/service/feed.xml", TypeXML, false},
		{"http://app.example.com/", "http://api.example.com/other.xml", TypeXML, false},
	} {
		req, err := match.NewRequest(tt.caller, tt.target)
		require.NoError(t, err)
		req.Type = tt.typ
		res, err := c.Decide(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, tt.allowed, res.Decision.Allowed, "%s -> %s (%s): %s", tt.caller, tt.target, tt.typ, res.Decision)
	}
}

func TestHandlerChecks(t *testing.T) {
	_, err := NewRawHandler([]byte(`<cross-domain-policy xmlns="urn:other"/>`), nil)
	assert.ErrorContains(t, err, "the draft's client would reject this policy")
	_, err = NewHandler(&Policy{Allow: []Allow{{Type: "bogus"}}}, nil)
	assert.Error(t, err)
}
