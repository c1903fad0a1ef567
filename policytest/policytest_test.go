package policytest

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
}

func (r *recorder) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprint(args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}

// record runs fn with a recorder and returns what it reported.
func record(t *testing.T, fn func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r.errors
}

const flashPolicy = `<cross-domain-policy><allow-access-from domain="*.example.com"/></cross-domain-policy>`

const socketPolicy = `<cross-domain-policy><allow-access-from domain="*.example.com" to-ports="5000"/></cross-domain-policy>`

const silverlightPolicy = `<access-policy><cross-domain-access><policy>
<allow-from><domain uri="http://app.example.com"/></allow-from>
<grant-to><resource path="/api" include-subpaths="true"/><socket-resource port="4502" protocol="tcp"/></grant-to>
</policy></cross-domain-access></access-policy>`

func TestSite(t *testing.T) {
	site := Serve(t, Config{
		Files: map[string]string{
			"/crossdomain.xml":         flashPolicy,
			"/clientaccesspolicy.xml":  silverlightPolicy,
			"/cross-domain-policy.xml": `<cross-domain-policy><allow from="app.example.com" type="load"/></cross-domain-policy>`,
		},
		FlashSocket:       socketPolicy,
		SilverlightSocket: silverlightPolicy,
	})
	app := "http://app.example.com/a.swf"
	site.Allowed(t, Flash, app, site.URL+"/feed")
	site.Denied(t, Flash, app, site.SecureURL+"/feed") // secure: an HTTP caller may not read HTTPS
	site.Allowed(t, Flash, "https://app.example.com/a.swf", site.SecureURL+"/feed")
	site.Denied(t, Flash, "http://evil.example/a.swf", site.URL+"/feed")
	site.Allowed(t, Flash, app, "xmlsocket://site.test:5000")
	site.Denied(t, Flash, app, "xmlsocket://site.test:5001")
	site.Allowed(t, Silverlight, "http://app.example.com/a.xap", site.URL+"/api/x")
	site.Denied(t, Silverlight, "http://app.example.com/a.xap", site.URL+"/other")
	site.Allowed(t, Silverlight, "http://app.example.com/a.xap", "tcp://site.test:4502")
	site.Denied(t, Mozilla, "http://app.example.com/", site.URL+"/feed") // an untyped request matches only type any

	// A failure says what was decided, why, and which files were read.
	errs := record(t, func(tb testing.TB) { site.Allowed(tb, Flash, "http://evil.example/a.swf", site.URL+"/feed") })
	if len(errs) != 1 {
		t.Fatalf("got %d failures, want 1: %q", len(errs), errs)
	}
	for _, want := range []string{
		"policytest: flash: http://evil.example/a.swf -> http://site.test/feed: denied, want allowed",
		"deny: ",
		"files consulted:",
		"http://site.test/crossdomain.xml (status 200, text/x-cross-domain-policy)",
	} {
		if !strings.Contains(errs[0], want) {
			t.Errorf("failure message lacks %q:\n%s", want, errs[0])
		}
	}
	errs = record(t, func(tb testing.TB) { site.Denied(tb, Flash, app, site.URL+"/feed") })
	if len(errs) != 1 || !strings.Contains(errs[0], "allowed, want denied") {
		t.Errorf("got %q", errs)
	}
}

func TestSiteChecksItsConfig(t *testing.T) {
	errs := record(t, func(tb testing.TB) { Serve(tb, Config{FlashSocket: "not xml"}) })
	if len(errs) != 1 || !strings.Contains(errs[0], "Flash Player would reject this socket policy") {
		t.Errorf("got %q", errs)
	}
	errs = record(t, func(tb testing.TB) { Serve(tb, Config{Files: map[string]string{"crossdomain.xml": ""}}) })
	if len(errs) != 1 || !strings.Contains(errs[0], "does not start with /") {
		t.Errorf("got %q", errs)
	}
	site := Serve(t, Config{})
	errs = record(t, func(tb testing.TB) { site.Allowed(tb, 0, "http://a.example/", site.URL) })
	if len(errs) != 1 || !strings.Contains(errs[0], "is not a runtime") {
		t.Errorf("got %q", errs)
	}
}

func TestHandlerAndSocketServer(t *testing.T) {
	h, err := crossdomain.NewRawHandler([]byte(flashPolicy), nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/crossdomain.xml", h)
	HandlerAllows(t, mux, Flash, "http://app.example.com/a.swf", "http://api.example.org/feed")
	HandlerDenies(t, mux, Flash, "http://app.example.net/a.swf", "http://api.example.org/feed")
	errs := record(t, func(tb testing.TB) {
		HandlerAllows(tb, mux, Flash, "http://app.example.net/a.swf", "http://api.example.org/feed")
	})
	if len(errs) != 1 || !strings.Contains(errs[0], "denied, want allowed") {
		t.Errorf("got %q", errs)
	}

	flash := &crossdomain.SocketServer{Raw: []byte(socketPolicy)}
	SocketServerAllows(t, flash, Flash, "http://app.example.com/a.swf", "xmlsocket://chat.example.org:5000")
	SocketServerDenies(t, flash, Flash, "http://app.example.com/a.swf", "xmlsocket://chat.example.org:5001")
	silverlight := &clientaccess.SocketServer{Raw: []byte(silverlightPolicy)}
	SocketServerAllows(t, silverlight, Silverlight, "http://app.example.com/a.xap", "tcp://chat.example.org:4502")
	SocketServerDenies(t, silverlight, Silverlight, "http://evil.example/a.xap", "tcp://chat.example.org:4502")
}

// A test may serve a file the runtime rejects, and a meta-policy header.
func TestSiteServesWhatItIsGiven(t *testing.T) {
	broken := Serve(t, Config{Host: "broken.test", Files: map[string]string{"/crossdomain.xml": "<cross-domain-policy>"}})
	l := broken.Decide(t, Flash, "http://app.example.com/a.swf", broken.URL+"/feed")
	if l.Decision.Allowed || len(l.Files) != 1 || !strings.Contains(l.Files[0].Note, "rejected") {
		t.Errorf("want a denial naming the rejected file, got %s %v", l.Decision, l.Files)
	}
	none := Serve(t, Config{Host: "none.test", Header: "none", Files: map[string]string{"/crossdomain.xml": flashPolicy}})
	none.Denied(t, Flash, "http://app.example.com/a.swf", none.URL+"/feed")
}
