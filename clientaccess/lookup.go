package clientaccess

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/match"
)

// SocketPolicyPort is the port Silverlight asks for socket policies.
const SocketPolicyPort = 943

// Client decides requests the way a Silverlight session did, fetching the
// policy files itself:
//
//   - a target on the caller's own scheme, host and port is allowed
//     without a policy;
//   - for HTTP(S), GET /clientaccesspolicy.xml on the target's scheme,
//     host and port; it counts with status 200 and a Content-Type of
//     text/* or application/xml (redirects are never followed: a 3xx is
//     a missing file); if it is missing, unreachable or rejected, GET
//     /crossdomain.xml and read it as Silverlight did (ParseCrossDomain);
//     if that fails too, deny;
//   - for a socket (tcp://host:port, or xmlsocket://), only ports
//     4502-4534 are ever opened; the policy comes from port 943 of the
//     host, asked with the 22-byte <policy-file-request/> and read until
//     the server closes (10 s by default), and only clientaccesspolicy.xml
//     is accepted there.
//
// The outcome for each site (scheme, host and port; or the host's port
// 943) is cached for the life of the Client, denials included, and
// concurrent lookups of one site share one fetch. A Client is safe for
// concurrent use; its fields must not change after the first Decide. The
// zero Client uses http.DefaultClient and net.Dialer.
//
// The cache grows with every site asked about, as a runtime session's
// did; a long-running crawler should start a new Client per batch.
type Client struct {
	// HTTPClient does the HTTP requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// DialContext opens socket policy connections; nil means a
	// net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// MaxBytes bounds each policy file (default 1 MiB); a larger one is
	// rejected, never truncated.
	MaxBytes int64
	// Timeout bounds each HTTP fetch (default 5 s); SocketTimeout each
	// socket policy exchange (default 10 s, Silverlight's).
	Timeout, SocketTimeout time.Duration

	sites fetch.Cache[*site]
	// settled holds the sites whose fetch is done, by origin, for lookups
	// that build no key.
	settled fetch.Memo[*site]
}

// site is what a Client learned about one site: the policy that decides
// there (nil when none) and the files consulted to learn it.
type site struct {
	policy *match.Policy
	why    match.Decision // the denial when policy is nil
	files  []match.Consulted
}

// Decide answers req. The error is non-nil only when ctx ends first.
func (c *Client) Decide(ctx context.Context, req match.Request) (*match.Lookup, error) {
	return c.decide(ctx, req, nil)
}

// DecideInto is Decide writing its answer into l, whose Files it reuses:
// once the Client has a site's policy, deciding there allocates nothing.
// l must not be in use elsewhere; what it held is overwritten.
func (c *Client) DecideInto(ctx context.Context, req match.Request, l *match.Lookup) error {
	_, err := c.decide(ctx, req, l)
	return err
}

// answer puts d, with no files, into l (a new Lookup when l is nil).
func answer(l *match.Lookup, d match.Decision) *match.Lookup {
	if l == nil {
		return &match.Lookup{Decision: d}
	}
	l.Decision, l.Files = d, l.Files[:0]
	return l
}

// decide answers req into l, or into a new Lookup when l is nil.
func (c *Client) decide(ctx context.Context, req match.Request, l *match.Lookup) (*match.Lookup, error) {
	t := req.Target
	if t.Scheme == "xmlsocket" {
		t.Scheme = "tcp"
		req.Target = t
	}
	if req.Validate() != nil {
		d, _ := match.Refuse(req, runtimeName)
		return answer(l, d), nil
	}
	switch {
	case t.IsSocket() && (t.Port < MinSocketPort || t.Port > MaxSocketPort):
		return answer(l, match.Deny(req, match.RuntimeLimit, runtimeName, "",
			fmt.Sprintf("Silverlight opens sockets only to ports %d-%d, not %d", MinSocketPort, MaxSocketPort, t.Port))), nil
	case req.SameOrigin():
		return answer(l, match.Decision{Allowed: true, Code: match.SameOrigin, Runtime: runtimeName, Request: req}), nil
	}
	// A site the Client has settled is found without building its key.
	memo := fetch.Origin{Scheme: t.Scheme, Host: t.Host, Port: t.Port}
	if t.IsSocket() {
		memo.Port = SocketPolicyPort
	}
	s, cached := c.settled.Load(memo)
	if !cached {
		key := t.Root()
		if t.IsSocket() {
			key = "tcp://" + net.JoinHostPort(t.Host, strconv.Itoa(SocketPolicyPort))
		}
		var err error
		s, cached, err = c.sites.Do(ctx, key, func(ctx context.Context) *site {
			if t.IsSocket() {
				return c.socketSite(ctx, t, key)
			}
			return c.httpSite(ctx, t, false)
		})
		if err != nil {
			return answer(l, match.Deny(req, match.NoPolicy, runtimeName, key, "no answer: "+err.Error())), err
		}
		c.settled.Store(memo, s)
	}
	if l == nil {
		l = fetch.NewLookup(len(s.files))
	}
	l.Files = append(l.Files[:0], s.files...)
	for i := range l.Files {
		l.Files[i].Cached = cached
	}
	if s.policy == nil {
		d := s.why
		d.Request = req
		l.Decision = d
		return l, nil
	}
	l.Decision = s.policy.Decide(req)
	last := &l.Files[len(l.Files)-1] // the file that decides
	if l.Decision.Allowed {
		last.Note = "grants"
	} else {
		last.Note = fetch.DoesNotGrant(l.Decision.Code)
	}
	return l, nil
}

func (c *Client) http() fetch.HTTP {
	return fetch.HTTP{Client: c.HTTPClient, MaxBytes: c.MaxBytes, Timeout: c.Timeout, Redirects: fetch.NoRedirects}
}

// ignoredResponse says why Silverlight reads no policy file from an HTTP
// response with this status and Content-Type, or returns "" when it reads
// one: only status 200 counts (redirects are never followed), with a media
// type of text/* or application/xml, parameters and case aside.
func ignoredResponse(status int, contentType string) string {
	return fetch.Unusable(status, contentType, "Silverlight", "text/", "application/xml")
}

// httpSite tries clientaccesspolicy.xml, then crossdomain.xml. With all
// set (a survey), crossdomain.xml is read even when
// clientaccesspolicy.xml decides, marked Extra.
func (c *Client) httpSite(ctx context.Context, t match.Target, all bool) *site {
	s := &site{}
	for _, name := range []string{"/clientaccesspolicy.xml", "/crossdomain.xml"} {
		u := t.Root() + name
		res, err := c.http().Get(ctx, u)
		rec := fetch.Record(u, res, err)
		if s.policy != nil {
			rec.Extra = true
		}
		if err == nil {
			if why := ignoredResponse(res.Status, res.ContentType); why != "" {
				rec.Note = why
			} else if model, p, why := compileResponse(name, u, res); p != nil {
				rec.Used, rec.Model, rec.Policy = true, model, p
				if s.policy != nil {
					rec.Used, rec.Note = false, "passed over: Silverlight reads "+s.files[0].URL+" first"
				} else {
					s.policy = p
				}
			} else {
				rec.Used, rec.Note = true, why
			}
		}
		if rec.Extra {
			rec.Used = false // passed over, whatever it holds
		}
		s.files = append(s.files, rec)
		if s.policy != nil && !all {
			return s
		}
	}
	if s.policy != nil {
		return s
	}
	var notes []string
	for _, f := range s.files {
		notes = append(notes, f.URL+": "+f.Note)
	}
	s.why = match.Deny(match.Request{}, match.NoPolicy, runtimeName, t.Root(),
		"Silverlight found no policy it could use ("+strings.Join(notes, "; ")+"), so it denies every cross-site request")
	return s
}

// compileResponse reads a policy response as Silverlight did; it returns
// nil and the reason when Silverlight rejects the file.
func compileResponse(name, u string, res *fetch.Response) (model any, p *match.Policy, why string) {
	loc, _ := match.ParseTarget(u)
	opt := CompileOptions{Location: loc}
	if name == "/clientaccesspolicy.xml" {
		pol, _, err := Parse(res.Body)
		if err != nil {
			return nil, nil, "rejected: " + err.Error()
		}
		return pol, pol.Compile(opt), ""
	}
	pol, _, err := ParseCrossDomain(res.Body)
	if err != nil {
		return nil, nil, "rejected: " + err.Error()
	}
	opt.PermittedCrossDomainPolicies = res.Header.Get("X-Permitted-Cross-Domain-Policies")
	return pol, CompileCrossDomain(pol, opt), ""
}

// socketSite asks port 943 of the target host.
func (c *Client) socketSite(ctx context.Context, t match.Target, key string) *site {
	s := &site{}
	timeout := c.SocketTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sock := fetch.Socket{Request: []byte(PolicyRequest), MaxBytes: c.MaxBytes, Timeout: timeout, Dial: c.DialContext}
	b, err := sock.Get(ctx, net.JoinHostPort(t.Host, strconv.Itoa(SocketPolicyPort)))
	rec := match.Consulted{URL: key, Err: err, Unread: fetch.Unread(nil, err)}
	if err != nil {
		rec.Note = fetch.Cause(err).Error()
		s.files = []match.Consulted{rec}
		s.why = match.Deny(match.Request{}, match.NoPolicy, runtimeName, key,
			fmt.Sprintf("no socket policy from %s (%s), so Silverlight opens no socket to %s", key, rec.Note, t.Host))
		return s
	}
	rec.Used = true
	pol, _, err := Parse(b)
	if err != nil {
		rec.Note = "rejected: " + err.Error()
		s.files = []match.Consulted{rec}
		s.why = match.Deny(match.Request{}, match.Rejected, runtimeName, key, err.Error())
		return s
	}
	loc, _ := match.ParseTarget(key)
	s.policy = pol.Compile(CompileOptions{Source: key, Location: loc})
	rec.Model, rec.Policy = pol, s.policy
	s.files = []match.Consulted{rec}
	return s
}

// Survey reads every policy file Silverlight consults for the site at
// origin, and says of each what Silverlight made of it; it decides
// nothing. An audit is built on it. For scheme://host[:port], the files
// are /clientaccesspolicy.xml and /crossdomain.xml, the second read even
// when the first decides (it is then Extra, passed over). For
// tcp://host:port, the file is the socket policy of port 943 of host.
//
// Each file comes with its response (status, Content-Type, headers),
// whether it could be read (Unread), and, when Silverlight read it
// without rejecting it, the model (a *Policy, or a *crossdomain.Policy
// for crossdomain.xml) and the compiled policy; Used says whether it is
// the site's policy, Note what it is or why it is not. Nothing is cached.
// The error is non-nil only for an origin that is not one, or when ctx
// ends first.
func (c *Client) Survey(ctx context.Context, origin string) ([]match.Consulted, error) {
	t, err := match.ParseTarget(origin)
	if err != nil {
		return nil, err
	}
	if t.IsSocket() {
		key := "tcp://" + net.JoinHostPort(t.Host, strconv.Itoa(SocketPolicyPort))
		s := c.socketSite(ctx, t, key)
		if s.policy != nil {
			s.files[0].Note = "the policy of " + s.policy.Scope.String()
		}
		return s.files, ctx.Err()
	}
	s := c.httpSite(ctx, t, true)
	for i := range s.files {
		f := &s.files[i]
		switch {
		case f.Extra || f.Policy == nil:
		case f.Policy.Disabled != "":
			f.Used, f.Note = false, "switched off: "+f.Policy.Disabled
		case i == 0:
			f.Note = "the policy of " + strings.TrimSuffix(f.Policy.Scope.String(), "/")
		case s.files[0].Unread != "":
			f.Note = "read in place of " + s.files[0].URL + ", which could not be read"
		default:
			f.Note = "read in place of the missing " + s.files[0].URL
		}
	}
	return s.files, ctx.Err()
}
