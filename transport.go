package xdpolicy

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/xdpolicy/xdpolicy/match"
)

// Transport is an http.RoundTripper that behaves as a runtime did for
// content loaded from Origin: before a request to another site it looks
// the policy files up as the runtime did (through Client, whose answers
// are cached for the life of the Transport, as a runtime session's were)
// and refuses the request when the runtime would have. A proxy, an
// emulator or a crawler that must behave like Flash Player, Silverlight or
// the Mozilla draft's client puts it under its http.Client:
//
//	t := &xdpolicy.Transport{Runtime: xdpolicy.Silverlight, Origin: "https://app.example.net/app.xap"}
//	client := &http.Client{Transport: t}
//	_, err := client.Get("https://api.example.com/data/feed")
//	var denied *xdpolicy.DeniedError
//	if errors.As(err, &denied) {
//		fmt.Println(denied.Decision) // deny: …, naming the file and the rule
//	}
//
// A request to the caller's own scheme, host and port passes untouched.
// Each hop of a redirect is a request of its own, judged again, so a
// redirect to a site whose policy denies fails as it did in Silverlight,
// which allowed a redirected request only when both addresses were
// allowed. The method and every request header the request sets are
// judged, so a header the runtime never sent (Flash Player's list) or one
// the policy does not grant fails before anything is sent. Headers an
// http.Client adds on its own count too, except the Referer of a
// redirect's hop: a cookie jar's Cookie header is refused where the
// runtime never sent one from the content (Flash Player), so give such a
// client no jar.
type Transport struct {
	// Runtime is whose lookup and rules apply.
	Runtime Runtime
	// Origin is the URL of the content making the requests: the SWF, the
	// XAP or the page.
	Origin string
	// Base makes the requests, the policy files' included; nil means
	// http.DefaultTransport.
	Base http.RoundTripper
	// Options configure the lookup Client made on first use (its
	// HTTPClient, when nil, goes through Base).
	Options ClientOptions

	once   sync.Once
	origin match.Origin
	client Client
	err    error
}

// DeniedError is the failure of a request the runtime would not have
// made; errors.As reaches it through the *url.Error an http.Client wraps
// it in.
type DeniedError struct {
	Decision match.Decision
	// Files are the policy files the lookup consulted.
	Files []match.Consulted
}

func (e *DeniedError) Error() string { return "xdpolicy: " + e.Decision.String() }

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func (t *Transport) init() {
	t.origin, t.err = match.ParseOrigin(t.Origin)
	if t.err != nil {
		t.err = fmt.Errorf("xdpolicy: Transport.Origin: %w", t.err)
		return
	}
	opt := t.Options
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Transport: t.base()}
	}
	t.client, t.err = NewClient(t.Runtime, opt)
}

// RoundTrip judges req as the runtime did, then sends it through Base.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.once.Do(t.init)
	fail := func(err error) (*http.Response, error) {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, sent or not
		}
		return nil, err
	}
	if t.err != nil {
		return fail(t.err)
	}
	target, err := match.ParseTarget(req.URL.String())
	if err != nil {
		return fail(fmt.Errorf("xdpolicy: %w", err))
	}
	mreq := match.Request{Origin: t.origin, Target: target, Method: req.Method}
	for name := range req.Header {
		// On a redirect's hop, http.Client adds the Referer itself, as
		// the runtimes' hosts did: it is not the content's header.
		if req.Response != nil && name == "Referer" {
			continue
		}
		mreq.Headers = append(mreq.Headers, name)
	}
	if mreq.SameOrigin() {
		return t.base().RoundTrip(req)
	}
	l, err := t.client.Decide(req.Context(), mreq)
	if err != nil {
		return fail(err)
	}
	if !l.Decision.Allowed {
		return fail(&DeniedError{Decision: l.Decision, Files: l.Files})
	}
	return t.base().RoundTrip(req)
}
