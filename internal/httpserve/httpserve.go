// Package httpserve serves one policy file over HTTP as a policy file
// should be served (the right Content-Type, Cache-Control: no-cache, conditional GET,
// HEAD, 405 for other methods), for the handlers of the three format
// packages.
package httpserve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// HeaderMetaPolicy is the response header that carries a site's
// meta-policy.
const HeaderMetaPolicy = "X-Permitted-Cross-Domain-Policies"

// File is an http.Handler for one policy file's bytes.
type File struct {
	body        []byte
	contentType string
	etag        string
	modTime     time.Time
	metaPolicy  string
}

// New returns a handler serving body as contentType. metaPolicy, when not
// empty, is sent as X-Permitted-Cross-Domain-Policies; a non-zero modTime
// as Last-Modified. The ETag is a hash of body.
func New(body []byte, contentType, metaPolicy string, modTime time.Time) *File {
	sum := sha256.Sum256(body)
	return &File{
		body:        bytes.Clone(body),
		contentType: contentType,
		etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
		modTime:     modTime,
		metaPolicy:  metaPolicy,
	}
}

// ServeHTTP answers GET and HEAD (with If-None-Match, If-Modified-Since
// and Range, by http.ServeContent) and refuses other methods with 405.
func (f *File) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if f.metaPolicy != "" {
		h.Set(HeaderMetaPolicy, f.metaPolicy)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, "", f.modTime, bytes.NewReader(f.body))
}

// Header returns a handler that sets X-Permitted-Cross-Domain-Policies to
// value on every response of next, before next runs (so next may still
// change it).
func Header(next http.Handler, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(HeaderMetaPolicy, value)
		next.ServeHTTP(w, r)
	})
}
