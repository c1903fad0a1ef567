package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/xdpolicy/xdpolicy/bridge"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
)

type bridgeFlags struct {
	listen, policy, cert, key string
	routes                    stringsFlag
	maxConns                  int
	maxMessage                int64
	idle, dialTimeout, ttl    time.Duration
}

func (f *bridgeFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "", "the address to serve WebSockets on, such as :8080 (required)")
	fs.Var(&f.routes, "route", "a socket to carry, HOST:PORT=TARGET: WebSockets at /HOST:PORT reach the TCP\naddress TARGET (HOST:PORT alone: TARGET is HOST:PORT). Repeatable; at least one")
	fs.StringVar(&f.policy, "policy", "", "judge every connection by this Flash socket policy file, as the socket\nmaster of every route's host (re-read on SIGHUP); without it, the policy\nfiles at each route's target are looked up as Flash Player did")
	fs.StringVar(&f.cert, "cert", "", "serve wss:// with this TLS certificate (PEM; with -key)")
	fs.StringVar(&f.key, "key", "", "the certificate's private key (PEM)")
	fs.IntVar(&f.maxConns, "max-conns", bridge.DefaultMaxConns, "connections open at once; past it a handshake gets 503")
	fs.DurationVar(&f.idle, "idle", bridge.DefaultIdleTimeout, "close a connection that carries no byte either way for this long")
	fs.Int64Var(&f.maxMessage, "max-message", bridge.DefaultMaxMessageBytes, "the largest message in bytes (at most 16 MiB); each is held whole before it goes\non, so the bridge may hold -max-conns times this")
	fs.DurationVar(&f.dialTimeout, "dial-timeout", bridge.DefaultDialTimeout, "how long to try to reach a target")
	fs.DurationVar(&f.ttl, "lookup-ttl", bridge.DefaultLookupTTL, "without -policy, how long the targets' policy files are kept before they are\nread again")
}

func bridgeCommand() *command {
	cmd := &command{
		name:    "bridge",
		summary: "carry Flash sockets over WebSockets, as Flash Player's socket policy allows",
		usage:   "bridge -listen ADDR -route HOST:PORT=TARGET... [-policy FILE] [-cert FILE -key FILE] [-max-conns N] [-idle D] [-max-message N]",
		help: `bridge is the WebSocket end of Ruffle's socketProxy setting, for Flash content
that opens sockets (XMLSocket, Socket) now that it runs in browsers. Each
-route is a socket the SWF connects to; Ruffle maps it to the bridge's URL
for it, ws://BRIDGE/HOST:PORT (wss:// with -cert and -key, or behind a TLS
proxy), and the bridge connects to TARGET:

	xdpolicy bridge -listen :8080 -route game.example.com:9000=10.0.0.5:9000 -policy socketpolicy.xml

	window.RufflePlayer.config = {socketProxy: [{host: "game.example.com", port: 9000,
	    proxyUrl: "wss://bridge.example.com/game.example.com:9000"}]};

Unlike a generic WebSocket-to-TCP proxy, the bridge lets a page through only
when Flash Player would have let its SWF connect. The caller is the page's
origin (the Origin header); the decision is Flash Player's for a socket to
HOST:PORT, by -policy FILE (as if served on port 843 of HOST) or, without it,
by the policy files at the target: port 843 of TARGET's host, then TARGET's
port itself (a game server that answers the policy request inline), read
again every -lookup-ttl. Only then does it connect, and pipe binary messages
both ways.

A denied connection is closed with code 1008 and a short reason the page sees
in its close event (the caller, and whether no rule admits it, no port is
granted or no policy was found; the whole reason is logged); a target that
cannot be reached with 1014; a text message with 1003; a message over
-max-message with 1009 (none of it reaches the target); an idle one with 1000;
all at shutdown with 1001. Past -max-conns a handshake gets 503.
Each connection logs one line on standard error: the caller, the route, the
decision and its reason, the bytes each way, the close code.

On SIGHUP the -policy file is read again; a file that now fails keeps the old
policy, and the log says why. SIGINT and SIGTERM stop it: connections have 5 s
to end, then are closed (callers have 2 s to answer, connections still being
decided 2 s more). Every flag may come from the environment:
XDPOLICY_LISTEN, XDPOLICY_ROUTE (routes separated by spaces), XDPOLICY_POLICY,
and so on.

bridge exits 0 when stopped by a signal, and 2 when a flag is wrong, the
policy is rejected, or the address cannot be listened on.

Example:

	xdpolicy bridge -listen 127.0.0.1:8080 -route game.example.com:9000=127.0.0.1:9000 -policy testdata/examples/socketpolicy.xml
`,
	}
	cmd.flags = func(c *cli) *flag.FlagSet {
		fs := flag.NewFlagSet("bridge", flag.ContinueOnError)
		new(bridgeFlags).set(fs)
		return fs
	}
	cmd.run = func(c *cli, args []string) int { return c.bridge(cmd, args) }
	return cmd
}

// readSocketPolicy reads a socket policy file as Flash Player reads the
// one on port 843; a warning is logged, a rejection is an error.
func (c *cli) readSocketPolicy(name string, log *slog.Logger) (*crossdomain.Policy, error) {
	b, err := c.readInput(name)
	if err != nil {
		return nil, err
	}
	p, diags, err := crossdomain.ParseSocket(b)
	if err != nil {
		var d *match.Diagnostic
		if errors.As(err, &d) {
			return nil, fmt.Errorf("%s:%d:%d: Flash Player would reject this socket policy: %v", displayName(name), d.Pos.Line, d.Pos.Col, d.Message)
		}
		return nil, fmt.Errorf("%s: Flash Player would reject this socket policy: %w", displayName(name), err)
	}
	for _, d := range diags {
		log.Warn("socket policy", slog.String("file", displayName(name)), slog.String("diagnostic", d.Error()))
	}
	return p, nil
}

func (c *cli) bridge(cmd *command, args []string) int {
	hangups, stop := c.hangupSignals() // before anything is read, as in serve
	defer stop()
	var f bridgeFlags
	fs := flag.NewFlagSet("bridge", flag.ContinueOnError)
	f.set(fs)
	rest, code, ok := c.parseFlags(cmd, fs, args)
	if !ok {
		return code
	}
	if code, ok := c.applyEnv(cmd, fs); !ok {
		return code
	}
	switch {
	case len(rest) > 0:
		return c.usageError(cmd, "unexpected argument %s", match.Quote(rest[0]))
	case f.listen == "":
		return c.usageError(cmd, "-listen: give the address to serve on, such as :8080")
	case len(f.routes) == 0:
		return c.usageError(cmd, "-route: give at least one socket to carry, HOST:PORT=TARGET")
	case (f.cert == "") != (f.key == ""):
		return c.usageError(cmd, "-cert and -key go together")
	case f.maxMessage > bridge.MaxMessageBytesLimit:
		return c.usageError(cmd, "-max-message %d: at most %d (16 MiB); each message is held whole", f.maxMessage, bridge.MaxMessageBytesLimit)
	}
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	opt := bridge.Options{
		MaxConns: f.maxConns, IdleTimeout: f.idle, MaxMessageBytes: f.maxMessage,
		DialTimeout: f.dialTimeout, LookupTTL: f.ttl, Logger: log,
	}
	for _, r := range f.routes {
		route, err := bridge.ParseRoute(r)
		if err != nil {
			return c.usageError(cmd, "-route: %v", err)
		}
		opt.Routes = append(opt.Routes, route)
	}
	if f.policy != "" {
		p, err := c.readSocketPolicy(f.policy, log)
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy bridge: %v\n", err)
			return exitUsage
		}
		opt.Policy, opt.PolicySource = p, displayName(f.policy)
	}
	br, err := bridge.New(opt)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	var tlsConfig *tls.Config
	if f.cert != "" {
		cert, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy bridge: -cert, -key: %v\n", err)
			return exitUsage
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			err = fmt.Errorf("%w\n(ports below 1024 need privilege: see 'xdpolicy help serve')", err)
		}
		fmt.Fprintf(c.stderr, "xdpolicy bridge: -listen: %v\n", err)
		return exitUsage
	}
	scheme := "ws"
	if f.cert != "" {
		scheme = "wss"
	}
	log.Info("listening", slog.String("server", "bridge"), slog.String("addr", ln.Addr().String()))
	decides := "the policy files at the target"
	if f.policy != "" {
		decides = displayName(f.policy)
	}
	for _, r := range opt.Routes {
		log.Info("route", slog.String("url", scheme+"://"+ln.Addr().String()+r.Path()), slog.String("target", r.Dest()), slog.String("policy", decides))
	}
	srv := &http.Server{Handler: br, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10,
		TLSConfig: tlsConfig, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			done <- srv.ServeTLS(ln, "", "")
		} else {
			done <- srv.Serve(ln)
		}
	}()
	code = exitOK
wait:
	for {
		select {
		case <-c.ctx.Done():
			log.Info("stopping")
			break wait
		case err := <-done:
			log.Error("serving failed", slog.Any("err", err))
			code = exitUsage
			break wait
		case <-hangups:
			if f.policy == "" {
				log.Info("reload: nothing to read again (the targets' policy files are read every -lookup-ttl)")
				continue
			}
			p, err := c.readSocketPolicy(f.policy, log)
			if err != nil {
				log.Error("reload: the policy is rejected, the old one keeps deciding", slog.Any("err", err))
				continue
			}
			br.SetPolicy(p, displayName(f.policy))
			log.Info("reloaded", slog.String("policy", displayName(f.policy)))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	br.Shutdown(ctx)
	log.Info("stopped")
	return code
}
