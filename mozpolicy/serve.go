package mozpolicy

import (
	"fmt"
	"net/http"
	"time"

	"github.com/xdpolicy/xdpolicy/internal/httpserve"
)

// ContentType is the media type cross-domain-policy.xml is served as.
const ContentType = "text/xml"

// HandlerOptions configure NewHandler and NewRawHandler.
type HandlerOptions struct {
	// ModTime, when set, is sent as Last-Modified and answers
	// If-Modified-Since. Every response carries an ETag.
	//
	// Flash Player's X-Permitted-Cross-Domain-Policies header, which it
	// reads on every response of a site, is for the site's whole mux:
	// wrap it with crossdomain.MetaPolicyHandler.
	ModTime time.Time
}

// NewHandler returns an http.Handler that serves p, written by Marshal, as
// a cross-domain-policy.xml: Content-Type text/xml, Cache-Control
// no-cache, an ETag, HEAD and conditional GET; other methods get 405. It
// fails if p does not validate. Mount it at the file's path: the root
// file at /cross-domain-policy.xml, a delegated one in its directory.
// opts may be nil.
func NewHandler(p *Policy, opts *HandlerOptions) (http.Handler, error) {
	data, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	return newHandler(data, opts)
}

// NewRawHandler is NewHandler for a file's bytes, served as they are. It
// fails if the draft client's reading rejects them (the error wraps a
// *match.Diagnostic with line and column). opts may be nil.
func NewRawHandler(data []byte, opts *HandlerOptions) (http.Handler, error) {
	if _, _, err := Parse(data); err != nil {
		return nil, fmt.Errorf("mozpolicy: the draft's client would reject this policy: %w", err)
	}
	return newHandler(data, opts)
}

func newHandler(data []byte, opts *HandlerOptions) (http.Handler, error) {
	var o HandlerOptions
	if opts != nil {
		o = *opts
	}
	return httpserve.New(data, ContentType, "", o.ModTime), nil
}
