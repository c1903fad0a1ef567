// Package audit reads every policy file of a site as the runtimes did and
// reports, per file, which runtime uses it, the findings of its format's
// Lint plus those of the response, and one verdict per runtime of what the
// site exposes. It is the engine of "xdpolicy audit", and a scanner's.
//
//	rep, err := audit.Audit(ctx, "example.com", audit.Config{Sockets: true})
//	for _, f := range rep.Findings() {
//		fmt.Println(f) // URL:LINE:COL: LEVEL: CODE: MESSAGE
//	}
//	for _, v := range rep.Verdicts {
//		fmt.Println(v.Runtime, v.Text) // "flash", "any Flash caller may read everything over HTTP"
//	}
//
// The audit finds and reads the files through the runtimes' own lookups:
// the Survey of crossdomain.Client (Flash Player's master
// /crossdomain.xml, its meta-policy and the files at the extra paths,
// which it reads as files a caller registered with loadPolicyFile, with
// its same-host redirects), of clientaccess.Client
// (/clientaccesspolicy.xml, then /crossdomain.xml, no redirects) and of
// mozpolicy.Client (the root /cross-domain-policy.xml), for each origin
// (http:// and https:// of the host, or the one origin a URL with a port
// names); with Sockets, Flash Player's socket master on port 843 and
// Silverlight's socket policy on port 943. Every URL is fetched once for
// all of them. The audit adds only what is its own: the findings, the
// response's findings, the verdicts and the report.
//
// A survey of many sites goes through Batch, which streams a list of any
// length in flat memory: many sites at once, a few of one host at most,
// each report handed over in the list's order. Shard splits a list
// between machines, and Summary counts what a survey found.
//
// Decisions taken (where the findings are reported is the audit's choice):
//   - missing-meta-policy-header is reported on a Flash master the player
//     uses, the one response whose header counts; a site with no master
//     is not asked for one.
//   - cacheable-response is reported on every HTTP policy file a runtime
//     uses whose Cache-Control has none of no-cache, no-store or
//     max-age=0.
//   - The files at extra paths are read as Flash Player read files a caller
//     registered; the audit follows no Mozilla-draft delegation.
//   - The verdict does not tell callers apart by scheme: anyone can serve
//     a caller over HTTPS, so secure="true" does not narrow "any caller".
//   - An audit never reports a site safer than what it read. A file that
//     could not be read (a timeout, a reset, a TLS failure, status 408,
//     429 or 5xx, a body cut short or over the size limit) is not a
//     missing file: when a runtime would read it, that runtime's verdict
//     is unknown (Verdict.Unknown says which files and why; Text then
//     says what the files that were read grant, never that no caller may
//     reach anything). A status that says something (200, 3xx, 404, 410,
//     403…), a redirect the runtime does not follow, and a refused
//     connection (nothing listens there: no HTTPS server, no socket
//     policy server) are answers. A non-200 response whose body could
//     not be read is still its status: no runtime reads that body.
//   - Which failures count, per runtime and origin. Flash: the master
//     /crossdomain.xml, as sent and along its same-host redirects; an
//     extra path only when the master was read and its meta-policy lets
//     other files count (all, by-content-type or by-ftp-filename: what a
//     file not read would have been served as is not known); when the
//     master was not read, Flash is unknown anyway. Silverlight:
//     /clientaccesspolicy.xml, and /crossdomain.xml unless
//     clientaccesspolicy.xml was read and used (a crossdomain.xml read
//     in place of one that could not be read still shows what it grants).
//     The Mozilla draft: the root /cross-domain-policy.xml.
//   - With Sockets, a socket policy server that refuses the connection
//     answered; any other failure (a silent server, a reply that does not
//     end, a reset) makes that runtime's verdict unknown and says it is
//     the sockets that are not known. The runtimes had limits of their
//     own (Flash Player 3 s, Silverlight 10 s), but the audit does not
//     count a timeout as "the runtime got nothing either": a server slow
//     to the auditor once may answer a user's runtime in time, and a
//     Timeout below the runtime's limit would prove nothing.
//   - A site where no HTTP location answered at all is not audited
//     (Site.Err), whatever the failures.
//   - Error texts in notes and verdicts may carry what a server sent (a
//     malformed header line, a certificate's names): characters that are
//     not printable are escaped and each text is clipped.
package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
	"golang.org/x/net/publicsuffix"
)

// The runtimes, as reports name them (xdpolicy.Runtime's names).
const (
	Flash       = "flash"
	Silverlight = "silverlight"
	Mozilla     = "mozilla"
)

// Runtimes lists the runtimes in report order.
var Runtimes = []string{Flash, Silverlight, Mozilla}

// The files every origin is asked for.
const (
	crossDomainPath  = "/crossdomain.xml"
	clientAccessPath = "/clientaccesspolicy.xml"
	mozillaPath      = "/cross-domain-policy.xml"
)

// Config says how to reach a site.
type Config struct {
	// HTTPClient does the HTTP requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// DialContext opens socket policy connections; nil means a
	// net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Timeout bounds each fetch (default 5 s); MaxBytes each file (default
	// 1 MiB).
	Timeout  time.Duration
	MaxBytes int64
	// Sockets asks the socket policy servers on ports 843 and 943 too.
	Sockets bool
	// Paths are extra paths to fetch on every origin, such as
	// "/api/crossdomain.xml".
	Paths []string
	// Trust, when set, is the organisation's allowlist: a caller a policy
	// trusts that it does not cover is an UntrustedCaller finding.
	Trust *finding.Allowlist
	// Pages also fetches each origin's root page and reports a response
	// without X-Permitted-Cross-Domain-Policies (PageHeader): scanners and
	// secure-header guides expect the header on every response.
	Pages bool
	// Registrations looks up the registrable domain (public suffix + 1)
	// of every caller a policy the runtimes use trusts, and reports one
	// that does not exist (UnregisteredDomain): whoever registers it is
	// trusted. It sends DNS queries, through Resolver (nil: the system's).
	Registrations bool
	Resolver      *net.Resolver
}

// Site is the report on one site.
type Site struct {
	// Site is the argument as given; Host the host audited, in ASCII.
	Site string
	Host string
	// Files are the locations asked, in order: per origin the three
	// well-known files and the extra paths, then the socket policies.
	Files []*File
	// Verdicts say, per runtime (in the order of Runtimes), what the site
	// exposes.
	Verdicts []Verdict
	// Err is set when the site could not be audited: no HTTP location
	// answered at all.
	Err error

	unread map[string][]unreadFile // per runtime, the files it reads that could not be read
}

// File is one location asked, and what came of it.
type File struct {
	// URL is the location: an http(s) URL, xmlsocket://host:843 or
	// tcp://host:943.
	URL string
	// Status, ContentType, CacheControl and MetaPolicy (the
	// X-Permitted-Cross-Domain-Policies header) describe the response as
	// sent, before any redirect; Final is where Flash Player's redirects
	// led, when they were followed.
	Status                                int
	ContentType, CacheControl, MetaPolicy string
	Final                                 string
	// Err is why nothing answered (a refused port, a timeout), or why
	// the body of a 200 response was not read whole (then Status and the
	// headers are those of the response).
	Err error
	// Found reports that a file was there: a 200 response (after
	// same-host redirects) or a socket reply.
	Found bool
	// Readings say, per runtime that looks here, whether it accepts the
	// file and uses it.
	Readings []Reading
	// Findings are those of the file's format Lint and of the response.
	Findings []finding.Finding

	socket bool
	origin string // scheme://host[:port]; "" for a socket
	path   string
	// siteControl: the Flash master sets its meta-policy itself
	siteControl bool
	// flashHeader is the X-Permitted-Cross-Domain-Policies header of the
	// response Flash Player read the file from, after its redirects
	flashHeader string
	// what each runtime compiled, for the verdict (nil when unused)
	compiled map[string]*match.Policy
	// why the file could not be read as sent: "" when the site answered
	failed string
	// the allowlist the findings hold the file's callers to
	trust *finding.Allowlist
	// page marks an origin's root page (Config.Pages), not a policy file
	page bool
}

// Unread says why the file could not be read as sent (a timeout, a TLS
// failure, a 5xx, a body cut short...), or returns "" when the site
// answered, refusals and 404s included. The text is fit to print.
func (f *File) Unread() string { return f.failed }

// Reading is what one runtime made of a file.
type Reading struct {
	Runtime string
	// Accepted: the runtime read the response as a policy and its reading
	// did not reject the file.
	Accepted bool
	// Used: the runtime lets the file grant (an accepted file may still be
	// passed over: a meta-policy, a file that comes first).
	Used bool
	// Note says what the runtime made of it, in words.
	Note string
}

// State says in words what came of the file: "used", "accepted, not
// used" or "rejected" (which includes not fetched).
func (r Reading) State() string {
	switch {
	case r.Used:
		return "used"
	case r.Accepted:
		return "accepted, not used"
	}
	return "rejected"
}

// Verdict is one line on what a site exposes to one runtime's callers.
type Verdict struct {
	Runtime string
	Text    string
	// Unknown, when set, says which files the runtime reads could not
	// be read, and why: what its callers may reach is then not known, and
	// Text says what the files that were read grant.
	Unknown string `json:",omitempty"`
}

// Unknown returns the runtimes whose verdict is unknown: a file they read
// could not be read.
func (s *Site) Unknown() []string {
	var out []string
	for _, v := range s.Verdicts {
		if v.Unknown != "" {
			out = append(out, v.Runtime)
		}
	}
	return out
}

// Worst returns the highest level among the site's findings (0 when
// none).
func (s *Site) Worst() finding.Level {
	var w finding.Level
	for _, f := range s.Files {
		for _, x := range f.Findings {
			w = max(w, x.Level)
		}
	}
	return w
}

// Findings returns every finding of the site, file by file.
func (s *Site) Findings() []finding.Finding {
	var out []finding.Finding
	for _, f := range s.Files {
		out = append(out, f.Findings...)
	}
	return out
}

// ParseSite reads a site argument: a host name ("example.com"), or an
// http(s) URL whose path is ignored. It returns the host and the origins
// to audit: http:// and https:// of the host on their default ports, or,
// when the URL names a port, that one origin.
func ParseSite(arg string) (host string, origins []string, err error) {
	s := strings.TrimSpace(arg)
	if s == "" {
		return "", nil, errors.New("empty site")
	}
	if !strings.Contains(s, "://") {
		if strings.ContainsAny(s, "/?#") {
			return "", nil, fmt.Errorf("site %s: give a host name, or a URL with its scheme", match.Quote(arg))
		}
		if _, _, err := net.SplitHostPort(s); err == nil {
			return "", nil, fmt.Errorf("site %s: a port needs a scheme, as in http://%s", match.Quote(arg), match.Escape(s))
		}
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", nil, fmt.Errorf("site %s: %w", match.Quote(arg), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", nil, fmt.Errorf("site %s: want an http or https URL", match.Quote(arg))
	}
	if u.Hostname() == "" || u.User != nil {
		return "", nil, fmt.Errorf("site %s: want a host name without user information", match.Quote(arg))
	}
	host, err = match.NormalizeHost(u.Hostname())
	if err != nil {
		return "", nil, fmt.Errorf("site %s: %w", match.Quote(arg), err)
	}
	h := host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", nil, fmt.Errorf("site %s: bad port %s", match.Quote(arg), match.Quote(p))
		}
		if n != match.DefaultPort(u.Scheme) {
			return host, []string{u.Scheme + "://" + h + ":" + p}, nil
		}
		return host, []string{u.Scheme + "://" + h}, nil
	}
	return host, []string{"http://" + h, "https://" + h}, nil
}

// CheckPath checks an extra path: absolute, without a query or fragment.
func CheckPath(p string) error {
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#") {
		return fmt.Errorf("extra path %s: want an absolute path without a query, such as /api/crossdomain.xml", match.Quote(p))
	}
	return nil
}

// Audit audits one site. It fails only for a bad site argument or a bad
// extra path, or when ctx ends first; what the site answers, errors
// included, is in the report.
//
// The files are found and read by the runtimes' own lookups (the Survey
// of crossdomain.Client, clientaccess.Client and mozpolicy.Client), over
// one HTTP client that fetches each URL once for all of them; the audit
// adds the findings, the verdicts and the report.
func Audit(ctx context.Context, site string, cfg Config) (*Site, error) {
	host, origins, err := ParseSite(site)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Paths {
		if err := CheckPath(p); err != nil {
			return nil, err
		}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = fetch.DefaultTimeout
	}
	hc := onceEach(cfg.HTTPClient, cfg.MaxBytes)
	var extras []string
	for _, o := range origins {
		for _, p := range cfg.Paths {
			extras = append(extras, o+p)
		}
	}
	clients := map[string]xdpolicy.Client{}
	for _, rt := range xdpolicy.Runtimes {
		opt := xdpolicy.ClientOptions{HTTPClient: hc, DialContext: cfg.DialContext, MaxBytes: cfg.MaxBytes, Timeout: timeout, SocketTimeout: timeout}
		if rt == xdpolicy.Flash {
			opt.PolicyFiles = extras // the extra paths, as files a caller registered
		}
		c, err := xdpolicy.NewClient(rt, opt)
		if err != nil {
			return nil, err
		}
		clients[rt.String()] = c
	}

	// One survey per runtime and origin (and socket port), at once.
	type survey struct {
		rt     string
		origin string // "" for a socket
		files  []match.Consulted
		err    error
	}
	var surveys []*survey
	for _, o := range origins {
		surveys = append(surveys, &survey{rt: Flash, origin: o}, &survey{rt: Silverlight, origin: o}, &survey{rt: Mozilla, origin: o})
	}
	if cfg.Sockets {
		hp := func(port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
		surveys = append(surveys,
			&survey{rt: Flash, origin: "xmlsocket://" + hp(crossdomain.SocketMasterPort)},
			&survey{rt: Silverlight, origin: "tcp://" + hp(clientaccess.SocketPolicyPort)})
	}
	var wg sync.WaitGroup
	for _, sv := range surveys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sv.files, sv.err = clients[sv.rt].Survey(ctx, sv.origin)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// The report's locations, in order: per origin the three well-known
	// files and the extra paths, then the socket policies.
	rep := &Site{Site: site, Host: host, unread: map[string][]unreadFile{}}
	byURL := map[string]*File{}
	at := func(u string, socket bool) *File {
		if f, ok := byURL[u]; ok {
			return f
		}
		f := &File{URL: u, socket: socket, compiled: map[string]*match.Policy{}, trust: cfg.Trust}
		byURL[u] = f
		rep.Files = append(rep.Files, f)
		return f
	}
	for _, o := range origins {
		for _, p := range slices.Concat([]string{crossDomainPath, clientAccessPath, mozillaPath}, cfg.Paths) {
			f := at(o+p, false)
			f.origin, f.path = o, p
		}
	}
	for _, sv := range surveys {
		if sv.err != nil {
			return nil, sv.err
		}
		for _, rec := range sv.files {
			f := at(rec.URL, strings.HasPrefix(rec.URL, "xmlsocket:") || strings.HasPrefix(rec.URL, "tcp:"))
			f.add(sv.rt, rec)
			if rec.Unread != "" && !rec.Extra {
				rep.unread[sv.rt] = append(rep.unread[sv.rt], unreadFile{url: rec.URL, why: rec.Unread, socket: f.socket})
			}
		}
	}
	answered := false
	var first error
	for _, f := range rep.Files {
		if f.socket {
			continue
		}
		if f.Status != 0 {
			answered = true
		} else if first == nil {
			first = f.Err
		}
	}
	if !answered {
		rep.Err = fmt.Errorf("no HTTP answer from %s: %w", host, first)
	}
	if cfg.Pages {
		for _, o := range origins {
			rep.Files = append(rep.Files, rootPage(ctx, hc, o+"/", timeout, cfg.MaxBytes))
		}
	}
	for _, f := range rep.Files {
		if f.page {
			continue
		}
		f.responseFindings()
		// The evidence: each finding's entry as it stands in the body
		// that was read (HTTP files; after redirects, the final one's).
		if body, ok := hc.Transport.(*onceTransport).body(cmp.Or(f.Final, f.URL)); ok {
			finding.AddEvidence(f.Findings, body)
		}
	}
	if cfg.Registrations {
		registrations(ctx, rep, cfg.Resolver, timeout)
	}
	rep.Verdicts = rep.verdicts(cfg.Sockets)
	return rep, nil
}

// notFound reports whether the domain d does not exist: no NS records
// and no address either. Go's resolver says "not found" for a name that
// exists without records of the kind asked (NODATA) as for one that does
// not exist (NXDOMAIN), so a name with no NS (a host under a private
// suffix such as github.io) is asked for an address too; any other
// failure (a timeout, a server failure) is not "not found".
func notFound(ctx context.Context, r *net.Resolver, d string) bool {
	isNotFound := func(err error) bool {
		var de *net.DNSError
		return errors.As(err, &de) && de.IsNotFound
	}
	if _, err := r.LookupNS(ctx, d); !isNotFound(err) {
		return false
	}
	_, err := r.LookupHost(ctx, d)
	return isNotFound(err)
}

// registrable reports whether host lies under a suffix where anyone can
// register a name: a listed public suffix, not an address or a name
// under a top-level domain no registry serves (.lan, .internal).
func registrable(host string) bool {
	if _, err := netip.ParseAddr(host); err == nil {
		return false
	}
	ps, icann := publicsuffix.PublicSuffix(host)
	return icann || strings.Contains(ps, ".")
}

// registrations reports the trusted callers whose registrable domain does
// not exist: each domain is asked once, a few at a time; an answer other
// than "no such domain" (a timeout, a server failure) reports nothing.
func registrations(ctx context.Context, rep *Site, r *net.Resolver, timeout time.Duration) {
	if r == nil {
		r = net.DefaultResolver
	}
	type trusted struct {
		file    *File
		caller  *match.Caller
		pattern string
	}
	byDomain := map[string][]trusted{}
	var domains []string
	seen := map[string]bool{}
	for _, f := range rep.Files {
		for _, rt := range Runtimes {
			p := f.compiled[rt]
			if p == nil {
				continue
			}
			for i := range p.Rules {
				for j := range p.Rules[i].Callers {
					c := &p.Rules[i].Callers[j]
					host := strings.TrimPrefix(c.Host.String(), "*.")
					if c.Host.IsAny() || !registrable(host) {
						continue
					}
					d, err := publicsuffix.EffectiveTLDPlusOne(host)
					if err != nil {
						continue // a bare suffix
					}
					key := f.URL + " " + c.Pos.String() + " " + host
					if seen[key] {
						continue // Flash and Silverlight read one file
					}
					seen[key] = true
					if byDomain[d] == nil {
						domains = append(domains, d)
					}
					byDomain[d] = append(byDomain[d], trusted{f, c, cmp.Or(c.Text, c.Host.String())})
				}
			}
		}
	}
	missing := make([]bool, len(domains))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, d := range domains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			missing[i] = notFound(ctx, r, d)
		}()
	}
	wg.Wait()
	for i, d := range domains {
		if !missing[i] {
			continue
		}
		for _, t := range byDomain[d] {
			t.file.Findings = append(t.file.Findings, finding.Finding{Code: finding.UnregisteredDomain, Level: finding.High,
				File: t.file.URL, Pos: t.caller.Pos,
				Message: fmt.Sprintf("%s trusts callers under %s, a domain that does not exist (NXDOMAIN): whoever registers it is trusted", match.Quote(t.pattern), d)})
		}
	}
}

// rootPage fetches an origin's root page u and reports a response
// without X-Permitted-Cross-Domain-Policies.
func rootPage(ctx context.Context, hc *http.Client, u string, timeout time.Duration, maxBytes int64) *File {
	f := &File{URL: u, page: true, compiled: map[string]*match.Policy{}}
	res, err := fetch.HTTP{Client: hc, MaxBytes: maxBytes, Timeout: timeout, Redirects: fetch.NoRedirects}.Get(ctx, u)
	if res != nil {
		f.Status, f.ContentType = res.Status, res.ContentType
		f.CacheControl, f.MetaPolicy = res.Header.Get("Cache-Control"), res.Header.Get("X-Permitted-Cross-Domain-Policies")
	}
	if f.Status == 0 {
		f.Err = err
		return f
	}
	if f.MetaPolicy == "" {
		f.Findings = append(f.Findings, finding.Finding{Code: finding.PageHeader, Level: finding.Info, File: u,
			Message: fmt.Sprintf("the page answers status %d without X-Permitted-Cross-Domain-Policies: send it on every response (master-only, or none on a site without policy files), as scanners and secure-header guides expect", f.Status)})
	}
	return f
}

// unreadFile is a file a runtime reads that could not be read.
type unreadFile struct {
	url, why string
	socket   bool
}

// add records what runtime rt made of the file, as its survey says.
func (f *File) add(rt string, rec match.Consulted) {
	// The response as sent: the first record without redirects followed
	// (Silverlight's and the draft's) wins over Flash Player's.
	if f.Status == 0 && f.Err == nil || rec.Final == "" && f.Final != "" && rec.Status != 0 {
		f.Status, f.ContentType, f.Err = rec.Status, rec.ContentType, rec.Err
		f.CacheControl = http.Header(rec.Header).Get("Cache-Control")
		f.MetaPolicy = rec.MetaPolicy
		if f.failed == "" {
			f.failed = rec.Unread
		}
	}
	if rec.Final != "" && rec.Final != rec.URL {
		f.Final = rec.Final
	}
	if rt == Flash && !f.socket {
		f.flashHeader = rec.MetaPolicy
	}
	f.Found = f.Found || rec.Model != nil || rec.Err == nil && (rec.Status == http.StatusOK || f.socket && rec.Note != "")
	plainMissing := rec.Model == nil && (rec.Status == http.StatusNotFound || rec.Status == http.StatusGone)
	if !plainMissing {
		note := rec.Note
		if rec.Model == nil && rec.Unread != "" {
			note = "could not be read: " + rec.Unread
		} else if rec.Model == nil && rec.Err != nil && f.socket {
			note = "no socket policy server: " + rec.Note
		} else if rec.Model == nil && rec.Err != nil {
			note = "no answer: " + rec.Note
		}
		note = strings.TrimPrefix(note, "rejected: ")
		f.Readings = append(f.Readings, Reading{Runtime: rt, Accepted: rec.Model != nil, Used: rec.Used && rec.Model != nil, Note: note})
	}
	if rec.Policy != nil && (rec.Used || rec.Policy.Disabled != "") {
		f.compiled[rt] = rec.Policy // the verdict passes over a disabled one
	}
	if rec.Model == nil || len(f.Findings) > 0 {
		return
	}
	switch m := rec.Model.(type) {
	case *crossdomain.Policy:
		kind := crossdomain.Master
		if loc, err := match.ParseTarget(cmp.Or(rec.Final, rec.URL)); err == nil && rt == Flash {
			kind = crossdomain.KindOf(loc)
		}
		f.Findings = m.Lint(crossdomain.LintOptions{Kind: kind, File: f.URL, Trust: f.trust})
		if sc, _ := m.MetaPolicy(); sc != 0 && rt == Flash {
			f.siteControl = true
		}
	case *clientaccess.Policy:
		f.Findings = m.Lint(clientaccess.LintOptions{File: f.URL, Trust: f.trust})
	case *mozpolicy.Policy:
		f.Findings = m.Lint(mozpolicy.LintOptions{File: f.URL, Trust: f.trust})
	}
}

// responseFindings adds what the audit says about the response and about
// the file as a whole: a file nobody uses, a cacheable response, a Flash
// master without X-Permitted-Cross-Domain-Policies.
func (f *File) responseFindings() {
	add := func(code string, level finding.Level, format string, args ...any) {
		f.Findings = append(f.Findings, finding.Finding{Code: code, Level: level, File: f.URL, Message: fmt.Sprintf(format, args...)})
	}
	used := false
	var notes []string
	for _, r := range f.Readings {
		used = used || r.Used
		notes = append(notes, r.Runtime+": "+r.Note)
	}
	if !f.Found {
		f.Findings = nil
		return
	}
	if !used {
		// What the file would grant is moot while nobody uses it; the
		// finding says why, and a fix that makes it count brings its
		// findings back.
		f.Findings = nil
		why := strings.Join(notes, "; ")
		if why == "" {
			why = "no runtime reads a policy file here"
		}
		add(finding.IgnoredFile, finding.Info, "no runtime uses this file (%s)", why)
		return
	}
	if f.socket {
		return
	}
	if !nonCacheable(f.CacheControl) {
		cc := "no Cache-Control"
		if f.CacheControl != "" {
			cc = "Cache-Control " + match.Quote(f.CacheControl)
		}
		add(finding.Cacheable, finding.Low, "served with %s: caches may keep this policy after it changes; send Cache-Control: no-cache", cc)
	}
	if c := f.compiled[Flash]; c != nil && f.path == crossDomainPath && f.flashHeader == "" {
		level, why := finding.Low, "and the file has no site-control either: the meta-policy rests on Flash Player's default"
		if f.siteControl {
			level, why = finding.Info, "(the file's site-control sets the meta-policy)"
		}
		add(finding.NoMetaPolicyHeader, level, "the master policy is served without X-Permitted-Cross-Domain-Policies %s", why)
	}
}

// nonCacheable reports whether a Cache-Control value keeps caches from
// reusing the response without asking.
func nonCacheable(cc string) bool {
	for _, d := range strings.Split(strings.ToLower(cc), ",") {
		d = strings.TrimSpace(d)
		if d == "no-cache" || d == "no-store" || d == "max-age=0" {
			return true
		}
	}
	return false
}
