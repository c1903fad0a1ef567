// Package fetch is the machinery the lookups fetch policy files with: over
// HTTP with a body limit, a time limit and a redirect rule, and over a
// socket with a request to send. Every fetch is bounded; a body over the
// limit is an error, never a truncated file. It holds no runtime's rules:
// the requests, the content types each runtime reads and the redirect
// limits are the format packages' (crossdomain, clientaccess, mozpolicy),
// which pass them in.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/xdpolicy/xdpolicy/match"
)

// Defaults for every fetch.
const (
	DefaultMaxBytes = 1 << 20
	DefaultTimeout  = 5 * time.Second
)

// Redirects says which redirects an HTTP fetch follows.
type Redirects int

const (
	// NoRedirects: a 3xx answer is the answer (Silverlight, the Mozilla
	// draft): the file is missing.
	NoRedirects Redirects = iota
	// SameHost follows redirects to the same host name, at most
	// HTTP.MaxRedirects of them; a redirect to another host is an error.
	SameHost
)

// HTTP says how to fetch over HTTP.
type HTTP struct {
	// Client does the requests; nil means http.DefaultClient. Its
	// CheckRedirect is replaced for the fetch; the rest is used as is.
	Client *http.Client
	// MaxBytes bounds the body (default DefaultMaxBytes).
	MaxBytes int64
	// Timeout bounds the whole fetch, redirects included (default
	// DefaultTimeout).
	Timeout   time.Duration
	Redirects Redirects
	// MaxRedirects bounds the redirects SameHost follows (default 10).
	MaxRedirects int
}

// Response is what an HTTP fetch got.
type Response struct {
	// URL is the URL asked for; Final the URL that answered, after the
	// redirects followed (in Redirected, in order).
	URL, Final string
	Redirected []string
	Status     int
	// ContentType is the Content-Type header as sent.
	ContentType string
	Header      http.Header
	Body        []byte
}

// MediaType returns the response's media type in lower case, without
// parameters ("" when absent or malformed).
func (r *Response) MediaType() string { return mediaType(r.ContentType) }

func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

// Unusable says why runtime reads no file from a response with this
// status and Content-Type, or returns "" when it does: the status must be
// 200 and the media type (parameters and case aside) one of types, where a
// type ending in "/" ("text/") is a prefix. The message quotes the
// Content-Type as sent. Each runtime's list of types lives in its package.
func Unusable(status int, contentType, runtime string, types ...string) string {
	switch {
	case status >= 300 && status < 400:
		return fmt.Sprintf("status %d: %s reads no policy file from a redirect", status, runtime)
	case status != http.StatusOK:
		return fmt.Sprintf("status %d: no file", status)
	}
	mt := mediaType(contentType)
	var want []string
	for _, t := range types {
		if mt == t || strings.HasSuffix(t, "/") && strings.HasPrefix(mt, t) {
			return ""
		}
		if strings.HasSuffix(t, "/") {
			t += "*"
		}
		want = append(want, t)
	}
	list := want[len(want)-1]
	if len(want) > 1 {
		list = strings.Join(want[:len(want)-1], ", ") + " or " + list
	}
	return fmt.Sprintf("served as %s, not %s, so %s ignores it", match.Quote(contentType), list, runtime)
}

// Error is a failed fetch: what was asked for and why it failed.
type Error struct {
	URL string
	Err error
}

func (e *Error) Error() string { return e.URL + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Cause returns why a fetch failed without the location, for notes that
// already name it: the Err of an *Error, or err itself.
func Cause(err error) error {
	if fe, ok := err.(*Error); ok {
		return fe.Err
	}
	return err
}

// RedirectError is the cause of an Error for a redirect the fetch's rule
// does not follow: to another host, or one too many. The site answered,
// with a location the runtime reads no policy from.
type RedirectError struct{ Reason string }

func (e *RedirectError) Error() string { return e.Reason }

// ErrTooLarge is the cause of an Error for a body over the limit.
var ErrTooLarge = errors.New("over the size limit")

// Get fetches rawURL. It returns the response whatever its status (the
// caller decides what counts) and an *Error when there is none: the
// request failed, timed out, was redirected in a way the rule forbids, or
// the body was over the limit.
func (h HTTP) Get(ctx context.Context, rawURL string) (*Response, error) {
	timeout, max := limits(h.Timeout, h.MaxBytes)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	res := &Response{URL: rawURL, Final: rawURL}
	c := http.DefaultClient
	if h.Client != nil {
		c = h.Client
	}
	maxRedirects := h.MaxRedirects
	if maxRedirects <= 0 {
		maxRedirects = 10
	}
	client := *c
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if h.Redirects == NoRedirects {
			return http.ErrUseLastResponse
		}
		from := via[len(via)-1].URL
		switch {
		case !strings.EqualFold(req.URL.Hostname(), from.Hostname()):
			return &RedirectError{fmt.Sprintf("redirected to another host, %s; the policy is ignored", req.URL.Redacted())}
		case len(via) > maxRedirects:
			return &RedirectError{fmt.Sprintf("more than %d redirects", maxRedirects)}
		}
		res.Redirected = append(res.Redirected, req.URL.String())
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &Error{URL: rawURL, Err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			err = fmt.Errorf("no answer within %v", timeout)
		}
		return nil, &Error{URL: rawURL, Err: err}
	}
	defer resp.Body.Close()
	res.Final = resp.Request.URL.String()
	res.Status = resp.StatusCode
	res.ContentType = resp.Header.Get("Content-Type")
	res.Header = resp.Header
	if resp.ContentLength > max {
		return res, &Error{URL: rawURL, Err: fmt.Errorf("%w: Content-Length %d, limit %d bytes", ErrTooLarge, resp.ContentLength, max)}
	}
	res.Body, err = readAtMost(resp.Body, max)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no whole answer within %v", timeout)
		}
		return res, &Error{URL: rawURL, Err: err}
	}
	return res, nil
}

// limits fills in the default time and size limits.
func limits(timeout time.Duration, max int64) (time.Duration, int64) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if max <= 0 {
		max = DefaultMaxBytes
	}
	return timeout, max
}

// readAtMost reads r to its end, failing with ErrTooLarge rather than
// returning more than max bytes.
func readAtMost(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

// Socket says how to fetch a socket policy.
type Socket struct {
	// Dial opens the connection; nil means a net.Dialer's DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Request is sent once connected (each runtime's policy-file
	// request: crossdomain.PolicyRequest, clientaccess.PolicyRequest).
	Request []byte
	// UntilNUL ends the reply at the first NUL byte (Flash Player), not
	// only when the server closes (Silverlight). The NUL is kept.
	UntilNUL bool
	// MaxBytes bounds the reply (default DefaultMaxBytes); Timeout the
	// whole exchange, connecting included (default DefaultTimeout).
	MaxBytes int64
	Timeout  time.Duration
}

// Get connects to addr (host:port), sends the request and reads the
// reply. A reply that does not end in time is an error, whatever it held.
func (s Socket) Get(ctx context.Context, addr string) ([]byte, error) {
	timeout, max := limits(s.Timeout, s.MaxBytes)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := s.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	fail := func(err error) ([]byte, error) { return nil, &Error{URL: addr, Err: err} }
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no connection within %v", timeout)
		}
		return fail(err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(s.Request); err != nil {
		return fail(fmt.Errorf("sending the policy-file request: %w", err))
	}
	var reply []byte
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		chunk := buf[:n]
		if s.UntilNUL {
			if i := indexNUL(chunk); i >= 0 {
				reply = append(reply, chunk[:i+1]...)
				if int64(len(reply)) > max+1 {
					return fail(fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max))
				}
				return reply, nil
			}
		}
		reply = append(reply, chunk...)
		if int64(len(reply)) > max {
			return fail(fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max))
		}
		switch {
		case errors.Is(err, io.EOF):
			return reply, nil
		case err != nil && (ctx.Err() != nil || isTimeout(err)):
			return fail(fmt.Errorf("the reply did not end within %v (%d bytes read)", timeout, len(reply)))
		case err != nil:
			return fail(err)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// Record describes an HTTP fetch for a lookup's list of consulted files;
// the caller adds Used and Note.
func Record(url string, res *Response, err error) match.Consulted {
	c := match.Consulted{URL: url, Err: err, Unread: Unread(res, err)}
	if res != nil {
		c.Status, c.ContentType, c.Header = res.Status, res.ContentType, res.Header
		c.MetaPolicy = res.Header.Get("X-Permitted-Cross-Domain-Policies")
		if res.Final != url {
			c.Final = res.Final
		}
	}
	if err != nil {
		c.Note = Cause(err).Error()
	}
	return c
}

// Unread says why a fetch could not be read, or returns "" when what came
// back is the site's answer. A status is an answer (a 404 or 410 is a
// missing file, a 3xx a redirect, whatever became of the body), except
// 408, 429 and 5xx, which say the server could not answer now; so are a
// refused connection (nothing listens there) and a redirect the rule does
// not follow. Anything else could not be read: a timeout, a reset, a TLS
// failure, a body cut short or over the size limit. Audits tell the two
// apart: a file that could not be read may grant anything. The text is fit
// to print: what a server sent may reach it, so it is escaped and clipped.
func Unread(res *Response, err error) string {
	var re *RedirectError
	switch {
	case res != nil && res.Status != http.StatusOK:
		if st := res.Status; st >= 500 || st == http.StatusRequestTimeout || st == http.StatusTooManyRequests {
			return fmt.Sprintf("status %d", st)
		}
		return ""
	case err == nil, errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &re):
		return ""
	}
	why := clip(match.Escape(Cause(err).Error()), 200)
	if res != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
		why = "the body was cut short: " + why
	}
	return why
}

// clip cuts s to at most n runes, marking the cut with "…".
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
