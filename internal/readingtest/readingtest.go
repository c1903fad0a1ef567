// Package readingtest holds what the format packages' tests share when
// they check a reading's diagnostics. (Each keeps its own small diag table
// type: go vet wants keyed literals for a struct from another package.)
package readingtest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdpolicy/xdpolicy/match"
)

// CheckDiagnostics fails t unless every diagnostic has a position, a code
// and a message, and err, if any, is a *match.Diagnostic, as every reading
// promises.
func CheckDiagnostics(t testing.TB, ds []match.Diagnostic, err error) {
	t.Helper()
	for _, d := range ds {
		if !d.Pos.IsValid() || d.Message == "" || d.Code == "" {
			t.Fatalf("diagnostic without position, code or message: %#v", d)
		}
	}
	if err != nil {
		if _, ok := err.(*match.Diagnostic); !ok {
			t.Fatalf("error is %T, not a *match.Diagnostic", err)
		}
	}
}

// Seeds collects fuzz seeds, from a package directory: every policy file
// matching ../testdata/*/*.xml and the extra globs, and every policy text
// of the conformance vectors in ../testdata/conformance/vectors (a file
// vector's policy and the HTTP bodies of a fetch vector) in files, the
// socket replies of fetch vectors in sockets.
func Seeds(tb testing.TB, vectors string, globs ...string) (files, sockets [][]byte) {
	tb.Helper()
	var names []string
	for _, g := range append([]string{"../testdata/*/*.xml"}, globs...) {
		m, _ := filepath.Glob(g)
		names = append(names, m...)
	}
	for _, name := range names {
		if b, err := os.ReadFile(name); err == nil {
			files = append(files, b)
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "conformance", vectors))
	if err != nil {
		tb.Fatal(err)
	}
	var vs []struct {
		Policy  string
		HTTP    map[string]struct{ Body string }
		Sockets map[string]string
	}
	if err := json.Unmarshal(b, &vs); err != nil {
		tb.Fatal(err)
	}
	for _, v := range vs {
		if v.Policy != "" {
			files = append(files, []byte(v.Policy))
		}
		for _, r := range v.HTTP {
			files = append(files, []byte(r.Body))
		}
		for _, r := range v.Sockets {
			sockets = append(sockets, []byte(r))
		}
	}
	return files, sockets
}

// Choices draws choices from fuzz bytes, for targets that build random
// policies and requests: each choice takes one byte; past the end every
// choice is the first.
type Choices struct{ B []byte }

// Pick returns a number in [0, n).
func (c *Choices) Pick(n int) int {
	if len(c.B) == 0 || n <= 1 {
		return 0
	}
	b := c.B[0]
	c.B = c.B[1:]
	return int(b) % n
}

// Of returns one of items.
func (c *Choices) Of(items ...string) string { return items[c.Pick(len(items))] }

// Flag returns true or false.
func (c *Choices) Flag() bool { return c.Pick(2) == 1 }

// MalformedNames are method or header names no runtime can send: each
// makes a request every policy of every runtime refuses.
var MalformedNames = []string{"X-A\r\nAuthorization: x", "X-A,X-B", "X-\x00A", "", "X A", "X-A:", "X-Ä"}

// Sweep runs a fuzz target's check over n inputs of size bytes drawn from
// a fixed sequence, so the plain test run covers it too. check returns how
// many requests it saw allowed; Sweep fails when none ever was, since the
// sweep would then test nothing.
func Sweep(t *testing.T, n, size int, check func(t *testing.T, b []byte) (allowed int)) {
	t.Helper()
	allowed := 0
	for i := range n {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte((i*131 + j*197 + i*j*7) >> (j % 5))
		}
		allowed += check(t, b)
	}
	if allowed == 0 {
		t.Fatal("no request was ever allowed: the sweep tests nothing")
	}
}

// Tokens is the baseline the format packages' BenchmarkTokens measure
// Parse against: the bare pass of encoding/xml over b that any reader of
// the format makes (Decoder.Token until the end, strict, nothing built).
// Parse drives the lower RawToken instead and makes the checks Token
// makes (end tags match, prefixes are bound) itself, with more of its own.
func Tokens(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// BenchClient measures a lookup client's cached decision beside Decide on
// the compiled policy it decides with: sub-benchmarks "decide", "client"
// and "client-parallel" (from GOMAXPROCS goroutines at once, which a cache
// must not serialise), and with into (a client's DecideInto, when it has
// one) "client-into" and "client-into-parallel". decide must already have
// every file it needs.
func BenchClient(b *testing.B, p *match.Policy, req match.Request, decide func(context.Context, match.Request) (*match.Lookup, error),
	into func(context.Context, match.Request, *match.Lookup) error) {
	ctx := context.Background()
	b.Run("decide", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Decide(req)
		}
	})
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decide(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := decide(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	if into == nil {
		return
	}
	b.Run("client-into", func(b *testing.B) {
		b.ReportAllocs()
		var l match.Lookup
		for b.Loop() {
			if err := into(ctx, req, &l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client-into-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var l match.Lookup
			for pb.Next() {
				if err := into(ctx, req, &l); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
