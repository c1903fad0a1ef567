package clientaccess_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/match"
)

var sockets = &clientaccess.Policy{CrossDomainAccess: []clientaccess.CrossDomainAccess{{Policies: []clientaccess.Rule{{
	AllowFrom: []clientaccess.AllowFrom{{Domains: []clientaccess.Domain{{URI: "*"}}}},
	GrantTo: []clientaccess.GrantTo{{
		SocketResources: []clientaccess.SocketResource{{Port: match.PortRange{Lo: 4502, Hi: 4506}}},
	}},
}}}}}

// Silverlight's socket policy server, which it asks on port 943 before
// opening a socket to ports 4502-4534. In production:
// srv.ListenAndServe(":943"), or a high port that 943 is redirected to.
func ExampleSocketServer() {
	srv := &clientaccess.SocketServer{Policy: sockets}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // ":943" in production
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	// What Silverlight does: send <policy-file-request/>, read until the
	// server closes.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "<policy-file-request/>")
	reply, _ := io.ReadAll(c)
	fmt.Printf("%s", reply)
	// Output:
	// <?xml version="1.0" encoding="utf-8"?>
	// <access-policy>
	//   <cross-domain-access>
	//     <policy>
	//       <allow-from>
	//         <domain uri="*"/>
	//       </allow-from>
	//       <grant-to>
	//         <socket-resource port="4502-4506" protocol="tcp"/>
	//       </grant-to>
	//     </policy>
	//   </cross-domain-access>
	// </access-policy>
}

// Serve /clientaccesspolicy.xml from an application's mux.
func ExampleNewHandler() {
	h, err := clientaccess.NewHandler(sockets, nil)
	if err != nil {
		log.Fatal(err) // the policy does not validate
	}
	mux := http.NewServeMux()
	mux.Handle("/clientaccesspolicy.xml", h)

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/clientaccesspolicy.xml", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("POST", "/clientaccesspolicy.xml", nil))
	fmt.Println(w.Code, w.Header().Get("Allow"))
	// Output:
	// 200 text/xml no-cache
	// 405 GET, HEAD
}
