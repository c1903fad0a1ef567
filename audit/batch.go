package audit

import (
	"cmp"
	"context"
	"hash/fnv"
	"iter"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Batch audits a stream of sites, many at once, and hands the reports
// over in the order the sites came, as a survey of a long list needs: its
// memory stays flat however long the list, since a report is handed over
// and dropped as soon as those before it are, and at most Window sites
// are in hand at any time.
//
// Each site is audited over its own copy of the HTTP client's
// *http.Transport, whose connections are closed when the site is done:
// the connections to a host, and what the transport keeps about it, end
// with the host's audit, so a survey of a million hosts keeps none of
// them (a shared transport keeps a little about every host it has ever
// dialled).
//
//	b := audit.Batch{Parallel: 200}
//	err := b.Run(ctx, slices.Values(sites), func(r audit.Result) error {
//		return enc.Encode(r.Report) // in the order of sites
//	})
type Batch struct {
	Config Config
	// Parallel is the most sites audited at once (default 8).
	Parallel int
	// PerHost is the most sites of one host audited at once (default 2),
	// so a list that names a host many times, or under several origins,
	// never hammers it.
	PerHost int
	// Window is the most sites started but not yet handed over (default
	// 4 × Parallel, never less than Parallel): a site that is slow to
	// answer holds back at most that many reports.
	Window int
	// Done, if set, is called as each site finishes, in the order they
	// finish, one call at a time: for progress.
	Done func(Result)

	// audit stands in for Audit in tests of the scheduling.
	audit func(ctx context.Context, site string, cfg Config) (*Site, error)
}

// Result is the outcome of one site of a Batch.
type Result struct {
	// Index is the site's place in the stream, from 0.
	Index int
	// Site is the site as the stream gave it.
	Site string
	// Report is the audit's report, when Err is nil.
	Report *Site
	// Err says why there is no report: a bad site argument, or the
	// context's end.
	Err error
}

// Run audits every site of sites and calls deliver with each result, in
// the order of sites. It reads the stream as it goes, never ahead of the
// window. When ctx ends, Run stops reading the stream, delivers the
// sites already started (those not audited with ctx's error) and returns
// ctx's error; when deliver returns an error, Run stops and returns it.
func (b *Batch) Run(ctx context.Context, sites iter.Seq[string], deliver func(Result) error) error {
	parallel := max(b.Parallel, 0)
	if parallel == 0 {
		parallel = 8
	}
	window := b.Window
	if window <= 0 {
		window = 4 * parallel
	}
	window = max(window, parallel)
	perHost := b.PerHost
	if perHost <= 0 {
		perHost = 2
	}
	auditSite := b.audit
	if auditSite == nil {
		auditSite = Audit
	}
	parent := ctx
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	type job struct {
		Result
		done chan Result
	}
	jobs := make(chan *job)
	order := make(chan *job, window)
	slots := make(chan struct{}, window)
	hosts := &hostLimit{n: perHost}
	var progress sync.Mutex

	// The reader: one job per site, while the window has room. cut says
	// it stopped before the end of the stream.
	var cut atomic.Bool
	go func() {
		defer close(jobs)
		defer close(order)
		i := 0
		for site := range sites {
			if ctx.Err() != nil {
				cut.Store(true)
				return
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				cut.Store(true)
				return
			}
			j := &job{Result: Result{Index: i, Site: site}, done: make(chan Result, 1)}
			i++
			order <- j // never blocks: the window bounds it
			select {
			case jobs <- j:
			case <-ctx.Done():
				j.done <- Result{Index: j.Index, Site: site, Err: ctx.Err()}
				cut.Store(true)
				return
			}
		}
	}()

	// The workers. They stop when ctx ends, even if the stream does not.
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var j *job
				select {
				case j = <-jobs:
				case <-ctx.Done():
					return
				}
				if j == nil {
					return // the stream ended
				}
				r := j.Result
				host, _, err := ParseSite(j.Site)
				if err == nil {
					if err = hosts.acquire(ctx, host); err == nil {
						cfg, done := ownTransport(b.Config)
						r.Report, r.Err = auditSite(ctx, j.Site, cfg)
						done()
						hosts.release(host)
					}
				}
				if err != nil {
					r.Err = err
				}
				if b.Done != nil {
					progress.Lock()
					b.Done(r)
					progress.Unlock()
				}
				j.done <- r
			}
		}()
	}

	// The deliverer: in order, freeing a slot per report handed over.
	var err error
	hand := func(j *job) {
		r := <-j.done
		if err == nil {
			if err = deliver(r); err != nil {
				stop()
			}
		}
		<-slots
	}
	for {
		select {
		case j, ok := <-order:
			if !ok {
				wg.Wait()
				if err == nil && cut.Load() {
					err = context.Cause(parent) // the stream was not read to its end
				}
				return err
			}
			hand(j)
			continue
		case <-ctx.Done():
		}
		// The end: hand over the sites started, and wait for the workers.
		// The stream may be blocked (a terminal that sends nothing); Run
		// does not wait for it.
		for {
			select {
			case j, ok := <-order:
				if ok {
					hand(j)
					continue
				}
			default:
			}
			wg.Wait()
			return cmp.Or(err, context.Cause(parent))
		}
	}
}

// ownTransport returns cfg with a copy of its HTTP client whose transport
// is a clone of the client's *http.Transport, and a function that closes
// the clone's connections. A client over another RoundTripper is kept.
func ownTransport(cfg Config) (Config, func()) {
	c := cfg.HTTPClient
	if c == nil {
		c = http.DefaultClient
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return cfg, func() {}
	}
	own := tr.Clone()
	cc := *c
	cc.Transport = own
	cfg.HTTPClient = &cc
	return cfg, own.CloseIdleConnections
}

// hostLimit bounds the sites of one host audited at once.
type hostLimit struct {
	n    int
	mu   sync.Mutex
	busy map[string]*hostSlot
}

type hostSlot struct {
	sem  chan struct{}
	refs int
}

func (h *hostLimit) acquire(ctx context.Context, host string) error {
	h.mu.Lock()
	if h.busy == nil {
		h.busy = map[string]*hostSlot{}
	}
	s := h.busy[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, h.n)}
		h.busy[host] = s
	}
	s.refs++
	h.mu.Unlock()
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		h.drop(host, s)
		return ctx.Err()
	}
}

func (h *hostLimit) release(host string) {
	h.mu.Lock()
	s := h.busy[host]
	h.mu.Unlock()
	<-s.sem
	h.drop(host, s)
}

func (h *hostLimit) drop(host string, s *hostSlot) {
	h.mu.Lock()
	if s.refs--; s.refs == 0 {
		delete(h.busy, host)
	}
	h.mu.Unlock()
}

// Shard returns which of n shards a site belongs to, from 0 to n-1: a
// hash of its host (of the site as written, when it names no host), so
// every origin of a host falls in one shard and n machines given the same
// list and each its own shard audit every site exactly once.
func Shard(site string, n int) int {
	if n <= 1 {
		return 0
	}
	key, _, err := ParseSite(site)
	if err != nil {
		key = strings.TrimSpace(site)
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64() % uint64(n))
}

// Summary counts what a survey found: the table it publishes. Add each
// result; summaries of shards add up with Merge.
type Summary struct {
	// Sites is the number of results added; Audited those with a report.
	Sites   int `json:"sites"`
	Audited int `json:"audited"`
	// Failed had no report (a bad site argument); Unreachable gave no
	// HTTP answer at all; Incomplete had a file a runtime reads that could
	// not be read, so some verdict is unknown.
	Failed      int `json:"failed"`
	Unreachable int `json:"unreachable"`
	Incomplete  int `json:"incomplete"`
	// WithPolicy counts, per runtime, the sites where it uses a policy
	// file.
	WithPolicy map[string]int `json:"with_policy"`
	// Findings and SitesWithFinding count, per finding code, the findings
	// and the sites with at least one.
	Findings         map[string]int `json:"findings"`
	SitesWithFinding map[string]int `json:"sites_with_finding"`
	// Levels counts the findings per level; Worst the sites per worst
	// level ("none" for a site without findings).
	Levels map[string]int `json:"levels"`
	Worst  map[string]int `json:"worst"`
}

// Add counts one result.
func (s *Summary) Add(r Result) {
	s.init()
	s.Sites++
	if r.Err != nil || r.Report == nil {
		s.Failed++
		return
	}
	rep := r.Report
	s.Audited++
	if rep.Err != nil {
		s.Unreachable++
		return
	}
	if len(rep.Unknown()) > 0 {
		s.Incomplete++
	}
	used := map[string]bool{}
	codes := map[string]bool{}
	for _, f := range rep.Files {
		for _, rd := range f.Readings {
			if rd.Used {
				used[rd.Runtime] = true
			}
		}
		for _, x := range f.Findings {
			s.Findings[x.Code]++
			s.Levels[x.Level.String()]++
			codes[x.Code] = true
		}
	}
	for rt := range used {
		s.WithPolicy[rt]++
	}
	for c := range codes {
		s.SitesWithFinding[c]++
	}
	worst := "none"
	if w := rep.Worst(); w != 0 {
		worst = w.String()
	}
	s.Worst[worst]++
}

// Merge adds the counts of o, another shard's summary.
func (s *Summary) Merge(o Summary) {
	s.init()
	s.Sites += o.Sites
	s.Audited += o.Audited
	s.Failed += o.Failed
	s.Unreachable += o.Unreachable
	s.Incomplete += o.Incomplete
	for _, m := range []struct{ to, from map[string]int }{
		{s.WithPolicy, o.WithPolicy}, {s.Findings, o.Findings}, {s.SitesWithFinding, o.SitesWithFinding},
		{s.Levels, o.Levels}, {s.Worst, o.Worst},
	} {
		for k, v := range m.from {
			m.to[k] += v
		}
	}
}

func (s *Summary) init() {
	if s.WithPolicy == nil {
		s.WithPolicy, s.Findings, s.SitesWithFinding = map[string]int{}, map[string]int{}, map[string]int{}
		s.Levels, s.Worst = map[string]int{}, map[string]int{}
	}
}

// Codes returns the finding codes counted, the most frequent (by sites)
// first, then by name.
func (s *Summary) Codes() []string {
	var out []string
	for c := range s.Findings {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := s.SitesWithFinding[out[i]], s.SitesWithFinding[out[j]]
		if a != b {
			return a > b
		}
		return out[i] < out[j]
	})
	return out
}
