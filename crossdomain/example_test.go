package crossdomain_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
)

// Build a policy in Go and write it; Marshal validates first.
func ExamplePolicy_Marshal() {
	pol := &crossdomain.Policy{
		Doctype:     true,
		SiteControl: []crossdomain.SiteControl{{PermittedCrossDomainPolicies: "master-only"}},
		AllowAccessFrom: []crossdomain.AllowAccessFrom{
			{Domain: "*.example.com"},
			{Domain: "partner.example.net", Secure: "false"},
		},
		AllowHTTPRequestHeadersFrom: []crossdomain.AllowHTTPRequestHeadersFrom{
			{Domain: "*.example.com", Headers: "SOAPAction"},
		},
	}
	if _, err := pol.WriteTo(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">
	// <cross-domain-policy>
	//   <site-control permitted-cross-domain-policies="master-only"/>
	//   <allow-access-from domain="*.example.com"/>
	//   <allow-access-from domain="partner.example.net" secure="false"/>
	//   <allow-http-request-headers-from domain="*.example.com" headers="SOAPAction"/>
	// </cross-domain-policy>
}

// Read a master policy as Flash Player did and judge HTTP requests.
func ExamplePolicy_Compile() {
	body := []byte(`<?xml version="1.0"?>
<cross-domain-policy>
  <allow-access-from domain="*.example.com"/>
  <allow-access-from domain="www.*.com"/>
</cross-domain-policy>`)
	pol, diags, err := crossdomain.Parse(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range diags {
		fmt.Println(d)
	}
	loc, _ := match.ParseTarget("https://api.example.org/crossdomain.xml")
	p := pol.Compile(crossdomain.CompileOptions{Location: loc})

	req, _ := match.NewRequest("https://www.example.com/app.swf", "https://api.example.org/feed.xml")
	fmt.Println(p.Decide(req))
	req, _ = match.NewRequest("http://www.example.com/app.swf", "https://api.example.org/feed.xml")
	fmt.Println(p.Decide(req))
	// Output:
	// 4:22: warning: domain "www.*.com" never matches: a wildcard is allowed only as "*" or a leading "*." label
	// allow: <allow-access-from domain="*.example.com"> at 3:3 in https://api.example.org/crossdomain.xml admits https://www.example.com/app.swf by "*.example.com" (3:3) and grants everything the file governs
	// deny: <allow-access-from domain="*.example.com"> at 3:3 in https://api.example.org/crossdomain.xml admits http://www.example.com only over HTTPS (secure)
}

// Judge a socket connection against the policy served on port 843; the
// NUL that ends the reply is read with it.
func ExampleParseSocket() {
	reply := []byte(`<cross-domain-policy>
  <allow-access-from domain="*" to-ports="507,516-523"/>
</cross-domain-policy>` + "\x00")
	pol, _, err := crossdomain.ParseSocket(reply)
	if err != nil {
		fmt.Println(err)
		return
	}
	loc, _ := match.ParseTarget("xmlsocket://socks.example.com:843")
	p := pol.Compile(crossdomain.CompileOptions{Location: loc})
	for _, port := range []string{"516", "843"} {
		req, _ := match.NewRequest("http://www.example.net/chat.swf", "xmlsocket://socks.example.com:"+port)
		fmt.Println(p.Decide(req))
	}
	// Output:
	// allow: <allow-access-from domain="*"> at 2:3 in xmlsocket://socks.example.com:843 admits http://www.example.net/chat.swf by "*" (2:3) and grants port 516 (to-ports="507,516-523")
	// deny: <allow-access-from domain="*"> at 2:3 in xmlsocket://socks.example.com:843 admits http://www.example.net/chat.swf but does not grant port 843 (it grants to-ports="507,516-523")
}

// The meta-policy: site-control and the response header, the stricter
// winning.
func ExampleStricter() {
	header, _ := crossdomain.ParseMetaPolicyHeader("by-content-type")
	siteControl, _ := crossdomain.ParseMetaPolicy("all")
	fmt.Println(crossdomain.Stricter(siteControl, header))
	// Output: by-content-type
}

// Decide as a Flash Player session did, fetching the master policy and the
// files the caller registered. Here one local test server answers for
// every host; leave HTTPClient nil to use the network.
func ExampleClient_Decide() {
	files := map[string]string{
		"/crossdomain.xml":     `<cross-domain-policy><site-control permitted-cross-domain-policies="by-content-type"/></cross-domain-policy>`,
		"/api/crossdomain.xml": `<cross-domain-policy><allow-access-from domain="*.example.net"/></cross-domain-policy>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/x-cross-domain-policy")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	toTestServer := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	c := &crossdomain.Client{
		HTTPClient:  &http.Client{Transport: &http.Transport{DialContext: toTestServer}},
		PolicyFiles: []string{"http://api.example.com/api/crossdomain.xml"}, // Security.loadPolicyFile
	}

	req, _ := match.NewRequest("http://www.example.net/app.swf", "http://api.example.com/api/feed.xml")
	l, err := c.Decide(context.Background(), req)
	if err != nil {
		panic(err)
	}
	for _, f := range l.Files {
		fmt.Println(f)
	}
	fmt.Println(l.Decision)
	// Output:
	// http://api.example.com/crossdomain.xml (status 200, text/x-cross-domain-policy): does not grant (no-caller)
	// http://api.example.com/api/crossdomain.xml (status 200, text/x-cross-domain-policy): grants
	// allow: <allow-access-from domain="*.example.net"> at 1:22 in http://api.example.com/api/crossdomain.xml admits http://www.example.net/app.swf by "*.example.net" (1:22) and grants everything the file governs
}

// A proxy that decides every request keeps one Lookup per goroutine and
// lets DecideInto fill it: once the Client has the site's files, deciding
// allocates nothing.
func ExampleClient_DecideInto() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/crossdomain.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/x-cross-domain-policy")
		fmt.Fprint(w, `<cross-domain-policy><allow-access-from domain="*.example.net"/></cross-domain-policy>`)
	}))
	defer srv.Close()
	toTestServer := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	c := &crossdomain.Client{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: toTestServer}}}

	var l match.Lookup // reused from request to request
	for _, caller := range []string{"http://www.example.net/app.swf", "http://evil.example/x.swf", "http://app.example.net/b.swf"} {
		req, _ := match.NewRequest(caller, "http://api.example.com/feed.xml")
		if err := c.DecideInto(context.Background(), req, &l); err != nil {
			panic(err)
		}
		fmt.Println(l.Decision.Allowed, l.Decision.Code, l.Files[0].Cached)
	}
	// Output:
	// true granted false
	// false no-caller true
	// true granted true
}
