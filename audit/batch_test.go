package audit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

// batchSites serves n made-up sites s0.test … on loopback: every third
// one wide open, the others with no files. Each request takes a little
// while, longer for s0, so reports finish out of order. It returns the
// config that reaches them and their names.
func batchSites(t *testing.T, n int) (Config, []string) {
	site := fakesite.Site{Handlers: map[string]http.Handler{}}
	var names []string
	for i := range n {
		name := fmt.Sprintf("s%d.test", i)
		names = append(names, name)
		delay := time.Millisecond
		if i == 0 {
			delay = 40 * time.Millisecond
		}
		open := i%3 == 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(delay)
			if open && r.URL.Path == "/crossdomain.xml" {
				w.Header().Set("Content-Type", "text/x-cross-domain-policy")
				fmt.Fprint(w, flashOpen)
				return
			}
			http.NotFound(w, r)
		})
		site.Handlers["http://"+name] = h
		site.Handlers["https://"+name] = h
	}
	srv := fakesite.Start(t, site)
	return Config{HTTPClient: srv.Client(), DialContext: srv.DialContext, Timeout: 2 * time.Second}, names
}

func TestBatchOrderAndWindow(t *testing.T) {
	cfg, names := batchSites(t, 30)
	var mu sync.Mutex
	finished, delivered, held := 0, 0, 0
	b := Batch{Config: cfg, Parallel: 4, Window: 6, Done: func(Result) {
		mu.Lock()
		finished++
		held = max(held, finished-delivered)
		mu.Unlock()
	}}
	var got []string
	err := b.Run(context.Background(), slices.Values(names), func(r Result) error {
		require.NoError(t, r.Err)
		require.NotNil(t, r.Report)
		assert.Equal(t, len(got), r.Index)
		got = append(got, r.Site)
		mu.Lock()
		delivered++
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, names, got, "in the order given")
	assert.LessOrEqual(t, held, 6, "never more than the window in hand")
	t.Logf("at most %d reports held back by the slow first site", held)
	assert.Greater(t, held, 1, "the slow first site holds the others back")
}

// fakeAudit stands in for Audit: it takes a while and counts the sites
// in progress, per host and overall, at most.
type fakeAudit struct {
	mu                 sync.Mutex
	active             map[string]int
	all, most, mostAll int
}

func (f *fakeAudit) audit(ctx context.Context, site string, _ Config) (*Site, error) {
	host, _, err := ParseSite(site)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.active == nil {
		f.active = map[string]int{}
	}
	f.active[host]++
	f.all++
	f.most, f.mostAll = max(f.most, f.active[host]), max(f.mostAll, f.all)
	f.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	f.mu.Lock()
	f.active[host]--
	f.all--
	f.mu.Unlock()
	return &Site{Site: site, Host: host}, ctx.Err()
}

func TestBatchPerHost(t *testing.T) {
	// One host under five spellings, and another host: never more than
	// PerHost sites of one host at once, while the other goes on.
	sites := []string{"s0.test", "http://s0.test/", "https://s0.test/", "S0.test", "http://s0.test:80/x", "s1.test", "s1.test"}
	for _, perHost := range []int{1, 2} {
		f := &fakeAudit{}
		b := Batch{Parallel: 5, PerHost: perHost, audit: f.audit}
		n := 0
		require.NoError(t, b.Run(context.Background(), slices.Values(sites), func(r Result) error {
			require.NoError(t, r.Err)
			n++
			return nil
		}))
		assert.Equal(t, len(sites), n)
		assert.Equal(t, perHost, f.most, "at most %d sites of one host at once", perHost)
		assert.Greater(t, f.mostAll, perHost, "other hosts go on meanwhile")
	}
}

func TestBatchParallel(t *testing.T) {
	var sites []string
	for i := range 40 {
		sites = append(sites, fmt.Sprintf("s%d.test", i))
	}
	f := &fakeAudit{}
	b := Batch{Parallel: 8, audit: f.audit}
	require.NoError(t, b.Run(context.Background(), slices.Values(sites), func(Result) error { return nil }))
	assert.Equal(t, 8, f.mostAll)
}

func TestBatchBadSiteAndStop(t *testing.T) {
	cfg, names := batchSites(t, 5)
	sites := append([]string{"site.test:8080"}, names...)
	var results []Result
	stop := errors.New("enough")
	b := Batch{Config: cfg, Parallel: 2}
	err := b.Run(context.Background(), slices.Values(sites), func(r Result) error {
		results = append(results, r)
		if len(results) == 3 {
			return stop
		}
		return nil
	})
	assert.ErrorIs(t, err, stop)
	require.Len(t, results, 3, "nothing is delivered after deliver fails")
	assert.ErrorContains(t, results[0].Err, "a port needs a scheme")
}

func TestBatchCanceled(t *testing.T) {
	cfg, names := batchSites(t, 20)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	b := Batch{Config: cfg, Parallel: 2, Window: 4}
	err := b.Run(ctx, slices.Values(names), func(r Result) error {
		if n++; n == 2 {
			cancel()
		}
		return nil
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, n, len(names), "the rest of the stream is not read")
	assert.LessOrEqual(t, n, 2+4, "only the sites started are handed over")

	// A stream that blocks: Run still returns when ctx ends.
	ctx, cancel = context.WithCancel(context.Background())
	blocked := func(yield func(string) bool) {
		if !yield(names[1]) {
			return
		}
		<-make(chan struct{}) // a terminal that sends nothing more
	}
	done := make(chan error)
	go func() { done <- b.Run(ctx, blocked, func(Result) error { cancel(); return nil }) }()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Run waits for a blocked stream")
	}
}

func TestShard(t *testing.T) {
	const n = 4
	counts := make([]int, n)
	for i := range 4000 {
		site := fmt.Sprintf("site%d.example", i)
		k := Shard(site, n)
		require.GreaterOrEqual(t, k, 0)
		require.Less(t, k, n)
		assert.Equal(t, k, Shard(site, n), "deterministic")
		counts[k]++
	}
	for k, c := range counts {
		assert.InDelta(t, 1000, c, 150, "shard %d of %d: %d sites", k, n, c)
	}
	// Every origin of a host falls in one shard.
	for _, s := range []string{"http://site7.example/", "https://site7.example:8443/", "SITE7.example"} {
		assert.Equal(t, Shard("site7.example", n), Shard(s, n), s)
	}
	assert.Equal(t, 0, Shard("anything", 1))
}

func TestSummary(t *testing.T) {
	cfg, names := batchSites(t, 6)
	var s Summary
	b := Batch{Config: cfg, Parallel: 3}
	sites := append(slices.Clone(names), "bad.test:1")
	require.NoError(t, b.Run(context.Background(), slices.Values(sites), func(r Result) error {
		s.Add(r)
		return nil
	}))
	assert.Equal(t, 7, s.Sites)
	assert.Equal(t, 6, s.Audited)
	assert.Equal(t, 1, s.Failed)
	assert.Equal(t, 2, s.WithPolicy[Flash], "s0 and s3 are open")
	assert.Equal(t, 2, s.SitesWithFinding["open-access"])
	assert.Equal(t, 2, s.Worst["high"])
	assert.Equal(t, 4, s.Worst["none"])
	assert.Equal(t, []string{"cacheable-response", "missing-meta-policy-header", "open-access"}, s.Codes()[:3], "most sites first, then by name")

	var total Summary
	total.Merge(s)
	total.Merge(s)
	assert.Equal(t, 14, total.Sites)
	assert.Equal(t, 4, total.SitesWithFinding["open-access"])
}

// countedConn reports its Close once.
type countedConn struct {
	net.Conn
	once   sync.Once
	closed func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.closed)
	return c.Conn.Close()
}

// TestBatchClosesConnections: each site's connections are closed when
// the site is done, so a survey holds none for the hosts behind it.
func TestBatchClosesConnections(t *testing.T) {
	cfg, names := batchSites(t, 12)
	base := cfg.HTTPClient.Transport.(*http.Transport)
	var open atomic.Int64
	tr := base.Clone()
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		open.Add(1)
		return &countedConn{Conn: c, closed: func() { open.Add(-1) }}, nil
	}
	cfg.HTTPClient = &http.Client{Transport: tr}
	b := Batch{Config: cfg, Parallel: 4}
	require.NoError(t, b.Run(context.Background(), slices.Values(names), func(Result) error { return nil }))
	// A connection whose response was just read goes back to its
	// transport a moment later, and is closed then: the transport was
	// told to keep none.
	assert.Eventually(t, func() bool { return open.Load() == 0 }, 2*time.Second, 10*time.Millisecond,
		"connections left open after the sites were done: %d", open.Load())
}

// TestBatchCanceledMidSite: the context ends while a site is audited by a
// fetch that ends on its own; Run still says the stream was cut short,
// every time, and no worker reports after Run returns.
func TestBatchCanceledMidSite(t *testing.T) {
	endless := func(yield func(string) bool) {
		for i := 0; ; i++ {
			if !yield(fmt.Sprintf("s%d.test", i)) {
				return
			}
		}
	}
	for trial := range 40 {
		ctx, cancel := context.WithCancel(context.Background())
		var returned atomic.Bool
		b := Batch{Parallel: 1, Window: 1,
			audit: func(ctx context.Context, site string, _ Config) (*Site, error) {
				time.Sleep(10 * time.Millisecond) // a fetch that ends on its own
				return &Site{Site: site}, nil
			},
			Done: func(Result) {
				if returned.Load() {
					t.Error("a site reported after Run returned")
				}
			},
		}
		go func() { time.Sleep(3 * time.Millisecond); cancel() }()
		err := b.Run(ctx, endless, func(Result) error { return nil })
		returned.Store(true)
		require.ErrorIs(t, err, context.Canceled, "trial %d", trial)
	}
}
