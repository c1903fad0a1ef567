package mozpolicy_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing/fstest"

	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// Decide a request as the draft's client did: the site's root file
// delegates the users' directories to files of their own, and the
// Resolver follows the chain through a FetchFunc (here a file tree in
// memory; mozpolicy.FS(os.DirFS(root)) reads a real one).
func ExampleResolver_Decide() {
	site := fstest.MapFS{
		"cross-domain-policy.xml": {Data: []byte(`<cross-domain-policy xmlns="http://somedomain/2005/cross-domain-policy">
  <allow type="xml" from="*.foo.com" delegate="true"/>
</cross-domain-policy>`)},
		"users/cross-domain-policy.xml":       {Data: []byte(`<cross-domain-policy><allow delegate="true"/></cross-domain-policy>`)},
		"users/alice/cross-domain-policy.xml": {Data: []byte(`<cross-domain-policy><allow from="bar.foo.com"/></cross-domain-policy>`)},
	}
	r := &mozpolicy.Resolver{Fetch: mozpolicy.FS(site)}

	req, _ := match.NewRequest("http://bar.foo.com/page.html", "http://www.company.com/users/alice/feed.xml")
	req.Type = mozpolicy.TypeXML
	res, err := r.Decide(context.Background(), req)
	if err != nil {
		panic(err)
	}
	for _, s := range res.Steps {
		fmt.Println(s.URL, s.Decision.Code)
	}
	fmt.Println(res.Decision)

	req, _ = match.NewRequest("http://bar.foo.com/page.html", "http://www.company.com/users/bob/feed.xml")
	req.Type = mozpolicy.TypeXML
	res, _ = r.Decide(context.Background(), req)
	fmt.Println(res.Decision)
	// Output:
	// http://www.company.com/cross-domain-policy.xml delegated
	// http://www.company.com/users/cross-domain-policy.xml delegated
	// http://www.company.com/users/alice/cross-domain-policy.xml granted
	// allow: <allow from="bar.foo.com"> at 1:22 in http://www.company.com/users/alice/cross-domain-policy.xml admits http://bar.foo.com/page.html by "bar.foo.com" and grants everything the file governs
	// deny: http://www.company.com/users/bob/cross-domain-policy.xml is missing, and <allow delegate="true"> at 1:22 of http://www.company.com/users/cross-domain-policy.xml delegated the decision to it; the draft's client then denies
}

// Judge a request against one file alone. A delegating rule answers
// Delegated and names the file that decides instead.
func ExamplePolicy_Compile() {
	b, _ := os.ReadFile("../testdata/examples/cross-domain-policy.xml")
	pol, _, err := mozpolicy.Parse(b)
	if err != nil {
		panic(err) // the client rejects the file whole
	}
	loc, _ := match.ParseTarget("https://www.example.org/cross-domain-policy.xml")
	p := pol.Compile(mozpolicy.CompileOptions{Location: loc})

	for _, q := range []struct{ origin, target, typ string }{
		{"https://anyone.example/page.html", "https://www.example.org/feeds/news.xml", mozpolicy.TypeLoad},
		{"https://anyone.example/page.html", "https://www.example.org/feeds/news.xml", mozpolicy.TypeSave},
		{"https://anyone.example/page.html", "https://www.example.org/users/alice/feed.xml", mozpolicy.TypeLoad},
	} {
		req, _ := match.NewRequest(q.origin, q.target)
		req.Type = q.typ
		fmt.Println(p.Decide(req))
	}
	// Output:
	// allow: <allow type="load" from="*" to="feeds/"> at 4:3 in https://www.example.org/cross-domain-policy.xml admits https://anyone.example/page.html by "*" and grants to="feeds/" (/feeds/ and below)
	// deny: <allow type="load" from="*" to="feeds/"> at 4:3 in https://www.example.org/cross-domain-policy.xml admits https://anyone.example/page.html but not type save (it admits load)
	// deny: <allow from="*" to="users/" delegate="true"> at 8:3 in https://www.example.org/cross-domain-policy.xml admits https://anyone.example/page.html by "*" but delegates the decision to https://www.example.org/users/cross-domain-policy.xml, the next file toward https://www.example.org/users/alice/feed.xml; without that file's leave the request is denied
}

// Read a file with the strict reading, which reports every deviation from
// the draft with its line and column.
func ExampleParseStrict() {
	_, diags, err := mozpolicy.ParseStrict([]byte(`<cross-domain-policy>
  <allow type="SOAP" from="*.*.example"/>
  <allow to="../admin/" delegate="yes"/>
</cross-domain-policy>`))
	for _, d := range diags {
		fmt.Println(d)
	}
	fmt.Println(err != nil)
	// Output:
	// 2:10: error: type "SOAP" is not any, xml, soap, load or save (case-sensitive); this <allow> matches no request (did you mean soap?)
	// 2:22: error: from "*.*.example" never matches: a wildcard is allowed only as one whole leading "*." label; this <allow> matches no caller
	// 3:10: error: to "../admin/" never matches: it climbs out of the policy file's directory with ".."; this <allow> matches no target
	// 3:25: error: delegate "yes" is neither true nor false; this <allow> matches nothing
	// true
}

// Build a policy in Go and write it.
func ExamplePolicy_Marshal() {
	pol := &mozpolicy.Policy{
		Namespace: mozpolicy.Namespace,
		Allow: []mozpolicy.Allow{
			{Type: mozpolicy.TypeLoad, From: "*", To: "feeds/"},
			{Type: mozpolicy.TypeXML, From: "*.partner.example", Delegate: "true"},
		},
	}
	b, err := pol.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Print(string(b))
	// Output:
	// <?xml version="1.0" encoding="utf-8"?>
	// <cross-domain-policy xmlns="http://somedomain/2005/cross-domain-policy">
	//   <allow type="load" from="*" to="feeds/"/>
	//   <allow type="xml" from="*.partner.example" delegate="true"/>
	// </cross-domain-policy>
}

// Decide over HTTP as the draft's client did. Here one local test server
// answers for every host; leave HTTPClient nil to use the network.
func ExampleClient_Decide() {
	files := map[string]string{
		"/cross-domain-policy.xml":      `<cross-domain-policy><allow from="*.foo.com" delegate="true"/></cross-domain-policy>`,
		"/shop/cross-domain-policy.xml": `<cross-domain-policy><allow type="load" from="bar.foo.com"/></cross-domain-policy>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	toTestServer := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	c := &mozpolicy.Client{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: toTestServer}}}

	req, _ := match.NewRequest("http://bar.foo.com/page.html", "http://www.company.com/shop/items.xml")
	req.Type = mozpolicy.TypeLoad
	l, err := c.Decide(context.Background(), req)
	if err != nil {
		panic(err)
	}
	for _, f := range l.Files {
		fmt.Println(f)
	}
	fmt.Println(l.Decision.Allowed, l.Decision.Code)
	// Output:
	// http://www.company.com/cross-domain-policy.xml (status 200, text/xml): delegates to http://www.company.com/shop/cross-domain-policy.xml
	// http://www.company.com/shop/cross-domain-policy.xml (status 200, text/xml): grants
	// true granted
}
