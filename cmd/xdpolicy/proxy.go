package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/cors"
	"github.com/xdpolicy/xdpolicy/match"
)

type proxyFlags struct {
	listen, to, runtime, policy, scheme string
	ttl                                 time.Duration
	credentials, force                  bool
	maxAge                              int
}

func (f *proxyFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "the address to serve on")
	fs.StringVar(&f.to, "to", "", "the backend's base URL, such as http://127.0.0.1:9000 (required)")
	fs.StringVar(&f.runtime, "runtime", "flash", "whose policy files and rules apply: flash, silverlight or mozilla")
	fs.StringVar(&f.policy, "policy", "", "answer from this policy file instead of the backend's own")
	fs.DurationVar(&f.ttl, "ttl", 5*time.Minute, "how long the backend's policy files are kept before they are read again")
	fs.StringVar(&f.scheme, "scheme", "", "the scheme browsers use to reach the proxy, when a TLS terminator stands in front of it")
	fs.BoolVar(&f.credentials, "credentials", false, "let admitted origins send cookies (never for a rule that admits every caller, unless -force)")
	fs.BoolVar(&f.force, "force", false, "allow credentials even where every caller is admitted. Do not")
	fs.IntVar(&f.maxAge, "max-age", 600, "seconds a browser may cache a preflight's answer")
}

func proxyCommand() *command {
	cmd := &command{
		name:    "proxy",
		summary: "put CORS, from a policy, in front of a backend that cannot change",
		usage:   "proxy -to URL [-listen ADDR] [-runtime R] [-policy FILE] [-ttl D] [-scheme S] [-credentials] [-max-age N]",
		help: `proxy forwards every request to the backend at -to and answers CORS for the
callers its cross-domain policy admits, so Flash or Silverlight content now
run in browsers (through Ruffle, OpenSilver) can reach it as the plugin did.
The policy is the backend's own, read as -runtime read it (the master
crossdomain.xml and its meta-policy, clientaccesspolicy.xml, or the draft's
files, re-read after -ttl), or -policy FILE. Each request is judged as the
browser makes it, with the Origin as the caller and the backend's URL as the
target; nothing the policy denies is allowed.

It logs one line per request on standard error, bounds headers, bodies and
time, and stops cleanly on SIGINT or SIGTERM.

Example:

	xdpolicy proxy -listen 127.0.0.1:8080 -to http://127.0.0.1:9000 -runtime silverlight
`,
	}
	cmd.flags = func(c *cli) *flag.FlagSet {
		fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
		new(proxyFlags).set(fs)
		return fs
	}
	cmd.run = func(c *cli, args []string) int { return c.proxy(cmd, args) }
	return cmd
}

// backendDecider decides with the runtime's lookup of the backend's own
// files: the target is the request's path on the backend, and the lookup
// is made anew after ttl.
type backendDecider struct {
	rt      xdpolicy.Runtime
	backend match.Target
	ttl     time.Duration
	http    *http.Client

	mu     sync.Mutex
	client xdpolicy.Client
	since  time.Time
}

func (b *backendDecider) Decide(ctx context.Context, req match.Request) (*match.Lookup, error) {
	b.mu.Lock()
	if b.client == nil || time.Since(b.since) > b.ttl {
		c, err := xdpolicy.NewClient(b.rt, xdpolicy.ClientOptions{HTTPClient: b.http})
		if err != nil {
			b.mu.Unlock()
			return nil, err
		}
		b.client, b.since = c, time.Now()
	}
	c := b.client
	b.mu.Unlock()
	t, err := b.backend.WithPath(req.Target.RawPath)
	if err != nil {
		return nil, err
	}
	req.Target = t
	return c.Decide(ctx, req)
}

// policyDecider decides with one compiled file, read as the master of
// the site browsers reach.
type policyDecider struct {
	p *match.Policy
}

func (d policyDecider) Decide(_ context.Context, req match.Request) (*match.Lookup, error) {
	// The file governs whatever it is asked about: the request as the
	// browser addressed it, scheme included.
	return &match.Lookup{Decision: d.p.Decide(req)}, nil
}

func (c *cli) proxy(cmd *command, args []string) int {
	var f proxyFlags
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	f.set(fs)
	rest, code, ok := c.parseFlags(cmd, fs, args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return c.usageError(cmd, "unexpected argument %s", match.Quote(rest[0]))
	}
	if f.to == "" {
		return c.usageError(cmd, "-to names the backend, such as http://127.0.0.1:9000")
	}
	to, err := url.Parse(f.to)
	if err != nil || (to.Scheme != "http" && to.Scheme != "https") || to.Host == "" {
		return c.usageError(cmd, "-to %s: want the backend's http(s) base URL", match.Quote(f.to))
	}
	if to.Path != "" && to.Path != "/" || to.RawQuery != "" {
		// The policy is judged at the path the browser asks for; a base
		// path would serve another one.
		return c.usageError(cmd, "-to %s: give the backend's origin, without a path", match.Quote(f.to))
	}
	if f.scheme != "" && f.scheme != "http" && f.scheme != "https" {
		return c.usageError(cmd, "-scheme %s: want http or https", match.Quote(f.scheme))
	}
	if f.scheme != "" && f.scheme != to.Scheme && f.policy == "" {
		// The backend's files govern its own scheme; Flash's secure rules,
		// for one, would judge the other differently.
		return c.usageError(cmd, "-scheme %s with an %s backend: its policy files govern %s, not what browsers reach; give the policy with -policy FILE", f.scheme, to.Scheme, to.Scheme)
	}
	backend, err := match.ParseTarget(to.Scheme + "://" + to.Host + "/")
	if err != nil {
		return c.usageError(cmd, "-to: %v", err)
	}
	rt, err := xdpolicy.ParseRuntime(f.runtime)
	if err != nil {
		return c.usageError(cmd, "-runtime: %v", err)
	}
	var decider cors.Decider = &backendDecider{rt: rt, backend: backend, ttl: f.ttl, http: &http.Client{Timeout: 10 * time.Second}}
	if f.policy != "" {
		b, err := c.readInput(f.policy)
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy proxy: %v\n", err)
			return exitUsage
		}
		rd, err := xdpolicy.Read(rt, b, xdpolicy.ReadOptions{Name: f.policy, Source: displayName(f.policy)})
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy proxy: %v\n", err)
			return exitUsage
		}
		if rd.Err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy proxy: %s: %s rejects it, so it would grant nothing: %v\n", displayName(f.policy), rt.Name(), rd.Err)
			return exitUsage
		}
		decider = policyDecider{p: rd.Policy}
	}
	logger := slog.New(slog.NewTextHandler(c.stderr, nil))
	rp := httputil.NewSingleHostReverseProxy(to)
	rp.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	rp.ModifyResponse = func(res *http.Response) error {
		// Only the policy answers CORS here: the backend's own headers
		// would admit what the policy does not, or answer twice.
		for k := range res.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				res.Header.Del(k)
			}
		}
		return nil
	}
	h, err := cors.NewLookupHandler(rp, decider, cors.Options{MaxAge: f.maxAge, Credentials: f.credentials, Force: f.force, Scheme: f.scheme})
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r.Body = http.MaxBytesReader(rec, r.Body, 10<<20)
		h.ServeHTTP(rec, r)
		logger.Info("request", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"),
			"status", rec.status, "cors", w.Header().Get("Access-Control-Allow-Origin") != "", "took", time.Since(start))
	})
	srv := &http.Server{Handler: logged, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		fmt.Fprintf(c.stderr, "xdpolicy proxy: %v\n", err)
		return exitUsage
	}
	logger.Info("proxying", "listen", ln.Addr().String(), "to", to.String(), "runtime", rt.String(), "policy", cmp.Or(f.policy, "the backend's own"))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-c.ctx.Done():
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		logger.Info("stopped", "err", err)
		return exitOK
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return exitOK
		}
		fmt.Fprintf(c.stderr, "xdpolicy proxy: %v\n", err)
		return exitUsage
	}
}

// statusRecorder remembers the status written, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (upgrades,
// flushing).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
