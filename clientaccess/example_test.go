package clientaccess_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/match"
)

// Read a file as Silverlight did: what it dropped comes back as warnings
// with line and column.
func ExampleParse() {
	body := []byte(`<?xml version="1.0" encoding="utf-8"?>
<access-policy>
  <cross-domain-access>
    <policy>
      <allow-from>
        <domain url="*"/>
      </allow-from>
      <grant-to>
        <resource path="/" include-subpaths="true"/>
      </grant-to>
    </policy>
  </cross-domain-access>
</access-policy>`)
	_, diags, err := clientaccess.Parse(body)
	fmt.Println("rejected:", err != nil)
	for _, d := range diags {
		fmt.Println(d)
	}
	// Output:
	// rejected: false
	// 6:9: warning: <domain> has no uri attribute, so it admits no caller
	// 6:17: warning: attribute url on <domain> is not part of the format; Silverlight ignores it (did you mean uri?)
}

// A file Silverlight rejects whole gives an error that says where.
func ExampleParse_rejected() {
	_, _, err := clientaccess.Parse([]byte(`<access-policy>
  <cross-domain-access>
    <policy>
      <allow-from><domain uri="*"/></allow-from>
      <grant-to><resource path="/" include-subpaths="yes"/></grant-to>
    </policy>
  </cross-domain-access>
</access-policy>`))
	fmt.Println(err)
	// Output: 5:36: include-subpaths="yes" is not true, false, 1 or 0; Silverlight rejects the file
}

// Compile a file and judge requests against it.
func ExamplePolicy_Compile() {
	pol, _, err := clientaccess.Parse([]byte(`<access-policy>
  <cross-domain-access>
    <policy>
      <allow-from http-request-headers="SOAPAction">
        <domain uri="https://*.example.com"/>
      </allow-from>
      <grant-to>
        <resource path="/services" include-subpaths="true"/>
      </grant-to>
    </policy>
  </cross-domain-access>
</access-policy>`))
	if err != nil {
		panic(err)
	}
	p := pol.Compile(clientaccess.CompileOptions{Source: "clientaccesspolicy.xml"})

	req, _ := match.NewRequest("https://app.example.com/app.xap", "https://api.example.org/services/feed")
	req.Method, req.Headers = "POST", []string{"SOAPAction"}
	fmt.Println(p.Decide(req))

	req, _ = match.NewRequest("http://app.example.com/app.xap", "https://api.example.org/services/feed")
	fmt.Println(p.Decide(req))

	req, _ = match.NewRequest("https://app.example.com/app.xap", "https://api.example.org/services/a%20b")
	fmt.Println(p.Decide(req))
	// Output:
	// allow: <policy> at 3:5 in clientaccesspolicy.xml admits https://app.example.com/app.xap by "https://*.example.com" (5:9) and grants <resource path="/services" include-subpaths="true"> (8:9)
	// deny: no rule in clientaccesspolicy.xml admits http://app.example.com/app.xap (<policy> at 3:5 admits its host by "https://*.example.com" at 5:9, but only over https, not http)
	// deny: <policy> at 3:5 in clientaccesspolicy.xml grants /services/a%20b by <resource path="/services" include-subpaths="true"> (8:9), but the raw path contains "%", which the path-character rule forbids
}

// Build a policy in Go and write it; Marshal validates first.
func ExamplePolicy_Marshal() {
	pol := &clientaccess.Policy{CrossDomainAccess: []clientaccess.CrossDomainAccess{{
		Policies: []clientaccess.Rule{{
			AllowFrom: []clientaccess.AllowFrom{{
				HTTPRequestHeaders: "Content-Type, X-Token",
				Domains:            []clientaccess.Domain{{URI: "https://app.example.net"}},
			}},
			GrantTo: []clientaccess.GrantTo{{
				Resources:       []clientaccess.Resource{{Path: "/api", IncludeSubpaths: true}},
				SocketResources: []clientaccess.SocketResource{{Port: match.PortRange{Lo: 4502, Hi: 4502}}},
			}},
		}},
	}}}
	if _, err := pol.WriteTo(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// <?xml version="1.0" encoding="utf-8"?>
	// <access-policy>
	//   <cross-domain-access>
	//     <policy>
	//       <allow-from http-request-headers="Content-Type, X-Token">
	//         <domain uri="https://app.example.net"/>
	//       </allow-from>
	//       <grant-to>
	//         <resource path="/api" include-subpaths="true"/>
	//         <socket-resource port="4502" protocol="tcp"/>
	//       </grant-to>
	//     </policy>
	//   </cross-domain-access>
	// </access-policy>
}

// Silverlight falls back to crossdomain.xml, which it honours only when it
// opens the whole site to every caller.
func ExampleParseCrossDomain() {
	pol, _, err := clientaccess.ParseCrossDomain([]byte(`<?xml version="1.0"?>
<cross-domain-policy>
  <allow-access-from domain="*" secure="false"/>
</cross-domain-policy>`))
	if err != nil {
		panic(err)
	}
	p := clientaccess.CompileCrossDomain(pol, clientaccess.CompileOptions{Source: "crossdomain.xml"})
	req, _ := match.NewRequest("http://app.example.net/app.xap", "https://api.example.com/anything")
	fmt.Println(p.Decide(req))
	// Output:
	// allow: <allow-access-from domain="*"> at 3:3 in crossdomain.xml admits http://app.example.net/app.xap by "*" (3:3) and grants the whole site
}

// Decide as a Silverlight session did, fetching the policy files. Here the
// "network" is one local test server that answers for every host; point
// HTTPClient and DialContext at the real network (or leave them nil) in
// use.
func ExampleClient_Decide() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/clientaccesspolicy.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<access-policy><cross-domain-access><policy>
  <allow-from><domain uri="https://*.example.net"/></allow-from>
  <grant-to><resource path="/api" include-subpaths="true"/></grant-to>
</policy></cross-domain-access></access-policy>`)
	}))
	defer srv.Close()
	toTestServer := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	c := &clientaccess.Client{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: toTestServer}}}

	req, _ := match.NewRequest("https://app.example.net/app.xap", "http://api.example.com/api/feed")
	l, err := c.Decide(context.Background(), req)
	if err != nil {
		panic(err)
	}
	for _, f := range l.Files {
		fmt.Println(f)
	}
	fmt.Println(l.Decision)
	// Output:
	// http://api.example.com/clientaccesspolicy.xml (status 200, text/xml): grants
	// allow: <policy> at 1:37 in http://api.example.com/clientaccesspolicy.xml admits https://app.example.net/app.xap by "https://*.example.net" (2:15) and grants <resource path="/api" include-subpaths="true"> (3:13)
}
