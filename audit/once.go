package audit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/xdpolicy/xdpolicy/internal/fetch"
)

// onceEach returns an HTTP client over c's transport that fetches each URL
// once: the runtimes' lookups of one site ask for some of the same files
// (crossdomain.xml by Flash Player and by Silverlight, with and without
// redirects), and one audit must judge them on one answer. Bodies are kept
// up to maxBytes and one byte more, so that an oversized file is still
// refused by the fetch that reads it.
func onceEach(c *http.Client, maxBytes int64) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	if maxBytes <= 0 {
		maxBytes = fetch.DefaultMaxBytes
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc := *c
	cc.Transport = &onceTransport{base: base, max: maxBytes, m: map[string]*onceEntry{}}
	return &cc
}

type onceTransport struct {
	base http.RoundTripper
	max  int64
	mu   sync.Mutex
	m    map[string]*onceEntry
}

type onceEntry struct {
	done chan struct{}
	res  *http.Response
	body []byte
	err  error // of the round trip
	rerr error // of reading the body
}

func (t *onceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return t.base.RoundTrip(req)
	}
	key := req.URL.String()
	t.mu.Lock()
	e, ok := t.m[key]
	if !ok {
		e = &onceEntry{done: make(chan struct{})}
		t.m[key] = e
	}
	t.mu.Unlock()
	if !ok {
		e.res, e.err = t.base.RoundTrip(req)
		if e.err == nil {
			e.body, e.rerr = io.ReadAll(io.LimitReader(e.res.Body, t.max+1))
			e.res.Body.Close()
		}
		close(e.done)
	} else {
		select {
		case <-e.done:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	if e.err != nil {
		return nil, ownTimeout(req.Context(), e.err)
	}
	res := *e.res
	res.Request = req
	res.Header = e.res.Header.Clone()
	res.Body = io.NopCloser(io.MultiReader(bytes.NewReader(e.body), errReader{req.Context(), e.rerr}))
	return &res, nil
}

// ownTimeout turns the end of the first asker's time into the end of this
// one's: each fetch reports a timeout against its own limit, and the same
// server would not have answered it either.
func ownTimeout(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

// errReader ends a replayed body with the error reading the original one
// ended with (io.EOF when it ended well).
type errReader struct {
	ctx context.Context
	err error
}

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, ownTimeout(r.ctx, r.err)
}

// body returns the body fetched from u, when a GET of it was read whole.
func (t *onceTransport) body(u string) ([]byte, bool) {
	t.mu.Lock()
	e, ok := t.m[u]
	t.mu.Unlock()
	if !ok {
		return nil, false
	}
	select {
	case <-e.done:
	default:
		return nil, false
	}
	if e.err != nil || e.rerr != nil {
		return nil, false
	}
	return e.body, true
}
