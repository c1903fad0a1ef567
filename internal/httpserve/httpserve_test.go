package httpserve

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFile(t *testing.T) {
	body := []byte("<cross-domain-policy/>")
	mod := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	f := New(body, "text/x-cross-domain-policy", "master-only", mod)
	etag := f.etag

	for _, tt := range []struct {
		name    string
		method  string
		header  map[string]string
		status  int
		body    string
		headers map[string]string
	}{
		{"GET", "GET", nil, 200, string(body), map[string]string{
			"Content-Type": "text/x-cross-domain-policy", "Cache-Control": "no-cache",
			"X-Permitted-Cross-Domain-Policies": "master-only", "ETag": etag,
			"Last-Modified": "Sun, 01 Nov 2026 12:00:00 GMT", "Content-Length": "22",
			"X-Content-Type-Options": "nosniff",
		}},
		{"HEAD", "HEAD", nil, 200, "", map[string]string{"Content-Length": "22", "ETag": etag}},
		{"If-None-Match", "GET", map[string]string{"If-None-Match": etag}, 304, "", map[string]string{"ETag": etag}},
		{"If-None-Match, another", "GET", map[string]string{"If-None-Match": `"x"`}, 200, string(body), nil},
		{"If-Modified-Since", "GET", map[string]string{"If-Modified-Since": "Sun, 01 Nov 2026 12:00:00 GMT"}, 304, "", nil},
		{"If-Modified-Since, older", "GET", map[string]string{"If-Modified-Since": "Sat, 31 Oct 2026 12:00:00 GMT"}, 200, string(body), nil},
		{"POST", "POST", nil, 405, "405 method not allowed\n", map[string]string{"Allow": "GET, HEAD", "X-Permitted-Cross-Domain-Policies": "master-only"}},
		{"OPTIONS", "OPTIONS", nil, 405, "405 method not allowed\n", map[string]string{"Allow": "GET, HEAD"}},
		{"PUT", "PUT", nil, 405, "405 method not allowed\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/crossdomain.xml", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			f.ServeHTTP(w, r)
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.body, w.Body.String())
			for k, v := range tt.headers {
				assert.Equal(t, v, w.Header().Get(k), k)
			}
		})
	}

	// Without a meta-policy or a time: neither header.
	w := httptest.NewRecorder()
	New(body, "text/xml", "", time.Time{}).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	assert.Empty(t, w.Header().Values("X-Permitted-Cross-Domain-Policies"))
	assert.Empty(t, w.Header().Values("Last-Modified"))
	assert.Equal(t, "text/xml", w.Header().Get("Content-Type"))
}

func TestHeader(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/own" {
			w.Header().Set(HeaderMetaPolicy, "all")
		}
		w.WriteHeader(http.StatusTeapot)
	})
	h := Header(app, "none")
	for path, want := range map[string]string{"/": "none", "/x/y": "none", "/own": "all"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		assert.Equal(t, []string{want}, w.Header().Values(HeaderMetaPolicy), path)
		assert.Equal(t, http.StatusTeapot, w.Code)
	}
}
