package mozpolicy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/xdpolicy/xdpolicy/internal/fetch"
	"github.com/xdpolicy/xdpolicy/match"
)

// Client decides requests the way the draft's client did over HTTP: a
// Resolver whose files come from the network. A file counts
// only with status 200; redirects are not followed (a 3xx is a missing
// file); any Content-Type is read.
//
// Each file's answer is cached for the life of the Client, failures
// included, and concurrent lookups of one file share one fetch. A Client
// is safe for concurrent use; its fields must not change after the first
// Decide. The zero Client uses http.DefaultClient.
//
// The cache grows with every site asked about, as a runtime session's
// did; a long-running crawler should start a new Client per batch.
type Client struct {
	// HTTPClient does the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// MaxBytes bounds each file (default 1 MiB); a larger one is
	// rejected, never truncated.
	MaxBytes int64
	// Timeout bounds each fetch (default 5 s).
	Timeout time.Duration

	files fetch.Cache[*fetched]
}

// fetched is one file's answer.
type fetched struct {
	body []byte
	err  error
	rec  match.Consulted

	once   sync.Once
	loaded *loaded // read and compiled once, when first used
}

// read returns the file read by p and compiled where it was found.
func (f *fetched) read(p Parser, loc string) *loaded {
	f.once.Do(func() {
		if f.err != nil {
			f.loaded = &loaded{fetchErr: f.err}
			return
		}
		f.loaded = readAt(p, loc, f.body)
	})
	return f.loaded
}

// Decide answers req as Resolver.Decide does, reading the files over
// HTTP, and lists every file consulted. The error is non-nil only when ctx
// ends first.
func (c *Client) Decide(ctx context.Context, req match.Request) (*match.Lookup, error) {
	var mu sync.Mutex
	var files []match.Consulted
	parser := Parser{MaxBytes: int(c.MaxBytes)}
	r := &Resolver{
		Parser: parser,
		// Each file is read and compiled once for the life of the cache,
		// not on every decision.
		load: func(ctx context.Context, url string) *loaded {
			f, cached, err := c.files.Do(ctx, url, func(ctx context.Context) *fetched { return c.get(ctx, url) })
			if err != nil {
				return &loaded{fetchErr: err}
			}
			l := f.read(parser, url)
			rec := f.rec
			rec.Cached = cached
			if l.compiled != nil {
				rec.Model, rec.Policy = l.pol, l.compiled
			}
			mu.Lock()
			files = append(files, rec)
			mu.Unlock()
			return l
		},
	}
	res, err := r.Decide(ctx, req)
	for i := range files {
		if i < len(res.Steps) {
			describe(&files[i], &res.Steps[i])
		}
	}
	return &match.Lookup{Decision: res.Decision, Files: files}, err
}

// get fetches one policy file.
func (c *Client) get(ctx context.Context, url string) *fetched {
	h := fetch.HTTP{Client: c.HTTPClient, MaxBytes: c.MaxBytes, Timeout: c.Timeout, Redirects: fetch.NoRedirects}
	res, err := h.Get(ctx, url)
	f := &fetched{err: fetch.Cause(err), rec: fetch.Record(url, res, err)}
	switch {
	case err != nil:
	case res.Status == http.StatusOK:
		f.body = res.Body
	case res.Status >= 300 && res.Status < 400:
		f.err = fmt.Errorf("status %d: the draft's client does not follow redirects for policy files: %w", res.Status, fs.ErrNotExist)
	case res.Status == http.StatusNotFound || res.Status == http.StatusGone:
		f.err = fmt.Errorf("status %d: %w", res.Status, fs.ErrNotExist)
	default:
		f.err = fmt.Errorf("status %d", res.Status)
	}
	return f
}

// Survey reads the policy file the draft's client consults first for the
// site at origin (scheme://host[:port]): its root /cross-domain-policy.xml,
// and says what the client made of it; it decides nothing, and follows no
// delegation. An audit is built on it. The file comes with its response
// (status, Content-Type, headers), whether it could be read (Unread), and,
// when the client read it without rejecting it, the model (a *Policy) and
// the compiled policy. The answer is cached with Decide's. The error is
// non-nil only for an origin that is not one, or when ctx ends first.
func (c *Client) Survey(ctx context.Context, origin string) ([]match.Consulted, error) {
	t, err := match.ParseTarget(origin)
	if err != nil || t.IsSocket() {
		return nil, fmt.Errorf("mozpolicy: %s is not an http(s) origin", match.Quote(origin))
	}
	u := t.Root() + "/" + FileName
	f, cached, err := c.files.Do(ctx, u, func(ctx context.Context) *fetched { return c.get(ctx, u) })
	if err != nil {
		return nil, err
	}
	rec := f.rec
	rec.Cached = cached
	switch {
	case f.err != nil:
		rec.Note = strings.TrimSuffix(f.err.Error(), ": "+fs.ErrNotExist.Error())
	default:
		l := f.read(Parser{MaxBytes: int(c.MaxBytes)}, u)
		if l.err != nil {
			rec.Used, rec.Note = true, "rejected: "+l.err.Error()
			break
		}
		rec.Used, rec.Model, rec.Policy = true, l.pol, l.compiled
		rec.Note = "the root policy of " + t.Root()
	}
	return []match.Consulted{rec}, nil
}

// describe fills in what came of a consulted file from the resolver's
// step for it.
func describe(rec *match.Consulted, s *Step) {
	var rejected *match.Diagnostic
	switch d := s.Decision; {
	case errors.As(s.Err, &rejected):
		rec.Used, rec.Note = true, "rejected: "+s.Err.Error()
	case s.Err != nil:
		rec.Note = s.Err.Error()
	case d.Code == match.Delegated:
		rec.Used, rec.Note = true, "delegates to "+d.Next
	case d.Allowed:
		rec.Used, rec.Note = true, "grants"
	default:
		rec.Used, rec.Note = true, "denies ("+d.Code.String()+")"
	}
}
