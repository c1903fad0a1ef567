// Package browsertest runs fetch() and WebSockets in headless Chromium,
// for the tests where a browser is what decides (CORS, WebSockets): a page
// on one loopback origin asks another, and the browser says whether the
// page may read the answer. Chromium is Debian's chromium package; a test
// without it skips, saying how to install it.
package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser is a headless Chromium with a page open on a loopback origin.
type Browser struct {
	// Origin is the page's origin, http://127.0.0.1:PORT.
	Origin string
	// OtherOrigin is another origin of the same page server,
	// http://localhost:PORT, which Goto opens instead.
	OtherOrigin string
	ctx         context.Context
}

// Start starts Chromium and opens a blank page on a loopback server of
// its own; both end with the test. It skips the test when there is no
// chromium on PATH.
func Start(t testing.TB) *Browser {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium on PATH: install it (apt-get install -y chromium; .ci/run does) to run the browser tests")
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!doctype html><title>page</title>")
	}))
	t.Cleanup(page.Close)
	// Chromium started while a whole test run loads the machine sometimes
	// exits before it listens; a few tries ride that out.
	var lastErr error
	for try := 0; try < 3; try++ {
		ctx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-dev-shm-usage", true), chromedp.WSURLReadTimeout(60*time.Second))...)
		bctx, bcancel := chromedp.NewContext(ctx)
		tctx, tcancel := context.WithTimeout(bctx, 2*time.Minute)
		if lastErr = chromedp.Run(tctx, chromedp.Navigate(page.URL+"/")); lastErr == nil {
			t.Cleanup(func() { tcancel(); bcancel(); cancel() })
			other := strings.Replace(page.URL, "127.0.0.1", "localhost", 1)
			return &Browser{Origin: page.URL, OtherOrigin: other, ctx: tctx}
		}
		tcancel()
		bcancel()
		cancel()
		time.Sleep(time.Second)
	}
	t.Fatalf("chromium: %v", lastErr)
	return nil
}

// Request is one fetch() from the page.
type Request struct {
	URL    string
	Method string
	Header string // a custom request header, or ""
	Creds  bool   // credentials: "include"
}

// Fetch runs the request from the page and reports whether it could read
// an answer whose body is "ok": false when the browser refused it (a CORS
// error) or the answer was something else.
func (b *Browser) Fetch(t testing.TB, r Request) bool {
	t.Helper()
	init := fmt.Sprintf(`{method: %q, mode: "cors", cache: "no-store"`, r.Method)
	if r.Header != "" {
		init += fmt.Sprintf(`, headers: {%q: "1"}`, r.Header)
	}
	if r.Creds {
		init += `, credentials: "include"`
	}
	js := fmt.Sprintf(`fetch(%q, %s}).then(r => r.text()).then(t => t === "ok", e => false)`, r.URL, init)
	var got bool
	err := chromedp.Run(b.ctx, chromedp.Evaluate(js, &got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return got
}

// Goto opens the blank page at origin (Origin or OtherOrigin), from which
// the next requests are made.
func (b *Browser) Goto(t testing.TB, origin string) {
	t.Helper()
	if err := chromedp.Run(b.ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
}

// WebSocketResult is what a page saw of a WebSocket.
type WebSocketResult struct {
	// Opened reports the open event; Echo is the binary messages
	// received, as text.
	Opened bool   `json:"opened"`
	Echo   string `json:"echo"`
	// Code and Reason are the close event's; Code is 0 when the socket
	// had not closed within 10 s.
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// WebSocket opens a WebSocket from the page to url, sends msg as one
// binary message once it opens, and closes it (1000) once as many bytes
// have come back, as Ruffle does with a Flash socket: binaryType
// arraybuffer, binary messages.
func (b *Browser) WebSocket(t testing.TB, url, msg string) WebSocketResult {
	t.Helper()
	js := fmt.Sprintf(`new Promise(resolve => {
		const r = {opened: false, echo: "", code: 0, reason: ""};
		const ws = new WebSocket(%q);
		ws.binaryType = "arraybuffer";
		const msg = %q;
		ws.onopen = () => { r.opened = true; ws.send(new TextEncoder().encode(msg)); };
		ws.onmessage = e => {
			r.echo += new TextDecoder().decode(e.data);
			if (r.echo.length >= msg.length) ws.close(1000);
		};
		ws.onclose = e => { r.code = e.code; r.reason = e.reason; resolve(r); };
		setTimeout(() => resolve(r), 10000);
	})`, url, msg)
	var got WebSocketResult
	err := chromedp.Run(b.ctx, chromedp.Evaluate(js, &got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return got
}
