package xdpolicy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/match"
)

// Read the same bytes as each runtime would. Silverlight honours a
// crossdomain.xml only when it opens the whole site to everyone; the
// draft's client does not read it at all.
func ExampleRead() {
	body := []byte(`<cross-domain-policy><allow-access-from domain="*.example.com"/></cross-domain-policy>`)
	req, _ := match.NewRequest("http://www.example.com/app", "http://api.example.com/feed")
	for _, rt := range xdpolicy.Runtimes {
		rd, err := xdpolicy.Read(rt, body, xdpolicy.ReadOptions{Name: "crossdomain.xml"})
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s reads it as %s: %s\n", rt.Name(), rd.Format, rd.Decide(req))
	}
	// Output:
	// Flash Player reads it as crossdomain: allow: <allow-access-from domain="*.example.com"> at 1:22 in crossdomain.xml admits http://www.example.com/app by "*.example.com" (1:22) and grants everything the file governs
	// Silverlight reads it as crossdomain: deny: no rule in crossdomain.xml admits http://www.example.com/app (it admits no caller at all; it ignores <allow-access-from domain="*.example.com"> at 1:22, which Silverlight never uses: it honours crossdomain.xml only for domain="*")
	// the Mozilla draft's client reads it as mozpolicy: deny: no rule in crossdomain.xml admits http://www.example.com/app (it admits no caller at all)
}

// Tell a file's format from its root element, or failing that its name.
func ExampleDetect() {
	f, _ := xdpolicy.Detect([]byte("<?xml version=\"1.0\"?>\n<!-- <cross-domain-policy> -->\n<access-policy/>"), "policy.xml")
	fmt.Println(f, f.Runtime())
	f, _ = xdpolicy.Detect([]byte("<<< not XML"), "/srv/www/crossdomain.xml")
	fmt.Println(f, f.Runtime())
	_, err := xdpolicy.Detect([]byte("<html/>"), "index.html")
	fmt.Println(err)
	// Output:
	// clientaccess silverlight
	// crossdomain flash
	// root element <html> is not a policy file's, and the name "index.html" is not one the runtimes look for
}

// Look the policy files up as Flash Player did, here against a local test
// server standing in for the target site.
func ExampleNewClient() {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/crossdomain.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/x-cross-domain-policy")
		fmt.Fprint(w, `<cross-domain-policy><allow-access-from domain="app.example.com"/></cross-domain-policy>`)
	}))
	defer site.Close()

	c, err := xdpolicy.NewClient(xdpolicy.Flash, xdpolicy.ClientOptions{HTTPClient: site.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, caller := range []string{"http://app.example.com/a.swf", "http://evil.example/a.swf"} {
		req, _ := match.NewRequest(caller, site.URL+"/feed.xml")
		l, err := c.Decide(context.Background(), req)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(caller, l.Decision.Allowed, l.Decision.Code, len(l.Files), "file consulted")
	}
	// Output:
	// http://app.example.com/a.swf true granted 1 file consulted
	// http://evil.example/a.swf false no-caller 1 file consulted
}

// Make requests as Silverlight content would: the Transport looks the
// policy up first and refuses what Silverlight refused. Here one local test
// server answers for every host.
func ExampleTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/clientaccesspolicy.xml" {
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, `<access-policy><cross-domain-access><policy><allow-from><domain uri="*"/></allow-from>`+
				`<grant-to><resource path="/public" include-subpaths="true"/></grant-to></policy></cross-domain-access></access-policy>`)
			return
		}
		fmt.Fprint(w, "content of "+r.URL.Path)
	}))
	defer srv.Close()
	toTestServer := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	client := &http.Client{Transport: &xdpolicy.Transport{
		Runtime: xdpolicy.Silverlight,
		Origin:  "http://app.example.net/app.xap",
		Base:    &http.Transport{DialContext: toTestServer},
	}}
	for _, u := range []string{"http://api.example.com/public/feed", "http://api.example.com/private"} {
		res, err := client.Get(u)
		var denied *xdpolicy.DeniedError
		switch {
		case errors.As(err, &denied):
			fmt.Println("refused:", denied.Decision.Code)
		case err != nil:
			fmt.Println(err)
		default:
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			fmt.Println(string(b))
		}
	}
	// Output:
	// content of /public/feed
	// refused: not-granted
}
