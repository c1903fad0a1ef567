package crossdomain

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/match"
)

// Client decides requests the way a Flash Player session did, fetching
// the policy files itself.
//
// HTTP(S): a target on the caller's own scheme, host and port is allowed
// without a policy. Otherwise the master /crossdomain.xml of the target's
// scheme, host and port is read; then, as its meta-policy allows
// (site-control and the X-Permitted-Cross-Domain-Policies header, the
// stricter winning; master-only by default), the files the caller
// registered in PolicyFiles that govern the target. A response counts with
// status 200 and a Content-Type of text/*, application/xml or
// application/xhtml+xml; same-host redirects are followed (at most 5) and
// the final URL decides master-ness and scope; a redirect to another host
// makes the file ignored. Access is granted when any counting file grants
// it.
//
// Sockets: the socket master on port 843 of the target host is asked with
// the 23-byte <policy-file-request/> and NUL, and read to the NUL or EOF
// (3 s by default; a refused port fails at once). If it does not grant and
// its meta-policy is all (the default, also when port 843 gives no
// policy), the target port itself is asked, then every xmlsocket://
// location on that host in PolicyFiles; those are never masters, and the
// 1024 rule applies to them.
//
// Every file's answer is cached for the life of the Client, failures
// included, and concurrent lookups of one file share one fetch. A Client
// is safe for concurrent use; its fields must not change after the first
// Decide. The zero Client uses http.DefaultClient and net.Dialer.
//
// The cache grows with every site asked about, as a runtime session's
// did; a long-running crawler should start a new Client per batch.
type Client struct {
	// HTTPClient does the HTTP requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// DialContext opens socket policy connections; nil means a
	// net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// PolicyFiles are the locations the caller registered with
	// Security.loadPolicyFile: http(s) URLs, or xmlsocket://host:port.
	PolicyFiles []string
	// MaxBytes bounds each policy file (default 1 MiB); a larger one is
	// rejected, never truncated.
	MaxBytes int64
	// Timeout bounds each HTTP fetch, redirects included (default 5 s);
	// SocketTimeout each socket policy exchange (default 3 s).
	Timeout, SocketTimeout time.Duration

	files fetch.Cache[*policyFile]
	// routes holds, per target origin, the files a lookup walked there
	// and what each was, so that a lookup the cache has every file for
	// replays the walk: no URL built, no map or closure made, one
	// allocation for the answer.
	routes fetch.Memo[*route]
	// walkOnly turns the replay off, for tests that compare the two.
	walkOnly bool
}

// route is a recorded walk of the policy files for one target origin.
type route struct {
	steps []step
	// complete reports that the walk went through every file; a walk
	// that stopped at a grant is replayed only up to that grant.
	complete bool
	// none is the detail of the denial when no file is judged.
	none string
}

// step is one file of a route: its record as the walk left it, and the
// file when the lookup judges the request against it.
type step struct {
	rec  match.Consulted
	file *policyFile
}

// file is what a Client learned about one policy location.
type policyFile struct {
	rec    match.Consulted // the fetch, without Used, Note and Cached
	note   string          // why the file does not count, when it does not
	final  match.Target    // where it was found, after redirects
	kind   Kind
	media  string
	header string // X-Permitted-Cross-Domain-Policies
	pol    *Policy
	err    error // the runtime's rejection of the file

	once     sync.Once
	compiled *match.Policy
}

// policy returns the file compiled for where it was found.
func (f *policyFile) policy() *match.Policy {
	f.once.Do(func() {
		f.compiled = f.pol.Compile(CompileOptions{Location: f.final, PermittedCrossDomainPolicies: f.header})
	})
	return f.compiled
}

// usable reports whether the file was fetched, counts as a response and
// parsed.
func (f *policyFile) usable() bool { return f.note == "" && f.err == nil }

// Decide answers req. The error is non-nil only when ctx ends first.
func (c *Client) Decide(ctx context.Context, req match.Request) (*match.Lookup, error) {
	if req.Target.Scheme == "tcp" {
		req.Target.Scheme = "xmlsocket"
	}
	if req.Validate() != nil {
		d, _ := match.Refuse(req, runtimeName)
		return &match.Lookup{Decision: d}, nil
	}
	if req.SameOrigin() {
		return &match.Lookup{Decision: match.Decision{Allowed: true, Code: match.SameOrigin, Runtime: runtimeName, Request: req}}, nil
	}
	key := fetch.OriginOf(&req.Target)
	if r, ok := c.routes.Load(key); ok && !c.walkOnly {
		out := fetch.NewLookup(len(r.steps))
		if r.replay(req, out) {
			return out, nil
		}
	}
	l := &lookup{c: c, req: req}
	var err error
	if req.Target.IsSocket() {
		err = l.socket(ctx)
	} else {
		err = l.http(ctx)
	}
	if err != nil {
		l.out.Decision = match.Deny(req, match.NoPolicy, runtimeName, "", "no answer: "+err.Error())
	}
	for _, f := range l.files {
		l.out.Files = append(l.out.Files, *f)
	}
	if err == nil {
		if r, ok := c.routes.Load(key); !ok || !r.complete {
			c.routes.Store(key, l.route())
		}
	}
	return &l.out, err
}

// DecideInto is Decide writing its answer into l, whose Files it reuses:
// a proxy that keeps a Lookup per goroutine decides a request whose files
// the Client has cached without allocating at all. l must not be in use
// elsewhere; what it held is overwritten.
func (c *Client) DecideInto(ctx context.Context, req match.Request, l *match.Lookup) error {
	if req.Target.Scheme == "tcp" {
		req.Target.Scheme = "xmlsocket"
	}
	if r, ok := c.routes.Load(fetch.OriginOf(&req.Target)); ok && !c.walkOnly && req.Validate() == nil && !req.SameOrigin() {
		if r.replay(req, l) {
			return nil
		}
	}
	out, err := c.Decide(ctx, req)
	l.Decision, l.Files = out.Decision, append(l.Files[:0], out.Files...)
	return err
}

// route records the walk l made.
func (l *lookup) route() *route {
	r := &route{complete: !l.out.Decision.Allowed, none: l.none}
	for i, f := range l.files {
		st := step{rec: *f, file: l.judged[i]}
		st.rec.Cached = !l.skipped[i]
		r.steps = append(r.steps, st)
	}
	return r
}

// replay judges req along the route, as the walk would with every file
// cached, writing the answer into out (whose Files it reuses). It reports
// false when the route stops short of an answer.
func (r *route) replay(req match.Request, out *match.Lookup) bool {
	var best match.Decision
	judged := false
	out.Files = out.Files[:0]
	for i := range r.steps {
		st := &r.steps[i]
		out.Files = append(out.Files, st.rec)
		if st.file == nil {
			continue
		}
		d := st.file.policy().Decide(req)
		if d.Allowed {
			out.Files[i].Note = "grants"
			out.Decision = d
			return true
		}
		out.Files[i].Note = fetch.DoesNotGrant(d.Code)
		if !judged || rank(d.Code) > rank(best.Code) {
			best, judged = d, true
		}
	}
	if !r.complete {
		return false // only a grant within the route answers
	}
	if judged {
		out.Decision = best
	} else {
		out.Decision = match.Deny(req, match.NoPolicy, runtimeName, "", r.none)
	}
	return true
}

// lookup is one Decide in progress.
type lookup struct {
	c     *Client
	req   match.Request
	out   match.Lookup
	files []*match.Consulted
	// judged and skipped run beside files: the file a request was judged
	// against there, and whether the walk skipped it without fetching.
	judged  []*policyFile
	skipped []bool
	best    *match.Decision // the most telling denial so far
	none    string          // the detail of a denial no file made
}

// consult fetches (or recalls) a file and lists it.
func (l *lookup) consult(ctx context.Context, loc string, socket bool) (*policyFile, *match.Consulted, error) {
	f, cached, err := l.c.files.Do(ctx, loc, func(ctx context.Context) *policyFile {
		if socket {
			return l.c.getSocket(ctx, loc)
		}
		return l.c.getHTTP(ctx, loc)
	})
	if err != nil {
		return nil, nil, err
	}
	rec := new(match.Consulted)
	*rec = f.rec
	rec.Cached = cached
	switch {
	case f.note != "":
		rec.Note = f.note
	case f.err != nil:
		rec.Used, rec.Note = true, "rejected: "+f.err.Error()
	default:
		rec.Used = true
		rec.Model, rec.Policy = f.pol, f.policy()
	}
	l.files = append(l.files, rec)
	l.judged, l.skipped = append(l.judged, nil), append(l.skipped, false)
	return f, rec, nil
}

// skip lists a file the lookup did not fetch, and why.
func (l *lookup) skip(loc, why string) {
	l.files = append(l.files, &match.Consulted{URL: loc, Note: why})
	l.judged, l.skipped = append(l.judged, nil), append(l.skipped, true)
}

// judge decides req against a usable file and reports whether it granted.
func (l *lookup) judge(f *policyFile, rec *match.Consulted) bool {
	for i := len(l.files) - 1; i >= 0; i-- {
		if l.files[i] == rec {
			l.judged[i] = f
			break
		}
	}
	d := f.policy().Decide(l.req)
	if d.Allowed {
		rec.Note = "grants"
		l.out.Decision = d
		return true
	}
	rec.Note = fetch.DoesNotGrant(d.Code)
	if l.best == nil || rank(d.Code) > rank(l.best.Code) {
		l.best = &d
	}
	return false
}

// rank orders denials by how much they tell: a file that does not govern
// the target tells least.
func rank(c match.Code) int {
	switch c {
	case match.OutOfScope:
		return 0
	case match.Disabled:
		return 1
	}
	return 2
}

// finish settles a lookup that nothing granted.
func (l *lookup) finish(none string) {
	if l.best != nil {
		l.out.Decision = *l.best
		return
	}
	var notes []string
	for _, f := range l.files {
		notes = append(notes, f.URL+": "+f.Note)
	}
	l.none = none + " (" + strings.Join(notes, "; ") + ")"
	l.out.Decision = match.Deny(l.req, match.NoPolicy, runtimeName, "", l.none)
}

func (l *lookup) http(ctx context.Context) error {
	err := l.walkHTTP(ctx, l.req.Target, false, func(f *policyFile, rec *match.Consulted, _ string) bool {
		return l.judge(f, rec)
	})
	if err != nil || l.out.Decision.Allowed {
		return err
	}
	l.finish("Flash Player found no policy file that grants the request")
	return nil
}

// walkHTTP consults the files Flash Player reads for targets on t's
// origin, in its order: the master /crossdomain.xml, then the registered
// PolicyFiles on that origin as the master's meta-policy lets them count.
// visit is called for each file that counts, with a note saying what it
// is; when it returns true the walk stops. With all set (a survey), the
// registered files the meta-policy rules out are fetched too, marked
// Extra, with the reason they do not count.
func (l *lookup) walkHTTP(ctx context.Context, t match.Target, all bool, visit func(f *policyFile, rec *match.Consulted, note string) bool) error {
	masterURL := t.Root() + "/crossdomain.xml"
	m, rec, err := l.consult(ctx, masterURL, false)
	if err != nil {
		return err
	}
	meta := PermitNone
	masterOK := m.usable() && m.kind == Master && m.final.Root() == t.Root()
	if m.usable() && !masterOK {
		rec.Used, rec.Note = false, "redirected to "+m.final.String()+", which is not the master policy of "+t.Root()+", so Flash Player ignores it"
	}
	if masterOK {
		meta = m.pol.siteMetaPolicy(m.header)
		if visit(m, rec, fmt.Sprintf("the master policy (meta-policy %s)", meta)) {
			return nil
		}
	}
	for _, u := range l.c.PolicyFiles {
		loc, err := match.ParseTarget(u)
		if err != nil || loc.IsSocket() || loc.Root() != t.Root() || u == masterURL {
			continue // it cannot govern this target
		}
		var out string // why the file does not count, whatever it holds
		switch {
		case !masterOK:
			out = "without a usable master policy no other policy file counts"
		case meta == PermitNone || meta == PermitMasterOnly:
			out = fmt.Sprintf("the meta-policy is %s, so only the master counts", meta)
		}
		if out != "" && !all {
			l.skip(u, "not fetched: "+out)
			continue
		}
		f, rec, err := l.consult(ctx, u, false)
		if err != nil {
			return err
		}
		if out != "" {
			rec.Extra = true
			if f.usable() {
				rec.Used, rec.Note = false, "Flash Player ignores this file: "+out
			}
			continue
		}
		if !f.usable() {
			continue
		}
		if f.kind == Master {
			rec.Used, rec.Note = false, "it is the master policy, already read"
			continue
		}
		if ok, why := meta.admits(f.media, f.final.Path); !ok {
			rec.Used, rec.Note = false, why
			if all {
				rec.Note = "Flash Player ignores this file: " + why
			}
			continue
		}
		dir := f.final.Path[:strings.LastIndexByte(f.final.Path, '/')+1]
		if visit(f, rec, fmt.Sprintf("a policy file a caller may load (Security.loadPolicyFile), for %s and below", dir)) {
			return nil
		}
	}
	return nil
}

// Survey reads every policy file Flash Player consults for the site at
// origin, and says of each what Flash Player made of it; it decides
// nothing. An audit is built on it. For scheme://host[:port], the files are
// the master /crossdomain.xml and every PolicyFiles location on that
// origin, each fetched even where the master's meta-policy rules it out
// (such a file is Extra, with the reason it does not count). For
// xmlsocket://host:port, the file is the socket policy that port serves
// (the socket master on 843).
//
// Each file comes with its response (status, Content-Type, headers),
// whether it could be read (Unread), and, when Flash Player read it
// without rejecting it, the model and the compiled policy; Used says
// whether it counts, and Note what it is or why it does not count. The
// answers are cached with Decide's. The error is non-nil only for an
// origin that is not one, or when ctx ends first.
func (c *Client) Survey(ctx context.Context, origin string) ([]match.Consulted, error) {
	t, err := match.ParseTarget(origin)
	if err != nil {
		return nil, err
	}
	l := &lookup{c: c}
	if t.IsSocket() {
		loc := "xmlsocket://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
		f, rec, err := l.consult(ctx, loc, true)
		if err != nil {
			return nil, err
		}
		if f.usable() {
			rec.Note = "the socket master policy"
			if f.kind != SocketMaster {
				rec.Note = "the socket policy of port " + strconv.Itoa(t.Port)
			}
		}
	} else {
		err = l.walkHTTP(ctx, t, true, func(f *policyFile, rec *match.Consulted, note string) bool {
			rec.Note = note
			if why := f.policy().Disabled; why != "" {
				rec.Used, rec.Note = false, "the master policy, switched off: "+why
			}
			return false
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]match.Consulted, len(l.files))
	for i, f := range l.files {
		out[i] = *f
	}
	return out, nil
}

func (l *lookup) socket(ctx context.Context) error {
	t := l.req.Target
	loc := func(port int) string { return "xmlsocket://" + net.JoinHostPort(t.Host, strconv.Itoa(port)) }
	masterLoc := loc(SocketMasterPort)
	m, rec, err := l.consult(ctx, masterLoc, true)
	if err != nil {
		return err
	}
	meta := DefaultMetaPolicy(true)
	if m.usable() {
		if l.judge(m, rec) {
			return nil
		}
		if site, _ := m.pol.MetaPolicy(); site != 0 {
			meta = site
		}
	}
	seen := map[string]bool{masterLoc: true}
	locs := []string{loc(t.Port)}
	for _, u := range l.c.PolicyFiles {
		if p, err := match.ParseTarget(u); err == nil && p.Scheme == "xmlsocket" && p.Host == t.Host {
			locs = append(locs, loc(p.Port))
		}
	}
	for _, u := range locs {
		if seen[u] {
			continue
		}
		seen[u] = true
		if meta != PermitAll {
			l.skip(u, fmt.Sprintf("not asked: the socket master's meta-policy is %s, so only it counts", meta))
			continue
		}
		f, rec, err := l.consult(ctx, u, true)
		if err != nil {
			return err
		}
		if f.usable() && l.judge(f, rec) {
			return nil
		}
	}
	l.finish("Flash Player found no socket policy that grants the connection")
	return nil
}

// ignoredResponse says why Flash Player reads no policy file from an HTTP
// response with this status and Content-Type, or returns "" when it reads
// one: only status 200 counts (a redirect is followed before: see
// MaxRedirects), with a media type of text/*, application/xml or
// application/xhtml+xml, parameters and case aside.
func ignoredResponse(status int, contentType string) string {
	return fetch.Unusable(status, contentType, "Flash Player", "text/", "application/xml", "application/xhtml+xml")
}

// getHTTP fetches an HTTP policy file.
func (c *Client) getHTTP(ctx context.Context, u string) *policyFile {
	h := fetch.HTTP{Client: c.HTTPClient, MaxBytes: c.MaxBytes, Timeout: c.Timeout, Redirects: fetch.SameHost, MaxRedirects: MaxRedirects}
	res, err := h.Get(ctx, u)
	f := &policyFile{rec: fetch.Record(u, res, err)}
	if err != nil {
		f.note = f.rec.Note
		return f
	}
	f.media, f.header = res.MediaType(), res.Header.Get("X-Permitted-Cross-Domain-Policies")
	if f.note = ignoredResponse(res.Status, res.ContentType); f.note != "" {
		return f
	}
	final, err := match.ParseTarget(res.Final)
	if err != nil {
		f.note = err.Error()
		return f
	}
	f.final, f.kind = final, KindOf(final)
	f.pol, _, f.err = Parser{Kind: f.kind, MaxBytes: int(c.MaxBytes)}.Parse(res.Body)
	return f
}

// getSocket fetches a socket policy from loc, xmlsocket://host:port.
func (c *Client) getSocket(ctx context.Context, loc string) *policyFile {
	f := &policyFile{rec: match.Consulted{URL: loc}}
	t, err := match.ParseTarget(loc)
	if err != nil {
		f.note = err.Error()
		return f
	}
	timeout := c.SocketTimeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	s := fetch.Socket{Request: []byte(PolicyRequest), UntilNUL: true, MaxBytes: c.MaxBytes, Timeout: timeout, Dial: c.DialContext}
	b, err := s.Get(ctx, net.JoinHostPort(t.Host, strconv.Itoa(t.Port)))
	if err != nil {
		f.rec.Err, f.rec.Unread, f.note = err, fetch.Unread(nil, err), fetch.Cause(err).Error()
		return f
	}
	f.final, f.kind = t, KindOf(t)
	f.pol, _, f.err = Parser{Kind: f.kind, MaxBytes: int(c.MaxBytes)}.Parse(b)
	return f
}
