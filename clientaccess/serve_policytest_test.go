package clientaccess_test

import (
	"testing"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/policytest"
)

// The serving side checked with policytest, as another project would.
func TestServingWithPolicytest(t *testing.T) {
	h, err := clientaccess.NewHandler(sockets, nil)
	if err != nil {
		t.Fatal(err)
	}
	// sockets grants no HTTP resource: only sockets.
	policytest.HandlerDenies(t, h, policytest.Silverlight, "http://app.example.com/a.xap", "http://api.example.org/feed")
	srv := &clientaccess.SocketServer{Policy: sockets}
	policytest.SocketServerAllows(t, srv, policytest.Silverlight, "http://app.example.com/a.xap", "tcp://api.example.org:4504")
	policytest.SocketServerDenies(t, srv, policytest.Silverlight, "http://app.example.com/a.xap", "tcp://api.example.org:4510")
}
