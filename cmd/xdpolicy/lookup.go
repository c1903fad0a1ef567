package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/internal/connectto"
	"github.com/xdpolicy/xdpolicy/match"
)

// netFlags are the flags of a lookup over the network.
type netFlags struct {
	policyFiles, connectTo stringsFlag
	insecure               bool
	cacert, site           string
	timeout                time.Duration
	timeoutSet             bool // -timeout was given
	verbose                bool
}

// setConnect registers -connect-to, -insecure and -cacert, each usage
// text starting with prefix.
func (f *netFlags) setConnect(fs *flag.FlagSet, prefix string) {
	fs.Var(&f.connectTo, "connect-to", prefix+"HOST1:PORT1:HOST2:PORT2 connects to HOST2:PORT2 whenever xdpolicy\nwould connect to HOST1:PORT1, keeping the host name for HTTP and TLS, as curl\n--connect-to; an empty HOST1 or PORT1 matches any, the first match wins; HTTP proxies\nfrom the environment are then not used (repeatable)")
	fs.BoolVar(&f.insecure, "insecure", false, prefix+"do not verify TLS certificates (as curl -k)")
	fs.StringVar(&f.cacert, "cacert", "", prefix+"trust the PEM certificates in this file for TLS")
}

// used reports whether any network flag was given.
func (f *netFlags) used() bool {
	return len(f.policyFiles)+len(f.connectTo) > 0 || f.insecure || f.cacert != "" || f.site != "" || f.timeoutSet || f.verbose
}

const defaultTimeout = 5 * time.Second

// transport builds the HTTP client and the socket dialer the flags ask
// for.
func (f *netFlags) transport() (*http.Client, func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	var rules []connectto.Rule
	for _, s := range f.connectTo {
		r, err := connectto.Parse(s)
		if err != nil {
			return nil, nil, err
		}
		rules = append(rules, r)
	}
	dialer := &connectto.Dialer{Rules: rules, Base: &net.Dialer{Timeout: f.timeout}}
	if f.site != "" {
		if len(f.connectTo) > 0 || f.insecure || f.cacert != "" {
			return nil, nil, fmt.Errorf("-connect-to, -insecure and -cacert have no effect with -site, which reads files instead of connecting")
		}
		st, err := os.Stat(f.site)
		if err != nil {
			return nil, nil, fmt.Errorf("-site: %w", err)
		}
		if !st.IsDir() {
			return nil, nil, fmt.Errorf("-site %s is not a directory", f.site)
		}
		refuse := func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, fmt.Errorf("dial %s: -site serves HTTP files only, no socket policy servers", addr)
		}
		return &http.Client{Transport: siteTransport{http.FileServer(http.Dir(f.site))}}, refuse, nil
	}
	tlsConfig := &tls.Config{InsecureSkipVerify: f.insecure} // -insecure, as curl -k
	if f.cacert != "" {
		pem, err := os.ReadFile(f.cacert)
		if err != nil {
			return nil, nil, fmt.Errorf("-cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("-cacert %s holds no PEM certificate", f.cacert)
		}
		tlsConfig.RootCAs = pool
	}
	// Idle connections are few and short-lived: an audit of a long list
	// reaches each host once, and keeping every connection would hold
	// tens of kilobytes per site for the whole run.
	t := &http.Transport{
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: f.timeout,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
	}
	if len(rules) == 0 {
		t.Proxy = http.ProxyFromEnvironment // with -connect-to, connections go where they are told
	}
	return &http.Client{Transport: t}, dialer.DialContext, nil
}

// siteTransport answers every request from a directory, whatever the host:
// -site DIR stands in for the target's document root.
type siteTransport struct{ files http.Handler }

func (s siteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	s.files.ServeHTTP(rec, req)
	res := rec.Result()
	res.Request = req
	return res, nil
}

// lookup performs the runtime's lookup for req and prints the decision.
func (c *cli) lookup(cmd *command, f *checkFlags, req match.Request) int {
	rt := xdpolicy.Flash
	switch {
	case f.runtime != "":
		r, err := xdpolicy.ParseRuntime(f.runtime)
		if err != nil {
			return c.usageError(cmd, "%v", err)
		}
		rt = r
	case f.typ != "":
		rt = xdpolicy.Mozilla
	case req.Target.Scheme == "tcp":
		rt = xdpolicy.Silverlight
	}
	switch {
	case f.format != "":
		return c.usageError(cmd, "-format names a FILE's format; a lookup reads the files the %s runtime reads", rt)
	case f.typ != "" && rt != xdpolicy.Mozilla:
		return c.usageError(cmd, "-type is the Mozilla draft's service type; the %s runtime has none (use -runtime mozilla)", rt)
	case len(f.net.policyFiles) > 0 && rt != xdpolicy.Flash:
		return c.usageError(cmd, "-policy-file registers files as Flash Player's loadPolicyFile did; the %s runtime has no such call", rt)
	}
	for _, u := range f.net.policyFiles {
		t, err := match.ParseTarget(u)
		if err != nil || t.Scheme == "tcp" {
			return c.usageError(cmd, "-policy-file %s: want an http(s):// URL or xmlsocket://host:port", match.Quote(u))
		}
	}
	client, dial, err := f.net.transport()
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	opt := xdpolicy.ClientOptions{HTTPClient: client, DialContext: dial, PolicyFiles: f.net.policyFiles, Timeout: f.net.timeout}
	if f.net.timeoutSet {
		opt.SocketTimeout = f.net.timeout
	}
	cl, err := xdpolicy.NewClient(rt, opt)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	l, err := cl.Decide(c.ctx, req)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(c.stderr, "xdpolicy check: %v\n", err)
		return exitUsage
	}
	if f.net.verbose {
		for _, file := range l.Files {
			fmt.Fprintf(c.stderr, "consulted %s\n", file)
		}
	}
	return c.report(f, l.Decision, l.Files, rt.String(), "", "", nil)
}
