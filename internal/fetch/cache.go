package fetch

import (
	"context"
	"sync"

	"github.com/xdpolicy/xdpolicy/match"
)

// Cache remembers one outcome per key for the life of a runtime session,
// failures included, as the runtimes did. Concurrent callers asking for a
// key that is being fetched wait for that one fetch. Once an entry exists,
// callers read it without a lock, so a cache that has every answer never
// serialises its readers. The zero Cache is ready to use and safe for
// concurrent use.
type Cache[V any] struct {
	mu sync.Mutex // held while an entry is added
	m  sync.Map   // key -> *entry[V]
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
	e, ok := c.load(key)
	if !ok {
		c.mu.Lock()
		if e, ok = c.load(key); !ok {
			e = &entry[V]{done: make(chan struct{})}
			c.m.Store(key, e)
			go func() {
				e.v = fetch(context.WithoutCancel(ctx))
				close(e.done)
			}()
		}
		c.mu.Unlock()
	}
	select {
	case <-e.done:
		return e.v, ok, nil
	case <-ctx.Done():
		var zero V
		return zero, false, ctx.Err()
	}
}

func (c *Cache[V]) load(key string) (*entry[V], bool) {
	e, ok := c.m.Load(key)
	if !ok {
		return nil, false
	}
	return e.(*entry[V]), true
}

// Memo maps target origins to values settled once, read without a lock:
// what a lookup client keeps so that a decision it has every file for is
// made without fetching, formatting or allocating. It is keyed by the
// host alone (a string hashes fast) and keeps each host's few origins in
// a list it replaces, never changes. The zero Memo is ready to use and
// safe for concurrent use.
type Memo[V any] struct {
	mu sync.Mutex // held while a value is stored
	m  sync.Map   // host -> *[]memoEntry[V]
}

type memoEntry[V any] struct {
	scheme string
	port   int
	v      V
}

// Origin names a target's origin in a Memo, as a request holds it, so
// looking it up builds no string.
type Origin struct {
	Scheme, Host string
	Port         int
}

// OriginOf returns t's Origin.
func OriginOf(t *match.Target) Origin { return Origin{t.Scheme, t.Host, t.Port} }

// Load returns the value stored for o.
func (m *Memo[V]) Load(o Origin) (V, bool) {
	if list, ok := m.m.Load(o.Host); ok {
		for _, e := range *list.(*[]memoEntry[V]) {
			if e.scheme == o.Scheme && e.port == o.Port {
				return e.v, true
			}
		}
	}
	var zero V
	return zero, false
}

// Store sets the value for o.
func (m *Memo[V]) Store(o Origin, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var list []memoEntry[V]
	if old, ok := m.m.Load(o.Host); ok {
		for _, e := range *old.(*[]memoEntry[V]) {
			if e.scheme != o.Scheme || e.port != o.Port {
				list = append(list, e)
			}
		}
	}
	list = append(list, memoEntry[V]{o.Scheme, o.Port, v})
	m.m.Store(o.Host, &list)
}

// NewLookup returns a Lookup with no Files and room for n, made in one
// allocation when n is small, for a client answering from its memo.
func NewLookup(n int) *match.Lookup {
	switch {
	case n <= 1:
		b := new(struct {
			l match.Lookup
			f [1]match.Consulted
		})
		b.l.Files = b.f[:0:n]
		return &b.l
	case n <= 2:
		b := new(struct {
			l match.Lookup
			f [2]match.Consulted
		})
		b.l.Files = b.f[:0:n]
		return &b.l
	case n <= 4:
		b := new(struct {
			l match.Lookup
			f [4]match.Consulted
		})
		b.l.Files = b.f[:0:n]
		return &b.l
	}
	return &match.Lookup{Files: make([]match.Consulted, 0, n)}
}

// DoesNotGrant returns the note a lookup puts on a file that does not
// grant, "does not grant (CODE)", without building it each time.
func DoesNotGrant(c match.Code) string {
	if c >= 0 && int(c) < len(doesNotGrant) {
		return doesNotGrant[c]
	}
	return "does not grant (" + c.String() + ")"
}

var doesNotGrant = func() (notes [32]string) {
	for c := range notes {
		notes[c] = "does not grant (" + match.Code(c).String() + ")"
	}
	return notes
}()
