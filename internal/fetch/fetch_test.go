package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/internal/fakesite"
)

func TestHTTPGet(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/x-cross-domain-policy; charset=utf-8")
		fmt.Fprint(w, "<cross-domain-policy/>")
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/hop/"), "%d", &n)
		if n == 0 {
			http.Redirect(w, r, "/ok", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://other.invalid/ok", http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2000")
		w.Write(make([]byte, 2000))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 20; i++ {
			w.Write(make([]byte, 100))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	flash := HTTP{Client: srv.Client(), Redirects: SameHost, MaxRedirects: 5, MaxBytes: 1000, Timeout: 2 * time.Second}
	silver := HTTP{Client: srv.Client(), MaxBytes: 1000, Timeout: 2 * time.Second}
	ctx := context.Background()

	res, err := flash.Get(ctx, srv.URL+"/ok")
	require.NoError(t, err)
	assert.Equal(t, 200, res.Status)
	assert.Equal(t, "text/x-cross-domain-policy", res.MediaType())
	assert.Equal(t, "<cross-domain-policy/>", string(res.Body))

	res, err = flash.Get(ctx, srv.URL+"/missing")
	require.NoError(t, err)
	assert.Equal(t, 404, res.Status)

	// Same-host redirects: followed up to MaxRedirects, and the final URL
	// is kept.
	res, err = flash.Get(ctx, srv.URL+"/hop/4")
	require.NoError(t, err)
	assert.Equal(t, 200, res.Status)
	assert.Equal(t, srv.URL+"/ok", res.Final)
	assert.Len(t, res.Redirected, 5)
	// Redirects the rule does not follow are a RedirectError: an answer.
	var re *RedirectError
	_, err = flash.Get(ctx, srv.URL+"/hop/5")
	require.ErrorContains(t, err, "more than 5 redirects")
	assert.ErrorAs(t, err, &re)
	_, err = flash.Get(ctx, srv.URL+"/loop")
	require.ErrorContains(t, err, "more than 5 redirects")
	assert.ErrorAs(t, err, &re)
	_, err = flash.Get(ctx, srv.URL+"/away")
	require.ErrorContains(t, err, "redirected to another host, http://other.invalid/ok")
	assert.ErrorAs(t, err, &re)

	// Without redirects, the 3xx is the answer.
	res, err = silver.Get(ctx, srv.URL+"/hop/0")
	require.NoError(t, err)
	assert.Equal(t, 302, res.Status)
	assert.Equal(t, srv.URL+"/hop/0", res.Final)

	// Over the limit: an error, never a truncated body.
	for _, p := range []string{"/big", "/big-chunked"} {
		res, err = flash.Get(ctx, srv.URL+p)
		require.ErrorIs(t, err, ErrTooLarge, p)
		assert.Nil(t, res.Body, p)
		var fe *Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, srv.URL+p, fe.URL)
	}

	// A slow server runs into the timeout.
	start := time.Now()
	_, err = HTTP{Client: srv.Client(), Timeout: 200 * time.Millisecond}.Get(ctx, srv.URL+"/slow")
	require.ErrorContains(t, err, "no answer within 200ms")
	assert.Less(t, time.Since(start), 2*time.Second)
}

func readRequest(c net.Conn, n int) string {
	b := make([]byte, n)
	_, _ = io.ReadFull(c, b)
	return string(b)
}

func TestSocketGet(t *testing.T) {
	const policy = "<cross-domain-policy/>"
	var got atomic.Value
	nul := fakesite.Listen(t, func(c net.Conn) {
		got.Store(readRequest(c, 23))
		c.Write([]byte(policy + "\x00garbage after the NUL"))
		io.Copy(io.Discard, c) // does not close: the NUL ends the reply
	})
	eof := fakesite.Listen(t, func(c net.Conn) {
		readRequest(c, 22)
		c.Write([]byte(policy))
	})
	silent := fakesite.Listen(t, func(c net.Conn) {
		readRequest(c, 23)
		c.Write([]byte(policy)) // no NUL, never closes
		io.Copy(io.Discard, c)
	})
	big := fakesite.Listen(t, func(c net.Conn) {
		readRequest(c, 23)
		c.Write([]byte(strings.Repeat("a", 5000)))
	})
	ctx := context.Background()
	flash := Socket{Request: []byte("<policy-file-request/>\x00"), UntilNUL: true, Timeout: 500 * time.Millisecond, MaxBytes: 1000}

	b, err := flash.Get(ctx, nul)
	require.NoError(t, err)
	assert.Equal(t, policy+"\x00", string(b))
	assert.Equal(t, "<policy-file-request/>\x00", got.Load())

	b, err = Socket{Request: []byte("<policy-file-request/>"), Timeout: time.Second}.Get(ctx, eof)
	require.NoError(t, err)
	assert.Equal(t, policy, string(b))

	start := time.Now()
	_, err = flash.Get(ctx, silent)
	require.ErrorContains(t, err, "did not end within 500ms")
	assert.Less(t, time.Since(start), 1500*time.Millisecond)

	_, err = flash.Get(ctx, big)
	require.ErrorIs(t, err, ErrTooLarge)

	// A refused port fails fast, well before the timeout.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	ln.Close()
	start = time.Now()
	_, err = Socket{Request: []byte("<policy-file-request/>\x00"), UntilNUL: true, Timeout: 3 * time.Second}.Get(ctx, closed)
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second)
}

func TestCacheSharesOneFetch(t *testing.T) {
	var c Cache[string]
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context) string {
		calls.Add(1)
		<-release
		return "policy"
	}
	var wg sync.WaitGroup
	results := make([]string, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := c.Do(context.Background(), "http://site.example:80", fetch)
			assert.NoError(t, err)
			results[i] = v
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())
	for _, r := range results {
		assert.Equal(t, "policy", r)
	}
	v, cached, err := c.Do(context.Background(), "http://site.example:80", fetch)
	require.NoError(t, err)
	assert.True(t, cached)
	assert.Equal(t, "policy", v)
	assert.Equal(t, int32(1), calls.Load())
}

func TestCacheCallerGivesUp(t *testing.T) {
	var c Cache[error]
	release := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, _, err := c.Do(ctx, "k", func(fctx context.Context) error {
		<-release
		return fctx.Err() // not canceled with the caller
	})
	require.ErrorIs(t, err, context.Canceled)
	close(release)
	v, cached, err := c.Do(context.Background(), "k", nil)
	require.NoError(t, err)
	assert.True(t, cached)
	assert.NoError(t, v, "the caller's cancellation is not cached")
	assert.False(t, errors.Is(v, context.Canceled))
}

func TestUnusable(t *testing.T) {
	for _, tt := range []struct {
		status int
		ct     string
		want   string
	}{
		{200, "text/x-cross-domain-policy; charset=utf-8", ""},
		{200, "TEXT/XML", ""},
		{200, "application/xml", ""},
		{200, "application/xhtml+xml", `served as "application/xhtml+xml", not text/* or application/xml, so R ignores it`},
		{200, "", `served as "", not text/* or application/xml, so R ignores it`},
		{200, "text", `served as "text", not text/* or application/xml, so R ignores it`},
		{302, "text/xml", "status 302: R reads no policy file from a redirect"},
		{404, "text/html", "status 404: no file"},
		{200, "text\x1b[31m", `served as "text\x1b[31m", not text/* or application/xml, so R ignores it`},
	} {
		assert.Equal(t, tt.want, Unusable(tt.status, tt.ct, "R", "text/", "application/xml"), "%d %s", tt.status, tt.ct)
	}
}

// TestUnreadText: what a server sent may reach the text, so it is escaped
// and clipped.
func TestUnreadText(t *testing.T) {
	fail := func(msg string) error { return &Error{URL: "u", Err: errors.New(msg)} }
	assert.Equal(t, `malformed MIME header line: \x1b[31mred\n`, Unread(nil, fail("malformed MIME header line: \x1b[31mred\n")))
	assert.Equal(t, strings.Repeat("é", 200)+"…", Unread(nil, fail(strings.Repeat("é", 300))))
	assert.Equal(t, `bad \xff byte`, Unread(nil, fail("bad \xff byte")))
	assert.Equal(t, "status 503", Unread(&Response{Status: 503}, nil))
	assert.Equal(t, "", Unread(&Response{Status: 404}, fail("body cut")), "the status is the answer")
}
