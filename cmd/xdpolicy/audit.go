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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/xdpolicy/xdpolicy/audit"
	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/match"
)

type auditFlags struct {
	sockets, json, quiet  bool
	sarif, pages, domains bool
	paths                 stringsFlag
	list, failOn          string
	shard, resume, totals string
	trust                 string
	parallel, perHost     int
	net                   netFlags
}

func (f *auditFlags) set(fs *flag.FlagSet) {
	fs.BoolVar(&f.sockets, "sockets", false, "also ask the socket policy servers: Flash's on port 843, Silverlight's on 943")
	fs.Var(&f.paths, "path", "an extra path to fetch on every origin, read as a Flash policy file a caller registers,\nsuch as /api/crossdomain.xml (repeatable)")
	fs.StringVar(&f.list, "list", "", "read more sites from this file, one per line (- for standard input;\nblank lines and lines starting with # are skipped)")
	fs.IntVar(&f.parallel, "parallel", 8, "audit at most this many sites at once (a few hundred is fine)")
	fs.IntVar(&f.perHost, "per-host", 2, "audit at most this many sites of one host at once")
	fs.StringVar(&f.shard, "shard", "", "audit only shard K of N (K from 0), a split of the sites by a hash of their host,\nso N machines given the same list each audit their share")
	fs.StringVar(&f.resume, "resume", "", "append the JSON lines to this file, skipping the sites it already reports\n(implies -json; run the same command again after an interruption)")
	fs.StringVar(&f.totals, "summary", "", "write the summary of the run to this file, as JSON")
	fs.StringVar(&f.trust, "trust", "", trustUsage)
	fs.BoolVar(&f.pages, "pages", false, "also fetch each origin's root page and report a response without\nX-Permitted-Cross-Domain-Policies (info), as scanners expect the header on every response")
	fs.BoolVar(&f.domains, "registrations", false, "look up the registrable domain of every trusted caller and report one that\ndoes not exist (NXDOMAIN): whoever registers it is trusted (high). Sends DNS queries")
	fs.StringVar(&f.failOn, "fail-on", "low", "exit 1 when a finding is at this level or above: info, low, medium or high")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per site, one per line")
	fs.BoolVar(&f.sarif, "sarif", false, "print one SARIF 2.1.0 log for all the sites, for code scanning in CI:\nthe findings at the policy files' URLs")
	fs.BoolVar(&f.quiet, "q", false, "print no progress on standard error")
	f.net.setConnect(fs, "")
	fs.DurationVar(&f.net.timeout, "timeout", defaultTimeout, "time limit of each fetch, HTTP or socket")
}

func auditCommand() *command {
	cmd := &command{
		name:    "audit",
		summary: "fetch a site's policy files as the runtimes did and report what they expose",
		usage:   "audit [-sockets] [-pages] [-registrations] [-path P]... [-list FILE] [-parallel N] [-per-host N] [-shard K/N] [-resume FILE] [-summary FILE] [-trust FILE] [-fail-on LEVEL] [-json | -sarif] [-q] [-connect-to H1:P1:H2:P2]... [-insecure] [-cacert FILE] [-timeout D] [SITE...]",
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

With several sites, audit runs -parallel of them at once (at most -per-host
of one host), prints the reports in the order given, each as soon as those
before it are out, and shows progress on standard error (-q hides it).
-json prints one object per site per line instead, and -sarif one SARIF 2.1.0
log for all the sites (the findings at the policy files' URLs; the sites not
audited in whole are notifications of the run's invocation), for code
scanning. The list is read as the
audit goes, so a list of a million sites takes no more memory than a short
one. At the end of a run of several sites, a summary goes to standard error:
the sites audited and unreachable, the sites where each runtime uses a
policy, and the findings per code and level; -summary FILE writes it as
JSON.

A survey too long for one machine or one run:

	-shard K/N   audits the sites whose host hashes to K (0 to N-1), so N
	             machines (or the N pods of a Kubernetes Indexed Job) given
	             the same list audit every site once between them. Their
	             outputs join with cat; their -summary files add up key by
	             key, as with jq:
	             jq -s 'reduce .[] as $s ({}; reduce ($s|paths(numbers)) as $p
	               (.; setpath($p; (getpath($p) // 0) + ($s|getpath($p)))))' *.json
	-resume FILE appends the JSON lines to FILE and skips the sites FILE
	             already reports; after an interruption, run the same
	             command again. A line cut short by the interruption is
	             dropped and its site audited again. The summary counts
	             every site FILE reports, from earlier runs too.

audit exits 0 when no finding reaches -fail-on (default low: info findings,
dead entries and ignored files, do not fail), 1 when one does, and 2 when a
site could not be audited (no HTTP answer at all) or only in part (a verdict
is unknown), whatever its findings, or on usage errors.

Example:

	xdpolicy audit -sockets example.com
	xdpolicy audit -list sites.txt -json -fail-on high > audit.jsonl
	xdpolicy audit -list top-1m.txt -parallel 200 -shard 3/8 -resume shard3.jsonl -summary shard3.json
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

// result is the outcome a line of audit -json reports, as far as a
// Summary counts it: a site not audited (an error and no host), or its
// report's readings, findings and verdicts.
func (js auditSite) result() audit.Result {
	if js.Host == "" && js.Error != "" {
		return audit.Result{Site: js.Site, Err: errors.New(js.Error)}
	}
	rep := &audit.Site{Site: js.Site, Host: js.Host, Verdicts: js.Verdicts}
	if js.Error != "" {
		rep.Err = errors.New(js.Error)
	}
	for _, jf := range js.Files {
		f := &audit.File{URL: jf.URL}
		for _, r := range jf.Readings {
			f.Readings = append(f.Readings, audit.Reading(r))
		}
		for _, x := range jf.Findings {
			level, _ := finding.ParseLevel(x.Level)
			f.Findings = append(f.Findings, finding.Finding{File: x.File, Code: x.Code, Level: level})
		}
		rep.Files = append(rep.Files, f)
	}
	return audit.Result{Site: js.Site, Report: rep}
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

func (c *cli) audit(cmd *command, args []string) int {
	var f auditFlags
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	f.set(fs)
	args, code, ok := c.parseFlags(cmd, fs, args)
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
	if f.perHost < 1 {
		return c.usageError(cmd, "-per-host must be at least 1")
	}
	if f.sarif && (f.json || f.resume != "") {
		return c.usageError(cmd, "-sarif writes one log for the run; it goes with neither -json nor -resume")
	}
	shard, shards, err := parseShard(f.shard)
	if err != nil {
		return c.usageError(cmd, "-shard: %v", err)
	}
	for _, s := range args {
		if _, _, err := audit.ParseSite(s); err != nil {
			return c.usageError(cmd, "%v", err)
		}
	}
	if len(args) == 0 && f.list == "" {
		return c.usageError(cmd, "name at least one SITE, or a -list of them")
	}
	client, dial, err := f.net.transport()
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	trust, err := loadTrust(f.trust)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	cfg := audit.Config{HTTPClient: client, DialContext: dial, Timeout: f.net.timeout, Sockets: f.sockets, Paths: f.paths, Trust: trust, Pages: f.pages, Registrations: f.domains}
	for _, p := range cfg.Paths {
		if err := audit.CheckPath(p); err != nil {
			return c.usageError(cmd, "-path: %v", err)
		}
	}
	var list io.Reader
	if f.list != "" {
		if f.list == "-" {
			list = c.stdin
		} else {
			lf, err := os.Open(f.list)
			if err != nil {
				fmt.Fprintf(c.stderr, "xdpolicy audit: -list: %v\n", err)
				return exitUsage
			}
			defer lf.Close()
			list = lf
		}
	}
	out := c.stdout
	var done map[string]bool // -resume: the sites already reported
	var sum audit.Summary    // with -resume, of the sites already reported too
	if f.resume != "" {
		f.json = true
		rf, reported, err := openResume(f.resume, &sum)
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy audit: -resume: %v\n", err)
			return exitUsage
		}
		defer rf.Close()
		out, done = rf, reported
	}

	// The sites: the arguments, then the list as it is read, less those of
	// other shards and those already reported. where says where each came
	// from (LIST:LINE) while it is in hand.
	var whereMu sync.Mutex
	where := map[int]string{}
	var skipped atomic.Int64
	var listFailed atomic.Bool // the list could not be read to its end
	sites := func(yield func(string) bool) {
		i := 0
		take := func(site, at string) bool {
			if shards > 1 && audit.Shard(site, shards) != shard || done[site] {
				skipped.Add(1)
				return true
			}
			if at != "" {
				whereMu.Lock()
				where[i] = at
				whereMu.Unlock()
			}
			i++
			return yield(site)
		}
		for _, s := range args {
			if !take(s, "") {
				return
			}
		}
		if list == nil {
			return
		}
		sc := bufio.NewScanner(list)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				if !take(line, fmt.Sprintf("%s:%d", f.list, n)) {
					return
				}
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("a line is longer than %d bytes: a list holds one site a line; the sites after it were not audited", bufio.MaxScanTokenSize)
			}
			fmt.Fprintf(c.stderr, "xdpolicy audit: -list %s: %v\n", f.list, err)
			listFailed.Store(true)
		}
	}
	many := len(args) != 1 || list != nil
	// The progress lines count up to the number of sites when it is known
	// beforehand: the arguments, and a list read from a file.
	total := 0
	if f.list != "-" {
		for _, s := range args {
			if (shards <= 1 || audit.Shard(s, shards) == shard) && !done[s] {
				total++
			}
		}
		if lf, ok := list.(*os.File); ok && isRegular(lf) { // a pipe is read once
			n, err := countSites(lf, shard, shards, done)
			if err != nil {
				fmt.Fprintf(c.stderr, "xdpolicy audit: -list: %v\n", err)
				return exitUsage
			}
			total += n
		}
	}
	finished := 0
	b := audit.Batch{Config: cfg, Parallel: f.parallel, PerHost: f.perHost}
	if many && !f.quiet {
		b.Done = func(r audit.Result) {
			finished++
			count := strconv.Itoa(finished)
			if total > 0 {
				count += "/" + strconv.Itoa(total)
			}
			fmt.Fprintf(c.stderr, "xdpolicy audit: [%s] %s: %s\n", count, r.Site, summary(r.Report, r.Err))
		}
	}
	exit := exitOK
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var sarif *sarifStream
	if f.sarif {
		sarif = newSARIFStream(out)
	}
	printed := 0
	err = b.Run(c.ctx, sites, func(r audit.Result) error {
		whereMu.Lock()
		at := where[r.Index]
		delete(where, r.Index)
		whereMu.Unlock()
		sum.Add(r)
		if r.Err != nil {
			if at != "" {
				at += ": "
			}
			fmt.Fprintf(c.stderr, "xdpolicy audit: %s%s: %v\n", at, match.Quote(r.Site), r.Err)
			exit = exitUsage
			if sarif != nil && !errors.Is(r.Err, context.Canceled) {
				sarif.incomplete("error", fmt.Sprintf("%s%s: %v", at, r.Site, r.Err))
			}
			if f.json && !errors.Is(r.Err, context.Canceled) {
				return enc.Encode(auditSite{Site: r.Site, Error: at + r.Err.Error(), Files: []auditFile{}, Verdicts: []audit.Verdict{}})
			}
			return nil
		}
		if r.Report.Err != nil || len(r.Report.Unknown()) > 0 {
			exit = exitUsage // not audited, or not whole: never a pass
		} else if w := r.Report.Worst(); w != 0 && w >= failOn && exit == exitOK {
			exit = exitNo
		}
		if f.json {
			return enc.Encode(jsonSite(r.Report))
		}
		if sarif != nil {
			for _, x := range r.Report.Findings() {
				sarif.finding(x)
			}
			switch {
			case r.Report.Err != nil:
				sarif.incomplete("error", fmt.Sprintf("%s: %v", r.Site, r.Report.Err))
			case len(r.Report.Unknown()) > 0:
				sarif.incomplete("warning", fmt.Sprintf("%s: %s", r.Site, summary(r.Report, nil)))
			}
			return nil
		}
		if printed > 0 {
			fmt.Fprintln(out)
		}
		printed++
		printSite(out, r.Report)
		return nil
	})
	if err != nil && sarif != nil {
		// An interrupted run is not a clean one: code scanning would close
		// the alerts of every site not audited.
		sarif.incomplete("error", fmt.Sprintf("the run stopped before every site was audited: %v", err))
	}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(c.stderr, "xdpolicy audit: interrupted (%v): the rest of the sites were not audited", err)
		if f.resume != "" {
			fmt.Fprintf(c.stderr, "; run the same command again to go on")
		}
		fmt.Fprintln(c.stderr)
		exit = exitUsage
	case err != nil:
		fmt.Fprintf(c.stderr, "xdpolicy audit: %v\n", err)
		exit = exitUsage
	}
	if listFailed.Load() {
		exit = exitUsage
		if sarif != nil {
			sarif.incomplete("error", "the list could not be read to its end")
		}
	}
	if sarif != nil {
		if err := sarif.close(); err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy audit: %v\n", err)
			exit = exitUsage
		}
	}
	if n := skipped.Load(); n > 0 && !f.quiet {
		fmt.Fprintf(c.stderr, "xdpolicy audit: %d sites skipped (%s)\n", n, skipReason(shards > 1, done != nil))
	}
	if many && !f.quiet && sum.Sites > 0 {
		printSummary(c.stderr, &sum)
	}
	if f.totals != "" {
		if err := writeSummary(f.totals, &sum); err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy audit: -summary: %v\n", err)
			exit = exitUsage
		}
	}
	return exit
}

// isRegular reports whether f is a regular file, which can be read twice.
func isRegular(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular()
}

// countSites counts the sites of a list file this run audits, and
// rewinds it.
func countSites(f *os.File, shard, shards int, done map[string]bool) (int, error) {
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") && (shards <= 1 || audit.Shard(line, shards) == shard) && !done[line] {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
}

// parseShard reads -shard K/N.
func parseShard(s string) (k, n int, err error) {
	if s == "" {
		return 0, 1, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, kerr := strconv.Atoi(ks)
	n, nerr := strconv.Atoi(ns)
	if !ok || kerr != nil || nerr != nil || n < 1 || k < 0 || k >= n {
		return 0, 0, fmt.Errorf("want K/N with 0 <= K < N, such as 0/4, not %s", match.Quote(s))
	}
	return k, n, nil
}

func skipReason(shard, resume bool) string {
	switch {
	case shard && resume:
		return "other shards' or already reported"
	case shard:
		return "other shards'"
	}
	return "already reported"
}

// openResume opens an earlier JSON-lines output for appending, returns
// the sites it reports and adds them to sum, so the summary of a resumed
// survey counts every site of FILE. A last line cut short (the run was
// killed while writing it) is dropped, so its site is audited again.
func openResume(name string, sum *audit.Summary) (*os.File, map[string]bool, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	done := map[string]bool{}
	r := bufio.NewReader(f)
	var good int64 // the length of the complete lines
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			break // a last line without its newline is cut short
		}
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		var s auditSite
		if json.Unmarshal(line, &s) != nil || s.Site == "" {
			f.Close()
			return nil, nil, fmt.Errorf("%s:%d: not a line of audit -json", name, len(done)+1)
		}
		done[s.Site] = true
		sum.Add(s.result())
		good += int64(len(line))
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, done, nil
}

// printSummary prints the table a survey publishes.
func printSummary(w io.Writer, s *audit.Summary) {
	pct := func(n int) string {
		if s.Audited == 0 {
			return ""
		}
		return fmt.Sprintf(" (%.1f%%)", 100*float64(n)/float64(s.Audited))
	}
	fmt.Fprintf(w, "xdpolicy audit: summary of %d sites: %d audited, %d unreachable, %d incomplete, %d not audited\n",
		s.Sites, s.Audited, s.Unreachable, s.Incomplete, s.Failed)
	for _, rt := range audit.Runtimes {
		fmt.Fprintf(w, "  %-12s policy used on %d sites%s\n", rt, s.WithPolicy[rt], pct(s.WithPolicy[rt]))
	}
	for _, l := range []string{"high", "medium", "low", "info", "none"} {
		fmt.Fprintf(w, "  worst %-6s %d sites%s\n", l, s.Worst[l], pct(s.Worst[l]))
	}
	for _, code := range s.Codes() {
		fmt.Fprintf(w, "  %-32s %d sites%s, %d findings\n", code, s.SitesWithFinding[code], pct(s.SitesWithFinding[code]), s.Findings[code])
	}
}

func writeSummary(name string, s *audit.Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
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
