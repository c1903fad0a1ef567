package sockserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LoadResult is what Load measured.
type LoadResult struct {
	// Answered counts exchanges whose reply passed the check; Failed the
	// others (refused, reset, timed out, wrong reply).
	Answered, Failed int
	// FirstError is the first failure, for the report.
	FirstError error
	Elapsed    time.Duration
	// Latencies of the answered exchanges, from dial to the server's
	// close, sorted.
	Latencies []time.Duration
}

// PerSecond is the rate of answered exchanges.
func (r LoadResult) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Answered) / r.Elapsed.Seconds()
}

// Percentile returns the latency below which p percent of the answered
// exchanges fell (nearest rank).
func (r LoadResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies))*p/100+0.5) - 1
	return r.Latencies[max(0, min(i, len(r.Latencies)-1))]
}

// Load plays conc clients against addr, each in a loop: connect, send
// request, read until the server closes, check the reply. It stops after
// n exchanges in all (n > 0) or when ctx ends.
func Load(ctx context.Context, addr string, request []byte, conc, n int, check func([]byte) error) LoadResult {
	var (
		mu      sync.Mutex
		res     LoadResult
		started atomic.Int64
		wg      sync.WaitGroup
	)
	// over says whether the run has ended. A context with a deadline
	// fails dials as soon as it passes, before ctx.Err says so.
	over := func() bool {
		if ctx.Err() != nil {
			return true
		}
		dl, ok := ctx.Deadline()
		return ok && !time.Now().Before(dl)
	}
	begin := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var failed int
			var firstErr error
			buf := make([]byte, 0, 4096)
			for !over() && (n <= 0 || started.Add(1) <= int64(n)) {
				t0 := time.Now()
				reply, err := exchangeOnce(ctx, addr, request, buf[:0])
				if err == nil {
					err = check(reply)
				}
				if err != nil {
					if over() {
						break // cut off by the end of the run
					}
					failed++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.Latencies = append(res.Latencies, lat...)
			res.Failed += failed
			if res.FirstError == nil {
				res.FirstError = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(begin)
	res.Answered = len(res.Latencies)
	slices.Sort(res.Latencies)
	return res
}

func exchangeOnce(ctx context.Context, addr string, request, buf []byte) ([]byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(request); err != nil {
		return nil, err
	}
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= 1<<20 {
				return nil, errors.New("reply over 1 MiB")
			}
			buf = slices.Grow(buf, len(buf))
		}
		m, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("after %d bytes: %w", len(buf), err)
		}
	}
}
