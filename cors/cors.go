// Package cors answers CORS from a cross-domain policy: the callers a
// crossdomain.xml, clientaccesspolicy.xml or cross-domain-policy.xml
// admits are the origins a browser may let read the site, for the paths,
// methods and headers the policy grants them.
//
// Flash and Silverlight content now runs in browsers through emulators
// (Ruffle, OpenSilver), where the browser, not the plugin, guards
// cross-origin requests, and it reads CORS headers, not policy files. A
// site that opened its API to Flash or Silverlight callers must answer
// CORS to the same callers. Handler does so from the compiled policy:
//
//	pol, _, _ := crossdomain.Parse(body)
//	h, err := cors.NewHandler(api, pol.Compile(crossdomain.CompileOptions{}), cors.Options{})
//
// Every answer comes from match.Policy.Decide on the request as the
// browser makes it, so the middleware never grants more than the policy:
//
//   - A preflight (OPTIONS with Access-Control-Request-Method) is judged
//     with the method and headers it announces; when the policy admits
//     the origin for them on that path, the answer allows exactly them,
//     for Options.MaxAge. Otherwise it carries no CORS headers, and the
//     browser refuses the request.
//   - An actual request from an origin the policy admits for its method
//     and path gets Access-Control-Allow-Origin: the origin itself, with
//     Vary: Origin. Any other gets no CORS headers; it reaches the
//     handler either way, as a request from outside a browser would.
//   - The caller is the Origin header (an origin has no path, so a
//     Silverlight grant to one exact XAP admits no browser origin), the
//     target the request's URL as the client addressed it: its Host and
//     scheme (Options.Scheme behind a proxy that terminates TLS).
//
// A preflight that asks for a method or a header named "*" is never
// answered: "*" is a token a policy granting every header would admit, and
// a browser reads it back as a wildcard.
//
// NewLookupHandler decides with a runtime's whole lookup instead of one
// compiled file (the files where the target lives, as a Client reads and
// caches them): what "xdpolicy proxy" puts in front of a backend.
//
// Credentials are opt-in (Options.Credentials). Flash and Silverlight
// sent the user's cookies; copying a policy that admits every caller
// into CORS with credentials would let every site read every user's
// data, so NewHandler refuses such a policy unless Options.Force says
// otherwise.
//
// Translate says what a policy means in CORS terms, and what does not
// translate (socket grants, Flash's secure attribute, the draft's service
// types, header grants by prefix, callers narrowed to a path).
package cors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/xdpolicy/xdpolicy/match"
)

// Options configure a Handler.
type Options struct {
	// MaxAge is how long, in seconds, a browser may cache a preflight's
	// answer (default 600; negative sends no Access-Control-Max-Age).
	MaxAge int
	// Credentials lets admitted origins send cookies and read the answer
	// (Access-Control-Allow-Credentials: true). See Force.
	Credentials bool
	// Force makes NewHandler accept Credentials with a policy that admits
	// every caller. Do not.
	Force bool
	// Scheme is the scheme clients addressed ("http" or "https"); empty
	// means the request's own (https when it came over TLS).
	Scheme string
}

// ErrOpenWithCredentials is NewHandler's refusal of Options.Credentials
// with a policy that admits every caller.
var ErrOpenWithCredentials = errors.New("cors: the policy admits every caller; with credentials every site could read every user's data (set Options.Force to do it anyway)")

// Handler answers CORS for the requests it passes to Next; see the
// package documentation.
type Handler struct {
	Next   http.Handler
	Policy *match.Policy
	// lookup, when set, decides instead of Policy (NewLookupHandler).
	lookup Decider
	opt    Options
	maxAge string // Options.MaxAge, written once
	// origins and sites remember parsed Origin headers and request hosts,
	// so a request costs no URL parsing; each holds at most maxCached.
	origins cache
	sites   [2]cache // by host, for http and https
}

// maxCached bounds each cache: Origin and Host headers are the client's to
// choose, so a client sending many stops the caching, not the serving.
const maxCached = 4096

// maxKey is the longest header value cached: a real origin or host is
// short, and a long one would hold memory for nothing.
const maxKey = 256

// cache remembers parsed values, up to maxCached, without a lock for
// readers.
type cache struct {
	m sync.Map
	n atomic.Int32
}

func (c *cache) load(key string) (any, bool) { return c.m.Load(key) }

func (c *cache) store(key string, v any) {
	if len(key) <= maxKey && c.n.Load() < maxCached {
		if _, loaded := c.m.LoadOrStore(key, v); !loaded {
			c.n.Add(1)
		}
	}
}

// NewHandler returns next behind CORS answers from p.
func NewHandler(next http.Handler, p *match.Policy, opt Options) (*Handler, error) {
	if p == nil {
		return nil, errors.New("cors: no policy")
	}
	if opt.Credentials && !opt.Force && admitsEveryone(p) {
		return nil, ErrOpenWithCredentials
	}
	if err := checkScheme(opt.Scheme); err != nil {
		return nil, err
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = 600
	}
	return &Handler{Next: next, Policy: p, opt: opt, maxAge: strconv.Itoa(opt.MaxAge)}, nil
}

// Decider decides a request with a runtime's whole lookup, as the
// runtimes' Clients do (xdpolicy.Client, crossdomain.Client, …).
type Decider interface {
	Decide(ctx context.Context, req match.Request) (*match.Lookup, error)
}

// NewLookupHandler is NewHandler deciding with a runtime's lookup instead
// of one compiled file: the policy files where the target lives, read and
// cached as the runtime did (a proxy in front of a backend whose files
// stay where they are). With Credentials, a request admitted by a rule
// that admits every caller gets no Access-Control-Allow-Credentials
// unless Force is set: what NewHandler refuses up front, it refuses per
// request.
func NewLookupHandler(next http.Handler, d Decider, opt Options) (*Handler, error) {
	if d == nil {
		return nil, errors.New("cors: no lookup")
	}
	if err := checkScheme(opt.Scheme); err != nil {
		return nil, err
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = 600
	}
	return &Handler{Next: next, lookup: d, opt: opt, maxAge: strconv.Itoa(opt.MaxAge)}, nil
}

func checkScheme(s string) error {
	switch s {
	case "", "http", "https":
		return nil
	}
	return fmt.Errorf("cors: Options.Scheme %s: want http or https", match.Quote(s))
}

// credentials reports whether the answer to an admitted request may allow
// credentials.
func (h *Handler) credentials(d match.Decision) bool {
	if !h.opt.Credentials {
		return false
	}
	return d.Caller != nil && (h.opt.Force || !d.Caller.Host.IsAny())
}

// admitsEveryone reports whether some rule of p admits every caller.
func admitsEveryone(p *match.Policy) bool {
	for _, r := range p.Rules {
		for _, c := range r.Callers {
			if c.Host.IsAny() && c.Path == "" && c.Scheme != "file" {
				return true
			}
		}
	}
	return false
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		// Not a cross-origin request from a browser; a shared cache must
		// still not serve this answer to one.
		w.Header()["Vary"] = append(w.Header()["Vary"], "Origin")
		h.Next.ServeHTTP(w, r)
		return
	}
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	hdr := w.Header()
	if preflight {
		hdr["Vary"] = append(hdr["Vary"], "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
		method := r.Header.Get("Access-Control-Request-Method")
		requested := r.Header.Get("Access-Control-Request-Headers")
		// The headers are written to the map with their canonical keys,
		// which spares canonicalising them on every request.
		var buf [8]string
		headers := splitList(requested, buf[:0])
		// "*" is a token, so a policy granting every header would admit a
		// header named "*"; a browser reads it back as a wildcard and would
		// send any header, those the runtime never sent included, without
		// asking again. It is never granted.
		wildcard := method == "*" || slices.Contains(headers, "*")
		if d, ok := h.decide(r, origin, method, headers); ok && d.Allowed && !wildcard {
			hdr["Access-Control-Allow-Origin"] = []string{origin}
			hdr["Access-Control-Allow-Methods"] = []string{method}
			if len(headers) > 0 {
				// Exactly the headers asked for, each one granted.
				hdr["Access-Control-Allow-Headers"] = []string{requested}
			}
			if h.opt.MaxAge > 0 {
				hdr["Access-Control-Max-Age"] = []string{h.maxAge}
			}
			if h.credentials(d) {
				hdr["Access-Control-Allow-Credentials"] = []string{"true"}
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	hdr["Vary"] = append(hdr["Vary"], "Origin")
	if d, ok := h.decide(r, origin, r.Method, nil); ok && d.Allowed {
		hdr["Access-Control-Allow-Origin"] = []string{origin}
		if h.credentials(d) {
			hdr["Access-Control-Allow-Credentials"] = []string{"true"}
		}
	}
	h.Next.ServeHTTP(w, r)
}

// Decide judges the CORS request r would be for the browser: from origin,
// with method and the request headers a preflight announces. It reports
// false when the origin or the URL is not one a browser sends.
func (h *Handler) decide(r *http.Request, origin, method string, headers []string) (match.Decision, bool) {
	o, ok := h.origin(origin)
	if !ok {
		return match.Decision{}, false
	}
	scheme := h.opt.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	site, ok := h.site(scheme, r.Host)
	if !ok {
		return match.Decision{}, false
	}
	t, err := site.WithPath(r.URL.EscapedPath())
	if err != nil {
		return match.Decision{}, false
	}
	req := match.Request{Origin: o, Target: t, Method: method, Headers: headers}
	if req.SameOrigin() {
		return match.Decision{}, false // no CORS needed, none given
	}
	if h.lookup != nil {
		l, err := h.lookup.Decide(r.Context(), req)
		if err != nil || l.Decision.Code == match.SameOrigin {
			// A lookup elsewhere (a proxy's backend) may see the origin
			// as its own; that admits no browser origin here.
			return match.Decision{}, false
		}
		return l.Decision, true
	}
	return h.Policy.Decide(req), true
}

// origin parses an Origin header, remembering it; an origin a browser
// does not send for a web page ("null", a file) is not one.
func (h *Handler) origin(s string) (match.Origin, bool) {
	if v, ok := h.origins.load(s); ok {
		o, ok := v.(match.Origin)
		return o, ok
	}
	o, err := match.ParseOrigin(s)
	if err != nil || o.Scheme == "file" || s == "null" {
		h.origins.store(s, false)
		return match.Origin{}, false
	}
	h.origins.store(s, o)
	return o, true
}

// site parses the target's scheme and host, remembering them.
func (h *Handler) site(scheme, host string) (match.Target, bool) {
	c := &h.sites[0]
	switch scheme {
	case "http":
	case "https":
		c = &h.sites[1]
	default:
		return match.Target{}, false
	}
	if v, ok := c.load(host); ok {
		t, ok := v.(match.Target)
		return t, ok
	}
	t, err := match.ParseTarget(scheme + "://" + host + "/")
	if err != nil {
		c.store(host, false)
		return match.Target{}, false
	}
	c.store(host, t)
	return t, true
}

// splitList appends the items of a comma-separated header list to out.
func splitList(s string, out []string) []string {
	for s != "" {
		f, rest, _ := strings.Cut(s, ",")
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
		s = rest
	}
	return out
}

// Translation is a policy in CORS terms: who may read what, and what of
// the policy CORS cannot say.
type Translation struct {
	Rules  []Rule
	Losses []Loss
}

// Rule is one grant in CORS terms.
type Rule struct {
	// Origins are the callers as origins: "https://app.example.net",
	// "https://*.partner.example" (every origin under it), "*" (every
	// origin), "http://*".
	Origins []string
	// Paths are the paths granted: "/api" exactly, or "/api/*" for it and
	// everything below.
	Paths []string
	// Methods and Headers are the methods and request headers granted
	// ("*" for any).
	Methods []string
	Headers []string
	// Pos is where the rule is in the file.
	Pos match.Pos
}

// Loss is one thing of a policy that CORS does not express; the
// middleware decides as the policy does, so a loss never widens a grant.
type Loss struct {
	Pos  match.Pos
	What string
}

func (l Loss) String() string {
	if l.Pos.IsValid() {
		return l.Pos.String() + ": " + l.What
	}
	return l.What
}

// Translate says what p grants in CORS terms, and what it cannot say.
func Translate(p *match.Policy) Translation {
	var out Translation
	lose := func(pos match.Pos, format string, args ...any) {
		out.Losses = append(out.Losses, Loss{Pos: pos, What: fmt.Sprintf(format, args...)})
	}
	if p.Disabled != "" {
		lose(match.Pos{}, "the file grants nothing: %s", p.Disabled)
		return out
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if !r.Ports.Empty() {
			lose(r.Pos, "%s grants socket ports %s: browsers open no raw sockets (a WebSocket bridge can)", ruleName(r), cmp.Or(r.PortsText, r.Ports.String()))
		}
		if len(r.Paths) == 0 {
			continue
		}
		cr := Rule{Pos: r.Pos}
		for _, c := range r.Callers {
			switch {
			case c.Scheme == "file":
				lose(c.Pos, "%s admits local files: a browser sends no origin for them", quoteCaller(c))
				continue
			case c.Path != "":
				lose(c.Pos, "%s admits one caller path: an origin has none, so no browser origin is admitted", quoteCaller(c))
				continue
			}
			cr.Origins = append(cr.Origins, originOf(c))
		}
		if len(cr.Origins) == 0 {
			continue
		}
		for _, s := range r.Paths {
			if s.Subpaths {
				cr.Paths = append(cr.Paths, strings.TrimSuffix(s.Path, "/")+"/*")
			} else {
				cr.Paths = append(cr.Paths, s.Path)
			}
		}
		cr.Methods = strings.Split(r.Methods.String(), ",")
		if m := r.Methods.String(); m == "" {
			cr.Methods = []string{"GET", "POST"}
		}
		headers := r.Headers
		if !p.SeparateHeaders {
			for _, hd := range strings.Split(headers.String(), ",") {
				switch {
				case hd == "":
				case hd != "*" && strings.HasSuffix(hd, "*"):
					lose(r.Pos, "%s grants headers by prefix (%s): CORS lists names; the middleware allows the names a preflight announces that match", ruleName(r), hd)
				default:
					cr.Headers = append(cr.Headers, hd)
				}
			}
		}
		if r.Secure {
			lose(r.Pos, "%s is secure=\"true\": callers must be HTTPS for HTTPS targets; the middleware applies it, CORS has no such field", ruleName(r))
		}
		if len(r.Types) > 0 {
			lose(r.Pos, "%s admits only %s requests: CORS has no service types; the middleware judges a request that names none, which the rule does not admit", ruleName(r), strings.Join(r.Types, ", "))
		}
		if r.Delegate {
			lose(r.Pos, "%s delegates deeper paths to other files: the middleware judges with this file alone, which denies them", ruleName(r))
		}
		if r.PathChars {
			lose(r.Pos, "%s applies Silverlight's path-character rule: the middleware applies it too", ruleName(r))
		}
		out.Rules = append(out.Rules, cr)
	}
	switch {
	case !p.SeparateHeaders || len(out.Rules) == 0:
	case len(p.HeaderRules) == 0:
		lose(match.Pos{}, "the file grants no request headers (Flash grants them apart, by allow-http-request-headers-from): the middleware refuses a preflight that announces custom ones")
	default:
		lose(match.Pos{}, "request headers are granted apart from access, by the file's header rules: the middleware applies them to what a preflight announces")
	}
	for i := range p.HeaderRules {
		hr := &p.HeaderRules[i]
		if strings.Contains(hr.HeadersText, "*") {
			lose(hr.Pos, "header rule %s grants headers by pattern (%s): the middleware allows the names a preflight announces that match", cmp.Or(hr.Name, hr.Pos.String()), hr.HeadersText)
		}
	}
	return out
}

func ruleName(r *match.Rule) string {
	if r.Name != "" {
		return r.Name
	}
	return "the rule at " + r.Pos.String()
}

func quoteCaller(c match.Caller) string { return match.Quote(cmp.Or(c.Text, c.Host.String())) }

// originOf writes a caller pattern as an origin pattern.
func originOf(c match.Caller) string {
	host := c.Host.String()
	if c.Scheme == "" {
		if host == "*" {
			return "*"
		}
		return "*://" + host
	}
	s := c.Scheme + "://" + host
	if c.Port != 0 && c.Port != match.DefaultPort(c.Scheme) {
		s += ":" + strconv.Itoa(c.Port)
	}
	return s
}
