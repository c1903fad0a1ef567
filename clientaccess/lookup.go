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
	t := req.Target
	if t.Scheme == "xmlsocket" {
		t.Scheme = "tcp"
		req.Target = t
	}
	if d, refused := match.Refuse(req, "silverlight"); refused {
		return &match.Lookup{Decision: d}, nil
	}
	switch {
	case t.IsSocket() && (t.Port < MinSocketPort || t.Port > MaxSocketPort):
		return &match.Lookup{Decision: match.Deny(req, match.RuntimeLimit, "silverlight", "",
			fmt.Sprintf("Silverlight opens sockets only to ports %d-%d, not %d", MinSocketPort, MaxSocketPort, t.Port))}, nil
	case req.SameOrigin():
		return &match.Lookup{Decision: match.Decision{Allowed: true, Code: match.SameOrigin, Runtime: "silverlight", Request: req}}, nil
	}
	key := t.Root()
	if t.IsSocket() {
		key = "tcp://" + net.JoinHostPort(t.Host, strconv.Itoa(SocketPolicyPort))
	}
	s, cached, err := c.sites.Do(ctx, key, func(ctx context.Context) *site {
		if t.IsSocket() {
			return c.socketSite(ctx, t, key)
		}
		return c.httpSite(ctx, t)
	})
	if err != nil {
		return &match.Lookup{Decision: match.Deny(req, match.NoPolicy, "silverlight", key, "no answer: "+err.Error())}, err
	}
	l := &match.Lookup{Files: append([]match.Consulted(nil), s.files...)}
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
		last.Note = "does not grant (" + l.Decision.Code.String() + ")"
	}
	return l, nil
}

func (c *Client) http() fetch.HTTP {
	return fetch.HTTP{Client: c.HTTPClient, MaxBytes: c.MaxBytes, Timeout: c.Timeout, Redirects: fetch.NoRedirects}
}

// IgnoredResponse says why Silverlight reads no policy file from an HTTP
// response with this status and Content-Type, or returns "" when it reads
// one: only status 200 counts (redirects are never followed), with a media
// type of text/* or application/xml, parameters and case aside.
func IgnoredResponse(status int, contentType string) string {
	return fetch.Unusable(status, contentType, "Silverlight", "text/", "application/xml")
}

// httpSite tries clientaccesspolicy.xml, then crossdomain.xml.
func (c *Client) httpSite(ctx context.Context, t match.Target) *site {
	s := &site{}
	for _, name := range []string{"/clientaccesspolicy.xml", "/crossdomain.xml"} {
		u := t.Root() + name
		res, err := c.http().Get(ctx, u)
		rec := fetch.Record(u, res, err)
		if err == nil {
			if why := IgnoredResponse(res.Status, res.ContentType); why != "" {
				rec.Note = why
			} else if p, why := compileResponse(name, u, res); p != nil {
				rec.Used = true
				s.files = append(s.files, rec)
				s.policy = p
				return s
			} else {
				rec.Used, rec.Note = true, why
			}
		}
		s.files = append(s.files, rec)
	}
	var notes []string
	for _, f := range s.files {
		notes = append(notes, f.URL+": "+f.Note)
	}
	s.why = match.Deny(match.Request{}, match.NoPolicy, "silverlight", t.Root(),
		"Silverlight found no policy it could use ("+strings.Join(notes, "; ")+"), so it denies every cross-site request")
	return s
}

// compileResponse reads a policy response as Silverlight did; it returns
// nil and the reason when Silverlight rejects the file.
func compileResponse(name, u string, res *fetch.Response) (*match.Policy, string) {
	loc, _ := match.ParseTarget(u)
	opt := CompileOptions{Location: loc}
	if name == "/clientaccesspolicy.xml" {
		pol, _, err := Parse(res.Body)
		if err != nil {
			return nil, "rejected: " + err.Error()
		}
		return pol.Compile(opt), ""
	}
	pol, _, err := ParseCrossDomain(res.Body)
	if err != nil {
		return nil, "rejected: " + err.Error()
	}
	opt.PermittedCrossDomainPolicies = res.Header.Get("X-Permitted-Cross-Domain-Policies")
	return CompileCrossDomain(pol, opt), ""
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
	rec := match.Consulted{URL: key, Err: err}
	if err != nil {
		rec.Note = fetch.Cause(err).Error()
		s.files = []match.Consulted{rec}
		s.why = match.Deny(match.Request{}, match.NoPolicy, "silverlight", key,
			fmt.Sprintf("no socket policy from %s (%s), so Silverlight opens no socket to %s", key, rec.Note, t.Host))
		return s
	}
	rec.Used = true
	pol, _, err := Parse(b)
	if err != nil {
		rec.Note = "rejected: " + err.Error()
		s.files = []match.Consulted{rec}
		s.why = match.Deny(match.Request{}, match.Rejected, "silverlight", key, err.Error())
		return s
	}
	s.files = []match.Consulted{rec}
	loc, _ := match.ParseTarget(key)
	s.policy = pol.Compile(CompileOptions{Source: key, Location: loc})
	return s
}
