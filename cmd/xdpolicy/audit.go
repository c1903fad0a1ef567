package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/xdpolicy/xdpolicy/audit"
	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/match"
)

type auditFlags struct {
	sockets, json, quiet bool
	paths                stringsFlag
	list, failOn         string
	parallel             int
	net                  netFlags
}

func (f *auditFlags) set(fs *flag.FlagSet) {
	fs.BoolVar(&f.sockets, "sockets", false, "also ask the socket policy servers: Flash's on port 843, Silverlight's on 943")
	fs.Var(&f.paths, "path", "an extra path to fetch on every origin, read as a Flash policy file a caller registers,\nsuch as /api/crossdomain.xml (repeatable)")
	fs.StringVar(&f.list, "list", "", "read more sites from this file, one per line (- for standard input;\nblank lines and lines starting with # are skipped)")
	fs.IntVar(&f.parallel, "parallel", 8, "audit at most this many sites at once")
	fs.StringVar(&f.failOn, "fail-on", "low", "exit 1 when a finding is at this level or above: info, low, medium or high")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per site, one per line")
	fs.BoolVar(&f.quiet, "q", false, "print no progress on standard error")
	f.net.setConnect(fs, "")
	fs.DurationVar(&f.net.timeout, "timeout", defaultTimeout, "time limit of each fetch, HTTP or socket")
}

func auditCommand() *command {
	cmd := &command{
		name:    "audit",
		summary: "fetch a site's policy files as the runtimes did and report what they expose",
		usage:   "audit [-sockets] [-path P]... [-list FILE] [-parallel N] [-fail-on LEVEL] [-json] [-q] [-connect-to H1:P1:H2:P2]... [-insecure] [-cacert FILE] [-timeout D] [SITE...]",
		help: `SITE is a host name (both http:// and https:// are audited) or an http(s) URL
(its path is ignored; with a port, only that origin is audited). On every
origin, audit reads the files through each runtime's own lookup: Flash Player's
/crossdomain.xml and the -path files (as files a caller registered with
loadPolicyFile, following same-host redirects), Silverlight's
/clientaccesspolicy.xml then /crossdomain.xml, and the Mozilla draft's
/cross-domain-policy.xml (neither follows redirects); with -sockets it also
asks port 843 (Flash) and port 943 (Silverlight). Each URL is fetched once.

For each site it prints every file found: its status and Content-Type, what
each runtime that looks there made of it (used, accepted but passed over, or
rejected, and why), and the findings:

	URL:LINE:COL: LEVEL: CODE: MESSAGE

the file's own (as lint reports them, for files a runtime uses) and the
response's: a policy served without Cache-Control: no-cache, a Flash master
without X-Permitted-Cross-Domain-Policies, a file no runtime uses ('xdpolicy
help findings' explains each code). Then one verdict line per runtime: what
callers from other sites may reach.

A file that could not be read (a timeout, a reset, a TLS failure, status 408,
429 or 5xx, a body cut short or over the size limit) is not a missing file:
when a runtime would read it, that runtime's verdict is "unknown: URL could not
be read (why)", followed by what the files that were read grant; -json gives
the reason in the verdict's "Unknown" (and the file's in "unread"), and the
site's heading and progress line say "incomplete". A 404, a 410 or a refused
connection (no HTTPS server, no socket policy server) is an answer.

With several sites, audit runs -parallel of them at once, prints the reports
in the order given, and shows progress on standard error (-q hides it).
-json prints one object per site per line instead.

audit exits 0 when no finding reaches -fail-on (default low: info findings,
dead entries and ignored files, do not fail), 1 when one does, and 2 when a
site could not be audited (no HTTP answer at all) or only in part (a verdict
is unknown), whatever its findings, or on usage errors.

Example:

	xdpolicy audit -sockets example.com
	xdpolicy audit -list sites.txt -json -fail-on high > audit.jsonl
`,
	}
	cmd.flags = func(c *cli) *flag.FlagSet {
		fs := flag.NewFlagSet("audit", flag.ContinueOnError)
		new(auditFlags).set(fs)
		return fs
	}
	cmd.run = func(c *cli, args []string) int { return c.audit(cmd, args) }
	return cmd
}

// The JSON of audit -json: one auditSite per line.
type auditSite struct {
	Site     string          `json:"site"`
	Host     string          `json:"host,omitempty"`
	Error    string          `json:"error,omitempty"`
	Worst    string          `json:"worst,omitempty"`
	Files    []auditFile     `json:"files"`
	Verdicts []audit.Verdict `json:"verdicts"`
}

type auditFile struct {
	URL          string         `json:"url"`
	Status       int            `json:"status,omitempty"`
	ContentType  string         `json:"content_type,omitempty"`
	CacheControl string         `json:"cache_control,omitempty"`
	MetaPolicy   string         `json:"meta_policy,omitempty"`
	Final        string         `json:"final,omitempty"`
	Error        string         `json:"error,omitempty"`
	Unread       string         `json:"unread,omitempty"`
	Found        bool           `json:"found"`
	Readings     []auditReading `json:"readings"`
	Findings     []auditFinding `json:"findings"`
}

type auditReading struct {
	Runtime  string `json:"runtime"`
	Accepted bool   `json:"accepted"`
	Used     bool   `json:"used"`
	Note     string `json:"note"`
}

func jsonSite(s *audit.Site) auditSite {
	out := auditSite{Site: s.Site, Host: s.Host, Files: []auditFile{}, Verdicts: s.Verdicts}
	if s.Err != nil {
		out.Error = s.Err.Error()
	}
	if w := s.Worst(); w != 0 {
		out.Worst = w.String()
	}
	for _, f := range s.Files {
		jf := auditFile{URL: f.URL, Status: f.Status, ContentType: f.ContentType, CacheControl: f.CacheControl,
			MetaPolicy: f.MetaPolicy, Final: f.Final, Unread: f.Unread(), Found: f.Found, Readings: []auditReading{}, Findings: jsonFindings(f.Findings)}
		if f.Err != nil {
			jf.Error = f.Err.Error()
		}
		for _, r := range f.Readings {
			jf.Readings = append(jf.Readings, auditReading(r))
		}
		out.Files = append(out.Files, jf)
	}
	if out.Verdicts == nil {
		out.Verdicts = []audit.Verdict{}
	}
	return out
}

// auditResult is one site's outcome: a report, or why there is none.
type auditResult struct {
	site *audit.Site
	err  error
}

func (c *cli) audit(cmd *command, args []string) int {
	var f auditFlags
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	f.set(fs)
	sites, code, ok := c.parseFlags(cmd, fs, args)
	if !ok {
		return code
	}
	failOn, err := finding.ParseLevel(f.failOn)
	if err != nil {
		return c.usageError(cmd, "-fail-on: %v", err)
	}
	if f.parallel < 1 {
		return c.usageError(cmd, "-parallel must be at least 1")
	}
	for _, s := range sites {
		if _, _, err := audit.ParseSite(s); err != nil {
			return c.usageError(cmd, "%v", err)
		}
	}
	// A bad line of a -list is reported in its place; the rest is audited.
	where := make([]string, len(sites)) // "" for an argument, else LIST:LINE
	if f.list != "" {
		more, lines, err := c.readList(f.list)
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy audit: %v\n", err)
			return exitUsage
		}
		sites = append(sites, more...)
		where = append(where, lines...)
	}
	if len(sites) == 0 {
		return c.usageError(cmd, "name at least one SITE, or a -list of them")
	}
	client, dial, err := f.net.transport()
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	cfg := audit.Config{HTTPClient: client, DialContext: dial, Timeout: f.net.timeout, Sockets: f.sockets, Paths: f.paths}
	for _, p := range cfg.Paths {
		if err := audit.CheckPath(p); err != nil {
			return c.usageError(cmd, "-path: %v", err)
		}
	}

	// -parallel workers audit the sites; the reports print in the order
	// given, each as soon as those before it are out.
	results := make([]chan auditResult, len(sites))
	for i := range results {
		results[i] = make(chan auditResult, 1)
	}
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range sites {
			select {
			case next <- i:
			case <-c.ctx.Done():
				for ; i < len(sites); i++ {
					results[i] <- auditResult{err: c.ctx.Err()}
				}
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var progress sync.Mutex
	done := 0
	for range min(f.parallel, len(sites)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rep, err := audit.Audit(c.ctx, sites[i], cfg)
				if len(sites) > 1 && !f.quiet {
					progress.Lock()
					done++
					fmt.Fprintf(c.stderr, "xdpolicy audit: [%d/%d] %s: %s\n", done, len(sites), sites[i], summary(rep, err))
					progress.Unlock()
				}
				results[i] <- auditResult{rep, err}
			}
		}()
	}
	exit := exitOK
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	for i, s := range sites {
		r := <-results[i]
		if r.err != nil {
			at := ""
			if where[i] != "" {
				at = where[i] + ": "
			}
			fmt.Fprintf(c.stderr, "xdpolicy audit: %s%s: %v\n", at, match.Quote(s), r.err)
			exit = exitUsage
			if f.json && !errors.Is(r.err, context.Canceled) {
				if err := enc.Encode(auditSite{Site: s, Error: at + r.err.Error(), Files: []auditFile{}, Verdicts: []audit.Verdict{}}); err != nil {
					fmt.Fprintf(c.stderr, "xdpolicy audit: %v\n", err)
				}
			}
			continue
		}
		if r.site.Err != nil || len(r.site.Unknown()) > 0 {
			exit = exitUsage // not audited, or not whole: never a pass
		} else if w := r.site.Worst(); w != 0 && w >= failOn && exit == exitOK {
			exit = exitNo
		}
		if f.json {
			if err := enc.Encode(jsonSite(r.site)); err != nil {
				fmt.Fprintf(c.stderr, "xdpolicy audit: %v\n", err)
				exit = exitUsage
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		printSite(c.stdout, r.site)
	}
	wg.Wait()
	return exit
}

// summary is a site's progress line. A site with an unknown verdict is
// "incomplete", never "no findings".
func summary(rep *audit.Site, err error) string {
	switch {
	case err != nil:
		return "error: " + err.Error()
	case rep.Err != nil:
		return "error: " + rep.Err.Error()
	}
	n := len(rep.Findings())
	found := "no findings"
	if n > 0 {
		found = fmt.Sprintf("%d finding%s, worst %s", n, plural(n), rep.Worst())
	}
	if u := rep.Unknown(); len(u) > 0 {
		if n == 0 {
			found += " in what was read"
		}
		who := u[len(u)-1]
		if len(u) > 1 {
			who = strings.Join(u[:len(u)-1], ", ") + " and " + who
		}
		return fmt.Sprintf("incomplete: %s unknown; %s", who, found)
	}
	return found
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// readList reads sites from a file, or standard input for "-", with
// where each was (LIST:LINE).
func (c *cli) readList(name string) (sites, where []string, err error) {
	var r io.Reader = c.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, fmt.Errorf("-list: %w", err)
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			sites = append(sites, line)
			where = append(where, fmt.Sprintf("%s:%d", name, n))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("-list %s: %w", name, err)
	}
	return sites, where, nil
}

// printSite prints one site's report: a heading, each location asked
// (an origin that never answered on one line), the findings under their
// file, and the verdicts.
func printSite(w io.Writer, s *audit.Site) {
	fmt.Fprintf(w, "%s: %s\n", s.Site, summary(s, nil))
	silent := map[string]bool{} // origins where nothing answered
	for _, f := range s.Files {
		if o, ok := originOf(f.URL); ok {
			if _, seen := silent[o]; !seen {
				silent[o] = true
			}
			silent[o] = silent[o] && f.Err != nil
		}
	}
	said := map[string]bool{}
	for _, f := range s.Files {
		if o, ok := originOf(f.URL); ok && silent[o] {
			if !said[o] {
				said[o] = true
				fmt.Fprintf(w, "  %s: %s\n", o, unanswered(f))
			}
			continue
		}
		fmt.Fprintf(w, "  %s: %s\n", f.URL, fileStatus(f))
		if f.Err != nil || f.Unread() != "" {
			continue // the readings would only repeat why
		}
		for _, r := range f.Readings {
			fmt.Fprintf(w, "    %s: %s: %s\n", r.Runtime, r.State(), r.Note)
		}
		for _, x := range f.Findings {
			fmt.Fprintf(w, "    %s\n", x)
		}
	}
	fmt.Fprintln(w, "  verdict:")
	for _, v := range s.Verdicts {
		fmt.Fprintf(w, "    %s: %s\n", v.Runtime, v.Text)
	}
}

// originOf returns scheme://host[:port] of an HTTP location.
func originOf(u string) (string, bool) {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return "", false
	}
	i := strings.Index(u, "://") + 3
	if j := strings.IndexByte(u[i:], '/'); j >= 0 {
		return u[:i+j], true
	}
	return u, true
}

// unanswered says why nothing came from a location: it could not be
// read (a timeout, a TLS failure), or nothing listens there.
func unanswered(f *audit.File) string {
	if why := f.Unread(); why != "" {
		return "could not be read: " + why
	}
	return "no answer: " + fetch.Cause(f.Err).Error()
}

// fileStatus describes what answered at a location.
func fileStatus(f *audit.File) string {
	switch {
	case f.Err != nil && f.Status == 0:
		return unanswered(f)
	case f.Status == 0:
		return "socket policy received"
	}
	s := fmt.Sprint(f.Status)
	switch {
	case f.Status == http.StatusNotFound || f.Status == http.StatusGone:
		return s + ": no file"
	case f.Err != nil: // the body was not read whole
		return s + " " + f.ContentType + "; " + unanswered(f)
	case f.Unread() != "":
		return s + ": could not be read"
	}
	if f.ContentType != "" && f.Status == http.StatusOK {
		s += " " + f.ContentType
	}
	if f.Final != "" && f.Final != f.URL {
		s += ", redirected to " + f.Final
	}
	return s
}
