package fetch

import (
	"context"
	"sync"
)

// Cache remembers one outcome per key for the life of a runtime session,
// failures included, as the runtimes did. Concurrent callers asking for a
// key that is being fetched wait for that one fetch. The zero Cache is
// ready to use and safe for concurrent use.
type Cache[V any] struct {
	mu sync.Mutex
	m  map[string]*entry[V]
}

type entry[V any] struct {
	done chan struct{}
	v    V
}

// Do returns the outcome for key, calling fetch once per key. fetch runs
// with a context that keeps ctx's values but not its cancellation, so one
// caller giving up neither spoils the outcome for the others nor caches a
// cancellation; fetch must bound its own time. A caller whose ctx ends
// first gets ctx's error; cached reports whether another call had asked
// for key first (its fetch done or in flight).
func (c *Cache[V]) Do(ctx context.Context, key string, fetch func(context.Context) V) (v V, cached bool, err error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*entry[V]{}
	}
	e, ok := c.m[key]
	if !ok {
		e = &entry[V]{done: make(chan struct{})}
		c.m[key] = e
		go func() {
			e.v = fetch(context.WithoutCancel(ctx))
			close(e.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.v, ok, nil
	case <-ctx.Done():
		var zero V
		return zero, false, ctx.Err()
	}
}
