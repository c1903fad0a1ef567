package crossdomain_test

import (
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/policytest"
)

// The serving side checked with policytest, as another project would.
func TestServingWithPolicytest(t *testing.T) {
	pol := &crossdomain.Policy{AllowAccessFrom: []crossdomain.AllowAccessFrom{{Domain: "*.example.com"}}}
	h, err := crossdomain.NewHandler(pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/crossdomain.xml", h)
	site := crossdomain.MetaPolicyHandler(mux, crossdomain.PermitMasterOnly)
	policytest.HandlerAllows(t, site, policytest.Flash, "http://app.example.com/a.swf", "http://api.example.org/feed")
	policytest.HandlerDenies(t, site, policytest.Flash, "http://app.example.net/a.swf", "http://api.example.org/feed")
	// A site that sends none in its header disables even its master.
	policytest.HandlerDenies(t, crossdomain.MetaPolicyHandler(mux, crossdomain.PermitNone), policytest.Flash,
		"http://app.example.com/a.swf", "http://api.example.org/feed")

	srv := &crossdomain.SocketServer{Raw: []byte(`<cross-domain-policy><allow-access-from domain="*.example.com" to-ports="5000-5002"/></cross-domain-policy>`)}
	policytest.SocketServerAllows(t, srv, policytest.Flash, "http://app.example.com/a.swf", "xmlsocket://chat.example.org:5001")
	policytest.SocketServerDenies(t, srv, policytest.Flash, "http://app.example.com/a.swf", "xmlsocket://chat.example.org:6000")

	// The inline listener on an application port, with no server on 843.
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := crossdomain.NewListener(inner, crossdomain.ListenerOptions{
		Raw: []byte(`<cross-domain-policy><allow-access-from domain="*" to-ports="7000"/></cross-domain-policy>`),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "app\n")
			c.Close()
		}
	}()
	app := policytest.Serve(t, policytest.Config{Host: "chat.example.org", Routes: map[string]string{"chat.example.org:7000": ln.Addr().String()}})
	app.Allowed(t, policytest.Flash, "http://anyone.example/a.swf", "xmlsocket://chat.example.org:7000")
	app.Denied(t, policytest.Flash, "http://anyone.example/a.swf", "xmlsocket://chat.example.org:7001")
}
