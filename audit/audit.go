// Package audit fetches every policy file of a site as the runtimes did
// and reports, per file, which runtime uses it, the findings of its
// format's Lint plus those of the response, and one verdict per runtime of
// what the site exposes. It is the engine of "xdpolicy audit".
//
// What it fetches, for each origin (http:// and https:// of the host, or
// the one origin a URL with a port names): /crossdomain.xml,
// /clientaccesspolicy.xml, /cross-domain-policy.xml and the extra paths;
// with Sockets, the Flash socket master on port 843 and Silverlight's
// socket policy on port 943. Every location is fetched once without
// following redirects (what Silverlight and the Mozilla draft see); a
// redirect is fetched again following same-host redirects (what Flash
// Player saw).
//
// Decisions taken (where the findings are reported is the audit's choice):
//   - missing-meta-policy-header is reported on a Flash master the player
//     uses, the one response whose header counts; a site with no master
//     is not asked for one.
//   - cacheable-response is reported on every HTTP policy file a runtime
//     uses whose Cache-Control has none of no-cache, no-store or
//     max-age=0.
//   - A Mozilla-draft file at an extra path is accepted but not followed:
//     the audit does not know which policy above delegates to it.
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
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
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

	unread map[string][]*File // per runtime, the files it reads that could not be read
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

	socket  bool
	body    []byte
	res     *fetch.Response // as sent
	flash   *fetch.Response // after same-host redirects
	flashEr error
	origin  string // scheme://host[:port]; "" for a socket
	path    string
	// siteControl: the Flash master sets its meta-policy itself
	siteControl bool
	// what each runtime compiled, for the verdict (nil when unused)
	compiled map[string]*match.Policy
	// why the file could not be read, as sent and as Flash Player read it
	// (after same-host redirects): "" when the site answered
	failed, flashFailed string
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
// extra path; what the site answers, errors included, is in the report.
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
	rep := &Site{Site: site, Host: host}
	for _, o := range origins {
		for _, p := range slices.Concat([]string{crossDomainPath, clientAccessPath, mozillaPath}, cfg.Paths) {
			rep.Files = append(rep.Files, &File{URL: o + p, origin: o, path: p})
		}
	}
	if cfg.Sockets {
		hp := func(port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
		rep.Files = append(rep.Files,
			&File{URL: "xmlsocket://" + hp(crossdomain.SocketMasterPort), socket: true},
			&File{URL: "tcp://" + hp(clientaccess.SocketPolicyPort), socket: true})
	}
	var wg sync.WaitGroup
	for _, f := range rep.Files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg.get(ctx, f)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	answered := false
	var first error
	for _, f := range rep.Files {
		if f.socket {
			continue
		}
		if f.res != nil {
			answered = true
		} else if first == nil {
			first = f.Err
		}
	}
	if !answered {
		rep.Err = fmt.Errorf("no HTTP answer from %s: %w", host, first)
	}
	rep.read(origins)
	rep.Verdicts = rep.verdicts(cfg.Sockets)
	return rep, nil
}

// get fetches one location.
func (cfg Config) get(ctx context.Context, f *File) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = fetch.DefaultTimeout
	}
	if f.socket {
		s := fetch.Socket{Request: []byte(clientaccess.PolicyRequest), MaxBytes: cfg.MaxBytes, Timeout: timeout, Dial: cfg.DialContext}
		if strings.HasPrefix(f.URL, "xmlsocket:") {
			s.Request, s.UntilNUL = []byte(crossdomain.PolicyRequest), true
		}
		b, err := s.Get(ctx, strings.SplitN(f.URL, "://", 2)[1])
		f.body, f.Err, f.Found = b, err, err == nil
		f.failed = failure(nil, err)
		return
	}
	h := fetch.HTTP{Client: cfg.HTTPClient, MaxBytes: cfg.MaxBytes, Timeout: timeout}
	res, err := answer(h.Get(ctx, f.URL))
	if res != nil {
		f.Status, f.ContentType = res.Status, res.ContentType
		f.CacheControl, f.MetaPolicy = res.Header.Get("Cache-Control"), res.Header.Get(crossdomain.HeaderMetaPolicy)
	}
	f.failed = failure(res, err)
	if err != nil {
		f.Err, f.flashFailed = err, f.failed
		return
	}
	f.res, f.flash = res, res
	if res.Status >= 300 && res.Status < 400 {
		h.Redirects, h.MaxRedirects = fetch.SameHost, crossdomain.MaxRedirects
		f.flash, f.flashEr = answer(h.Get(ctx, f.URL))
		if f.flash != nil {
			f.Final = f.flash.Final
		}
	}
	f.flashFailed = failure(f.flash, f.flashEr)
	f.Found = f.flash != nil && f.flashEr == nil && f.flash.Status == http.StatusOK
	if f.Found {
		f.body = f.flash.Body
	}
}

// answer drops a body's error from a response whose status is the whole
// answer (anything but 200: no runtime reads the body of a 404 or a
// redirect).
func answer(res *fetch.Response, err error) (*fetch.Response, error) {
	if err != nil && res != nil && res.Status != http.StatusOK {
		return res, nil
	}
	return res, err
}

// failure says why a fetch could not be read, or returns "" when what
// came back is the site's answer: a response whose status says something
// (any but 408, 429 and 5xx, which say the server could not answer now),
// a refused connection (nothing listens there), a redirect the runtime
// does not follow. Anything else is a failure: a timeout, a reset, a TLS
// failure, a body cut short or over the size limit.
func failure(res *fetch.Response, err error) string {
	var re *fetch.RedirectError
	switch {
	case err == nil && res != nil:
		if st := res.Status; st >= 500 || st == http.StatusRequestTimeout || st == http.StatusTooManyRequests {
			return fmt.Sprintf("status %d", st)
		}
		return ""
	case err == nil, errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &re):
		return ""
	}
	why := clean(fetch.Cause(err).Error())
	if res != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
		why = "the body was cut short: " + why
	}
	return why
}

// clean makes an error text fit to print: what servers send may reach it
// (a malformed header line, a certificate's names), so characters that
// are not printable are escaped and the text is clipped.
func clean(s string) string {
	const most = 200
	var b strings.Builder
	for n := 0; s != ""; n++ {
		if n == most {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		s = s[size:]
	}
	return b.String()
}

// read has each runtime read the files it looks for, in the order it
// looks, and collects the findings.
func (s *Site) read(origins []string) {
	byURL := map[string]*File{}
	for _, f := range s.Files {
		byURL[f.URL] = f
		f.compiled = map[string]*match.Policy{}
	}
	s.unread = map[string][]*File{}
	unread := func(rt string, f *File, why string) {
		if why != "" {
			s.unread[rt] = append(s.unread[rt], f)
		}
	}
	for _, o := range origins {
		master := byURL[o+crossDomainPath]
		meta := master.readFlash(crossdomain.Master)
		unread(Flash, master, master.flashFailed)
		ca := byURL[o+clientAccessPath]
		ca.readSilverlight()
		master.readSilverlightCrossDomain(ca)
		unread(Silverlight, ca, ca.failed)
		if ca.compiled[Silverlight] == nil {
			// Silverlight reads crossdomain.xml when clientaccesspolicy.xml
			// is missing, rejected or not read.
			unread(Silverlight, master, master.failed)
		}
		moz := byURL[o+mozillaPath]
		moz.readMozilla(true)
		unread(Mozilla, moz, moz.failed)
		for _, f := range s.Files {
			if f.origin != o || f.path == crossDomainPath || f.path == clientAccessPath || f.path == mozillaPath {
				continue
			}
			f.readExtra(meta)
			// Under a meta-policy that admits other files, a file not read
			// may be one that counts, whatever it would have held.
			if meta != nil {
				if ok, _ := meta.Admits(crossdomain.ContentType, crossDomainPath); ok {
					unread(Flash, f, f.flashFailed)
				}
			}
		}
	}
	for _, f := range s.Files {
		if !f.socket {
			continue
		}
		if strings.HasPrefix(f.URL, "xmlsocket:") {
			f.readFlash(crossdomain.SocketMaster)
			unread(Flash, f, f.failed)
		} else {
			f.readSilverlight()
			unread(Silverlight, f, f.failed)
		}
	}
	for _, f := range s.Files {
		f.responseFindings()
	}
}

// note records a runtime's reading of f.
func (f *File) note(rt string, accepted, used bool, format string, args ...any) {
	f.Readings = append(f.Readings, Reading{Runtime: rt, Accepted: accepted, Used: used, Note: fmt.Sprintf(format, args...)})
}

// unfetched says why a runtime did not get a file, or "" when it did:
// as sent, or with flash as Flash Player read it, after same-host
// redirects.
func (f *File) unfetched(flash bool) string {
	why, res, err := f.failed, f.res, f.Err
	if flash {
		why, res = f.flashFailed, f.flash
		if err == nil {
			err = f.flashEr
		}
	}
	switch {
	case why != "":
		return "could not be read: " + why
	case f.Err != nil:
		return "no answer: " + clean(fetch.Cause(f.Err).Error())
	case err != nil:
		return clean(fetch.Cause(err).Error()) // a redirect Flash Player does not follow
	case res == nil:
		return "no answer"
	}
	return ""
}

// noServer says why a socket policy server did not answer.
func (f *File) noServer() string {
	if f.failed != "" {
		return "could not be read: " + f.failed
	}
	return "no socket policy server: " + clean(fetch.Cause(f.Err).Error())
}

// lint adds the findings of the format's Lint once per file.
func (f *File) lint(fs []finding.Finding) {
	if len(f.Findings) == 0 {
		f.Findings = fs
	}
}

// readFlash reads f as Flash Player did: an HTTP master (kind Master,
// after same-host redirects) or the socket master. For an HTTP master it
// returns the meta-policy that decides which other files count (nil when
// no master counts).
func (f *File) readFlash(kind crossdomain.Kind) *crossdomain.MetaPolicy {
	const rt = Flash
	if f.socket {
		if f.Err != nil {
			f.note(rt, false, false, "%s", f.noServer())
			return nil
		}
		pol, _, err := crossdomain.Parser{Kind: kind}.Parse(f.body)
		if err != nil {
			f.note(rt, false, false, "%v", err)
			return nil
		}
		loc, _ := match.ParseTarget(f.URL)
		f.compiled[rt] = pol.Compile(crossdomain.CompileOptions{Location: loc})
		f.note(rt, true, true, "the socket master policy")
		f.lint(pol.Lint(crossdomain.LintOptions{Kind: kind, File: f.URL}))
		return nil
	}
	pol, final, k, ok := f.readFlashHTTP()
	if !ok {
		return nil
	}
	if k != kind || final.Root() != f.origin {
		f.note(rt, true, false, "redirected to %s, which is not the master policy of %s, so Flash Player ignores it", final, f.origin)
		return nil
	}
	header := f.flash.Header.Get(crossdomain.HeaderMetaPolicy)
	c := pol.Compile(crossdomain.CompileOptions{Location: final, PermittedCrossDomainPolicies: header})
	f.compiled[rt] = c
	site, _ := pol.MetaPolicy()
	f.siteControl = site != 0
	meta := pol.SiteMetaPolicy(header)
	if c.Disabled != "" {
		f.note(rt, true, false, "the master policy, switched off: %s", c.Disabled)
	} else {
		f.note(rt, true, true, "the master policy (meta-policy %s)", meta)
	}
	return &meta
}

// readFlashHTTP reads an HTTP response as Flash Player did, after its
// same-host redirects: the status and Content-Type must do, and the file
// is parsed as the kind its final URL makes it, and linted as that kind.
// When Flash Player does not get a policy out of it, the reason is noted
// (nothing for a plain 404) and ok is false.
func (f *File) readFlashHTTP() (pol *crossdomain.Policy, final match.Target, kind crossdomain.Kind, ok bool) {
	const rt = Flash
	if why := f.unfetched(true); why != "" {
		f.note(rt, false, false, "%s", why)
		return nil, final, 0, false
	}
	if why := crossdomain.IgnoredResponse(f.flash.Status, f.flash.ContentType); why != "" {
		if f.flash.Status != http.StatusNotFound {
			f.note(rt, false, false, "%s", why)
		}
		return nil, final, 0, false
	}
	final, err := match.ParseTarget(f.flash.Final)
	if err != nil {
		f.note(rt, false, false, "%v", err)
		return nil, final, 0, false
	}
	kind = crossdomain.KindOf(final)
	pol, _, err = crossdomain.Parser{Kind: kind}.Parse(f.body)
	if err != nil {
		f.note(rt, false, false, "%v", err)
		return nil, final, 0, false
	}
	f.lint(pol.Lint(crossdomain.LintOptions{Kind: kind, File: f.URL}))
	return pol, final, kind, true
}

// readExtra reads a file at an extra path by what it holds: a Flash
// non-master under the origin's meta-policy, a Silverlight file (which
// Silverlight reads only at the root), or a Mozilla-draft file.
func (f *File) readExtra(meta *crossdomain.MetaPolicy) {
	if !f.Found {
		if why := f.unfetched(true); why != "" {
			f.note(Flash, false, false, "%s", why)
		}
		return
	}
	format, err := xdpolicy.Detect(f.body, f.path)
	if err != nil {
		f.note(Flash, false, false, "not a policy file: %v", err)
		return
	}
	switch format {
	case xdpolicy.ClientAccess:
		pol, _, err := clientaccess.Parse(f.body)
		if err == nil {
			f.lint(pol.Lint(clientaccess.LintOptions{File: f.URL}))
		}
		f.note(Silverlight, err == nil, false, "Silverlight reads clientaccesspolicy.xml only at the root of a site")
	case xdpolicy.MozPolicy:
		f.readMozilla(false)
	default:
		f.readNonMaster(meta)
	}
}

// readNonMaster reads a Flash policy file other than the master, as a
// caller's Security.loadPolicyFile made Flash Player read it.
func (f *File) readNonMaster(meta *crossdomain.MetaPolicy) {
	const rt = Flash
	pol, final, k, ok := f.readFlashHTTP()
	if !ok {
		return
	}
	switch {
	case k == crossdomain.Master:
		f.note(rt, true, false, "redirected to the master policy, %s", final)
		return
	case meta == nil:
		f.note(rt, true, false, "without a usable master policy, Flash Player uses no other policy file of %s", f.origin)
		return
	}
	if ok, why := meta.Admits(f.flash.MediaType(), final.Path); !ok {
		f.note(rt, true, false, "Flash Player ignores this file: %s", why)
		return
	}
	f.compiled[rt] = pol.Compile(crossdomain.CompileOptions{Location: final, PermittedCrossDomainPolicies: f.flash.Header.Get(crossdomain.HeaderMetaPolicy)})
	f.note(rt, true, true, "a policy file a caller may load (Security.loadPolicyFile), for %s and below", final.Path[:strings.LastIndex(final.Path, "/")+1])
}

// readSilverlight reads clientaccesspolicy.xml at the root of an origin,
// or from port 943.
func (f *File) readSilverlight() {
	const rt = Silverlight
	if f.socket {
		if f.Err != nil {
			f.note(rt, false, false, "%s", f.noServer())
			return
		}
	} else if why := f.silverlightUnusable(); why != "" {
		if why != "-" {
			f.note(rt, false, false, "%s", why)
		}
		return
	}
	pol, _, err := clientaccess.Parse(f.body)
	if err != nil {
		f.note(rt, false, false, "%v", err)
		return
	}
	f.lint(pol.Lint(clientaccess.LintOptions{File: f.URL}))
	loc, _ := match.ParseTarget(f.URL)
	c := pol.Compile(clientaccess.CompileOptions{Source: f.URL, Location: loc})
	f.compiled[rt] = c
	f.note(rt, true, true, "the policy of %s", strings.TrimSuffix(c.Scope.String(), "/"))
}

// silverlightUnusable says why Silverlight does not read an HTTP
// response as a policy ("-" for a plain 404, which needs no note).
func (f *File) silverlightUnusable() string {
	if f.res == nil || f.failed != "" {
		return f.unfetched(false)
	}
	if f.res.Status == http.StatusNotFound {
		return "-"
	}
	return clientaccess.IgnoredResponse(f.res.Status, f.res.ContentType)
}

// readSilverlightCrossDomain reads an origin's crossdomain.xml as
// Silverlight did when its clientaccesspolicy.xml (ca) is not usable.
func (f *File) readSilverlightCrossDomain(ca *File) {
	const rt = Silverlight
	if why := f.silverlightUnusable(); why != "" {
		if why != "-" {
			f.note(rt, false, false, "%s", why)
		}
		return
	}
	pol, _, err := clientaccess.ParseCrossDomain(f.body)
	if err != nil {
		f.note(rt, false, false, "%v", err)
		return
	}
	if ca.compiled[rt] != nil {
		f.note(rt, true, false, "passed over: Silverlight reads %s first", ca.URL)
		return
	}
	instead := "the missing " + ca.URL
	if ca.failed != "" {
		instead = ca.URL + ", which could not be read"
	}
	t, _ := match.ParseTarget(f.URL)
	c := clientaccess.CompileCrossDomain(pol, clientaccess.CompileOptions{Source: f.URL, Location: t, PermittedCrossDomainPolicies: f.MetaPolicy})
	if c.Disabled != "" {
		f.note(rt, true, false, "switched off: %s", c.Disabled)
		return
	}
	f.compiled[rt] = c
	f.note(rt, true, true, "read in place of %s", instead)
}

// readMozilla reads a Mozilla-draft file: the root one of an origin, or
// one at an extra path (a file a policy above may delegate to).
func (f *File) readMozilla(root bool) {
	const rt = Mozilla
	switch {
	case f.res == nil || f.failed != "":
		f.note(rt, false, false, "%s", f.unfetched(false))
		return
	case f.res.Status == http.StatusNotFound || f.res.Status == http.StatusGone:
		return
	case f.res.Status >= 300 && f.res.Status < 400:
		f.note(rt, false, false, "status %d: the draft's client does not follow redirects for policy files", f.res.Status)
		return
	case f.res.Status != http.StatusOK:
		f.note(rt, false, false, "status %d: no file", f.res.Status)
		return
	}
	pol, _, err := mozpolicy.Parse(f.res.Body)
	if err != nil {
		f.note(rt, false, false, "%v", err)
		return
	}
	f.lint(pol.Lint(mozpolicy.LintOptions{File: f.URL}))
	if !root {
		f.note(rt, true, true, "read when a policy above delegates to it (the audit does not follow delegation)")
		return
	}
	loc, _ := match.ParseTarget(f.URL)
	f.compiled[rt] = pol.Compile(mozpolicy.CompileOptions{Location: loc})
	f.note(rt, true, true, "the root policy of %s", f.origin)
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
	if c := f.compiled[Flash]; c != nil && f.path == crossDomainPath && f.flash.Header.Get(crossdomain.HeaderMetaPolicy) == "" {
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
