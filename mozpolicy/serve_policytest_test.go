package mozpolicy_test

import (
	"net/http"
	"testing"

	"github.com/xdpolicy/xdpolicy/mozpolicy"
	"github.com/xdpolicy/xdpolicy/policytest"
)

// The serving side checked with policytest, as another project would.
func TestServingWithPolicytest(t *testing.T) {
	root, err := mozpolicy.NewRawHandler([]byte(`<cross-domain-policy><allow from="*.example.com" to="public/"/></cross-domain-policy>`), nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/"+mozpolicy.FileName, root)
	policytest.HandlerAllows(t, mux, policytest.Mozilla, "http://app.example.com/", "http://api.example.org/public/feed.xml")
	policytest.HandlerDenies(t, mux, policytest.Mozilla, "http://app.example.com/", "http://api.example.org/private/feed.xml")
	policytest.HandlerDenies(t, mux, policytest.Mozilla, "http://app.example.net/", "http://api.example.org/public/feed.xml")
}
