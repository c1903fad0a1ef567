package cors

import (
	"net/http"
	"net/http/httptest"
	"testing"

	rscors "github.com/rs/cors"
)

// BenchmarkHandler measures the middleware's cost per request beside
// github.com/rs/cors configured with the equivalent allowlist (the
// policy's callers as allowed origins, its methods and headers), on an
// allowed actual request and an allowed preflight, in one run.
func BenchmarkHandler(b *testing.B) {
	p := flash(&testing.T{}, flashPartner)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	ours, err := NewHandler(ok, p, Options{})
	if err != nil {
		b.Fatal(err)
	}
	theirs := rscors.New(rscors.Options{
		AllowedOrigins: []string{"http://*.partner.example", "https://*.partner.example"},
		AllowedMethods: []string{"GET", "POST"},
		AllowedHeaders: []string{"X-Token"},
		MaxAge:         600,
	}).Handler(ok)
	actual := httptest.NewRequest("GET", "http://api.example.com/data/x", nil)
	actual.Header.Set("Origin", "http://www.partner.example")
	preflight := httptest.NewRequest("OPTIONS", "http://api.example.com/data/x", nil)
	preflight.Header.Set("Origin", "http://www.partner.example")
	preflight.Header.Set("Access-Control-Request-Method", "POST")
	preflight.Header.Set("Access-Control-Request-Headers", "x-token") // as browsers send it
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"xdpolicy", ours}, {"rs-cors", theirs}} {
		for _, r := range []struct {
			name string
			req  *http.Request
		}{{"actual", actual}, {"preflight", preflight}} {
			b.Run(h.name+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					h.h.ServeHTTP(w, r.req)
					if w.Header().Get("Access-Control-Allow-Origin") == "" {
						b.Fatal("not allowed")
					}
				}
			})
		}
	}
}
