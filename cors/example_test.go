package cors_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/xdpolicy/xdpolicy/cors"
	"github.com/xdpolicy/xdpolicy/crossdomain"
)

// Answer CORS for an API from the crossdomain.xml that opened it to Flash
// callers, so the same callers can read it from a browser (a SWF run by
// Ruffle, say).
func ExampleNewHandler() {
	pol, _, err := crossdomain.Parse([]byte(`<cross-domain-policy>
  <allow-access-from domain="*.partner.example"/>
</cross-domain-policy>`))
	if err != nil {
		panic(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "data") })
	h, err := cors.NewHandler(api, pol.Compile(crossdomain.CompileOptions{}), cors.Options{})
	if err != nil {
		panic(err)
	}
	for _, origin := range []string{"https://app.partner.example", "https://evil.example"} {
		req := httptest.NewRequest("GET", "http://api.example.com/feed", nil)
		req.Header.Set("Origin", origin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%s: Access-Control-Allow-Origin %q\n", origin, rec.Header().Get("Access-Control-Allow-Origin"))
	}
	// Output:
	// https://app.partner.example: Access-Control-Allow-Origin "https://app.partner.example"
	// https://evil.example: Access-Control-Allow-Origin ""
}

// Translate a policy into CORS terms, with what does not translate.
func ExampleTranslate() {
	pol, _, _ := crossdomain.Parse([]byte(`<cross-domain-policy>
  <allow-access-from domain="*.partner.example" to-ports="9000"/>
  <allow-access-from domain="app.example.net" secure="true"/>
</cross-domain-policy>`))
	tr := cors.Translate(pol.Compile(crossdomain.CompileOptions{}))
	for _, r := range tr.Rules {
		fmt.Println(r.Origins, r.Paths, r.Methods)
	}
	for _, l := range tr.Losses {
		fmt.Println("lost:", l)
	}
	// Output:
	// [*://*.partner.example] [/*] [GET POST]
	// [*://app.example.net] [/*] [GET POST]
	// lost: 2:3: <allow-access-from domain="*.partner.example"> at 2:3 is secure="true": callers must be HTTPS for HTTPS targets; the middleware applies it, CORS has no such field
	// lost: 3:3: <allow-access-from domain="app.example.net"> at 3:3 is secure="true": callers must be HTTPS for HTTPS targets; the middleware applies it, CORS has no such field
	// lost: the file grants no request headers (Flash grants them apart, by allow-http-request-headers-from): the middleware refuses a preflight that announces custom ones
}
