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
// Decisions taken (SPEC.md 4 names the findings, not their scope):
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
package audit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/internal/policyfile"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// The runtimes, as reports name them (policyfile's names).
const (
	Flash       = string(policyfile.Flash)
	Silverlight = string(policyfile.Silverlight)
	Mozilla     = string(policyfile.Mozilla)
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
	// Err is why nothing answered (a refused port, a timeout).
	Err error
	// Found reports that a file was there: a 200 response (after
	// same-host redirects) or a socket reply.
	Found bool
	// Readings say, per runtime that looks here, whether it accepts the
	// file and uses it.
	Readings []Reading
	// Findings are those of the file's format Lint and of the response.
	Findings []match.Finding

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
}

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
}

// Worst returns the highest level among the site's findings (0 when
// none).
func (s *Site) Worst() match.Level {
	var w match.Level
	for _, f := range s.Files {
		for _, x := range f.Findings {
			w = max(w, x.Level)
		}
	}
	return w
}

// Findings returns every finding of the site, file by file.
func (s *Site) Findings() []match.Finding {
	var out []match.Finding
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
			return "", nil, fmt.Errorf("site %q: give a host name, or a URL with its scheme", arg)
		}
		if _, _, err := net.SplitHostPort(s); err == nil {
			return "", nil, fmt.Errorf("site %q: a port needs a scheme, as in http://%s", arg, s)
		}
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", nil, fmt.Errorf("site %q: %w", arg, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", nil, fmt.Errorf("site %q: want an http or https URL", arg)
	}
	if u.Hostname() == "" || u.User != nil {
		return "", nil, fmt.Errorf("site %q: want a host name without user information", arg)
	}
	host, err = match.NormalizeHost(u.Hostname())
	if err != nil {
		return "", nil, fmt.Errorf("site %q: %w", arg, err)
	}
	h := host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", nil, fmt.Errorf("site %q: bad port %q", arg, p)
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
		return fmt.Errorf("extra path %q: want an absolute path without a query, such as /api/crossdomain.xml", p)
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
		s := fetch.Socket{Request: fetch.SilverlightRequest, MaxBytes: cfg.MaxBytes, Timeout: timeout, Dial: cfg.DialContext}
		if strings.HasPrefix(f.URL, "xmlsocket:") {
			s.Request, s.UntilNUL = fetch.FlashRequest, true
		}
		b, err := s.Get(ctx, strings.SplitN(f.URL, "://", 2)[1])
		f.body, f.Err, f.Found = b, err, err == nil
		return
	}
	h := fetch.HTTP{Client: cfg.HTTPClient, MaxBytes: cfg.MaxBytes, Timeout: timeout}
	res, err := h.Get(ctx, f.URL)
	if err != nil {
		f.Err = err
		return
	}
	f.res, f.flash = res, res
	f.Status, f.ContentType = res.Status, res.ContentType
	f.CacheControl, f.MetaPolicy = res.Header.Get("Cache-Control"), res.Header.Get(crossdomain.HeaderMetaPolicy)
	if res.Status >= 300 && res.Status < 400 {
		h.Redirects = fetch.SameHost
		f.flash, f.flashEr = h.Get(ctx, f.URL)
		if f.flash != nil {
			f.Final = f.flash.Final
		}
	}
	f.Found = f.flash != nil && f.flash.Status == http.StatusOK
	if f.Found {
		f.body = f.flash.Body
	}
}

// read has each runtime read the files it looks for, in the order it
// looks, and collects the findings.
func (s *Site) read(origins []string) {
	byURL := map[string]*File{}
	for _, f := range s.Files {
		byURL[f.URL] = f
		f.compiled = map[string]*match.Policy{}
	}
	for _, o := range origins {
		master := byURL[o+crossDomainPath]
		meta := master.readFlash(crossdomain.Master)
		ca := byURL[o+clientAccessPath]
		ca.readSilverlight()
		master.readSilverlightCrossDomain(ca)
		byURL[o+mozillaPath].readMozilla(true)
		for _, f := range s.Files {
			if f.origin != o || f.path == crossDomainPath || f.path == clientAccessPath || f.path == mozillaPath {
				continue
			}
			f.readExtra(meta)
		}
	}
	for _, f := range s.Files {
		if !f.socket {
			continue
		}
		if strings.HasPrefix(f.URL, "xmlsocket:") {
			f.readFlash(crossdomain.SocketMaster)
		} else {
			f.readSilverlight()
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

// unfetched says why a runtime did not get a file, or "" when it did.
func (f *File) unfetched(res *fetch.Response, err error) string {
	switch {
	case f.Err != nil:
		return "no answer: " + fetch.Cause(f.Err).Error()
	case err != nil:
		return fetch.Cause(err).Error()
	case res == nil:
		return "no answer"
	}
	return ""
}

// lint adds the findings of the format's Lint once per file.
func (f *File) lint(fs []match.Finding) {
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
			f.note(rt, false, false, "no socket policy server: %s", fetch.Cause(f.Err))
			return nil
		}
		pol, _, err := crossdomain.Parser{Kind: kind}.Parse(f.body)
		if err != nil {
			f.note(rt, false, false, "rejected: %v", err)
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
	if why := f.unfetched(f.flash, f.flashEr); why != "" {
		f.note(rt, false, false, "%s", why)
		return nil, final, 0, false
	}
	if why := f.flash.FlashUnusable(); why != "" {
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
		f.note(rt, false, false, "rejected: %v", err)
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
		if why := f.unfetched(f.res, nil); why != "" {
			f.note(Flash, false, false, "%s", why)
		}
		return
	}
	format, err := policyfile.Detect(f.body)
	if err != nil {
		f.note(Flash, false, false, "not a policy file: %v", err)
		return
	}
	switch format {
	case policyfile.ClientAccess:
		pol, _, err := clientaccess.Parse(f.body)
		if err == nil {
			f.lint(pol.Lint(f.URL))
		}
		f.note(Silverlight, err == nil, false, "Silverlight reads clientaccesspolicy.xml only at the root of a site")
	case policyfile.MozPolicy:
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
			f.note(rt, false, false, "no socket policy server: %s", fetch.Cause(f.Err))
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
		f.note(rt, false, false, "rejected: %v", err)
		return
	}
	f.lint(pol.Lint(f.URL))
	scope := match.Scope{Socket: true}
	if f.socket {
		t, _ := match.ParseTarget(f.URL)
		scope.Host = t.Host
	} else {
		t, _ := match.ParseTarget(f.URL)
		scope = match.Scope{Scheme: t.Scheme, Host: t.Host, Port: t.Port}
	}
	f.compiled[rt] = pol.Compile(clientaccess.CompileOptions{Source: f.URL, Scope: scope})
	f.note(rt, true, true, "the policy of %s", strings.TrimSuffix(scope.String(), "/"))
}

// silverlightUnusable says why Silverlight does not read an HTTP
// response as a policy ("-" for a plain 404, which needs no note).
func (f *File) silverlightUnusable() string {
	if f.res == nil {
		return f.unfetched(nil, nil)
	}
	if f.res.Status == http.StatusNotFound {
		return "-"
	}
	return f.res.SilverlightUnusable()
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
		f.note(rt, false, false, "rejected: %v", err)
		return
	}
	if ca.compiled[rt] != nil {
		f.note(rt, true, false, "passed over: Silverlight reads %s first", ca.URL)
		return
	}
	t, _ := match.ParseTarget(f.URL)
	c := clientaccess.CompileCrossDomain(pol, clientaccess.CompileOptions{Source: f.URL, Scope: match.Scope{Scheme: t.Scheme, Host: t.Host, Port: t.Port}, PermittedCrossDomainPolicies: f.MetaPolicy})
	if c.Disabled != "" {
		f.note(rt, true, false, "switched off: %s", c.Disabled)
		return
	}
	f.compiled[rt] = c
	f.note(rt, true, true, "read in place of the missing %s", ca.URL)
}

// readMozilla reads a Mozilla-draft file: the root one of an origin, or
// one at an extra path (a file a policy above may delegate to).
func (f *File) readMozilla(root bool) {
	const rt = Mozilla
	switch {
	case f.res == nil:
		f.note(rt, false, false, "%s", f.unfetched(nil, nil))
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
		f.note(rt, false, false, "rejected: %v", err)
		return
	}
	f.lint(pol.Lint(f.URL))
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
	add := func(code string, level match.Level, spec, format string, args ...any) {
		f.Findings = append(f.Findings, match.Finding{Code: code, Level: level, File: f.URL, Spec: spec, Message: fmt.Sprintf(format, args...)})
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
		add(match.FindingIgnoredFile, match.Info, "SPEC.md 4", "no runtime uses this file (%s)", why)
		return
	}
	if f.socket {
		return
	}
	if !nonCacheable(f.CacheControl) {
		cc := "no Cache-Control"
		if f.CacheControl != "" {
			cc = fmt.Sprintf("Cache-Control %q", f.CacheControl)
		}
		add(match.FindingCacheable, match.Low, "SPEC.md 4", "served with %s: caches may keep this policy after it changes; send Cache-Control: no-cache", cc)
	}
	if c := f.compiled[Flash]; c != nil && f.path == crossDomainPath && f.flash.Header.Get(crossdomain.HeaderMetaPolicy) == "" {
		level, why := match.Low, "and the file has no site-control either: the meta-policy rests on Flash Player's default"
		if f.siteControl {
			level, why = match.Info, "(the file's site-control sets the meta-policy)"
		}
		add(match.FindingNoMetaPolicyHeader, level, "SPEC.md 1.7, 4", "the master policy is served without X-Permitted-Cross-Domain-Policies %s", why)
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
