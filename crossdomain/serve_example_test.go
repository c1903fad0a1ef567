package crossdomain_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/xdpolicy/xdpolicy/crossdomain"
)

// Serve /crossdomain.xml from an application's mux, and send
// X-Permitted-Cross-Domain-Policies on every response of the site.
func ExampleNewHandler() {
	h, err := crossdomain.NewHandler(&crossdomain.Policy{
		SiteControl:     []crossdomain.SiteControl{{PermittedCrossDomainPolicies: "master-only"}},
		AllowAccessFrom: []crossdomain.AllowAccessFrom{{Domain: "*.example.com"}},
	}, nil)
	if err != nil {
		log.Fatal(err) // the policy does not validate
	}
	mux := http.NewServeMux()
	mux.Handle("/crossdomain.xml", h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app") })
	srv := httptest.NewServer(crossdomain.MetaPolicyHandler(mux, crossdomain.PermitMasterOnly))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/crossdomain.xml")
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.Status)
	fmt.Println("Content-Type:", res.Header.Get("Content-Type"))
	fmt.Println("Cache-Control:", res.Header.Get("Cache-Control"))
	fmt.Println("X-Permitted-Cross-Domain-Policies:", res.Header.Get("X-Permitted-Cross-Domain-Policies"))
	// Output:
	// 200 OK
	// Content-Type: text/x-cross-domain-policy
	// Cache-Control: no-cache
	// X-Permitted-Cross-Domain-Policies: master-only
}

// A dedicated socket policy server, the socket master Flash Player asks
// on port 843 before it opens any socket to the host. In production:
// srv.ListenAndServe(":843"), or a high port that 843 is redirected to.
func ExampleSocketServer() {
	srv := &crossdomain.SocketServer{
		Raw: []byte(`<cross-domain-policy>
  <allow-access-from domain="*.example.com" to-ports="5000-5010"/>
</cross-domain-policy>`),
		ReadTimeout: 2 * time.Second,
		MaxConns:    500,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // ":843" in production
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	// What Flash Player does: send <policy-file-request/> and a NUL, read
	// to the NUL.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "<policy-file-request/>\x00")
	reply, _ := bufio.NewReader(c).ReadString(0)
	fmt.Printf("%q\n", reply)
	// Output:
	// "<cross-domain-policy>\n  <allow-access-from domain=\"*.example.com\" to-ports=\"5000-5010\"/>\n</cross-domain-policy>\x00"
}

// An application server that answers Flash Player's policy request on its
// own port: wrap its listener. Every other connection reaches the
// application as it came.
func ExampleNewListener() {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ln, err := crossdomain.NewListener(inner, crossdomain.ListenerOptions{
		Raw: []byte(`<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>`),
	})
	if err != nil {
		log.Fatal(err) // Flash Player would reject the policy
	}
	defer ln.Close()
	go func() { // the application: a line-based echo server
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				io.WriteString(c, "echo: "+line)
			}()
		}
	}()

	ask := func(send string) string {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, send)
		b, _ := io.ReadAll(c)
		return fmt.Sprintf("%q", b)
	}
	fmt.Println(ask("<policy-file-request/>\x00"))
	fmt.Println(ask("hello\n"))
	// Output:
	// "<cross-domain-policy><allow-access-from domain=\"*\" to-ports=\"*\"/></cross-domain-policy>\x00"
	// "echo: hello\n"
}

// A running server takes an edited file without a restart (on SIGHUP,
// say); a file Flash Player would reject leaves the old one serving.
func ExampleSocketServer_SetRaw() {
	srv := &crossdomain.SocketServer{Raw: []byte(`<cross-domain-policy><allow-access-from domain="a.example" to-ports="9000"/></cross-domain-policy>`)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	err = srv.SetRaw([]byte(`<cross-domain-policy><allow-access-from domain="b.example" to-ports="9000"/></cross-domain-policy>`))
	fmt.Println("reloaded:", err)
	err = srv.SetRaw([]byte(`<cross-domain-policy><allow-access-from`))
	fmt.Println("rejected:", err != nil)
	reply, _ := srv.Reply()
	fmt.Printf("serving: %s\n", reply[:len(reply)-1])
	// Output:
	// reloaded: <nil>
	// rejected: true
	// serving: <cross-domain-policy><allow-access-from domain="b.example" to-ports="9000"/></cross-domain-policy>
}
