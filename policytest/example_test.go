package policytest_test

import (
	"testing"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/policytest"
)

// This is how a test of another project uses the package: it serves the
// site's policy files and asks what each runtime would allow. (An Example
// has no *testing.T, so this one is compiled but not run; the package's
// own tests run the same calls.)
func ExampleServe() {
	TestPolicies := func(t *testing.T) {
		site := policytest.Serve(t, policytest.Config{
			Files: map[string]string{
				"/crossdomain.xml": `<cross-domain-policy>
					<site-control permitted-cross-domain-policies="master-only"/>
					<allow-access-from domain="app.example.net"/>
				</cross-domain-policy>`,
			},
			Header: "master-only",
		})
		site.Allowed(t, policytest.Flash, "https://app.example.net/app.swf", site.URL+"/api/feed")
		site.Denied(t, policytest.Flash, "https://evil.example/app.swf", site.URL+"/api/feed")
		site.Denied(t, policytest.Silverlight, "https://app.example.net/app.xap", site.URL+"/api/feed")
	}
	_ = TestPolicies
}

// A test can also check the handler it serves in production, without
// standing up a site of its own.
func ExampleHandlerAllows() {
	TestHandler := func(t *testing.T) {
		pol := &crossdomain.Policy{AllowAccessFrom: []crossdomain.AllowAccessFrom{{Domain: "app.example.net"}}}
		h, err := crossdomain.NewHandler(pol, nil)
		if err != nil {
			t.Fatal(err)
		}
		policytest.HandlerAllows(t, h, policytest.Flash, "https://app.example.net/app.swf", "https://api.example.com/feed")
		policytest.HandlerDenies(t, h, policytest.Flash, "https://evil.example/app.swf", "https://api.example.com/feed")
	}
	_ = TestHandler
}

// TestExampleCalls runs the calls the examples show, so they stay true.
func TestExampleCalls(t *testing.T) {
	site := policytest.Serve(t, policytest.Config{
		Files: map[string]string{
			"/crossdomain.xml": `<cross-domain-policy>
				<site-control permitted-cross-domain-policies="master-only"/>
				<allow-access-from domain="app.example.net"/>
			</cross-domain-policy>`,
		},
		Header: "master-only",
	})
	site.Allowed(t, policytest.Flash, "https://app.example.net/app.swf", site.URL+"/api/feed")
	site.Denied(t, policytest.Flash, "https://evil.example/app.swf", site.URL+"/api/feed")
	site.Denied(t, policytest.Silverlight, "https://app.example.net/app.xap", site.URL+"/api/feed")

	pol := &crossdomain.Policy{AllowAccessFrom: []crossdomain.AllowAccessFrom{{Domain: "app.example.net"}}}
	h, err := crossdomain.NewHandler(pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	policytest.HandlerAllows(t, h, policytest.Flash, "https://app.example.net/app.swf", "https://api.example.com/feed")
	policytest.HandlerDenies(t, h, policytest.Flash, "https://evil.example/app.swf", "https://api.example.com/feed")
}
