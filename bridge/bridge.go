// Package bridge carries Flash sockets over WebSockets, and lets through
// only the connections Flash Player's socket policy would have allowed.
//
// Flash content now runs in browsers through Ruffle, and a browser page
// cannot open a TCP socket. Ruffle's socketProxy setting maps each
// host:port a SWF connects to onto a WebSocket URL; what listens there
// turns the WebSocket into a TCP connection. A generic WebSocket-to-TCP
// proxy checks no policy, so any page on any site can reach every port it
// exposes; Flash Player never allowed that. A Bridge decides first, as
// Flash Player did, and only then connects:
//
//	br, err := bridge.New(bridge.Options{
//		Routes: []bridge.Route{{Host: "game.example", Port: 9000, Target: "10.0.0.5:9000"}},
//	})
//	http.Handle("/", br) // Ruffle: socketProxy: [{host: "game.example", port: 9000, proxyUrl: "wss://bridge.example/game.example:9000"}]
//
// For each connection:
//
//   - The path names the route: /HOST:PORT, the socket as the SWF names it
//     (Route.Path). Another path is answered 404; a request that is not a
//     WebSocket handshake (RFC 6455: a GET with Upgrade, Connection,
//     Sec-WebSocket-Key and version 13) 426, before anything is decided or
//     dialled.
//   - The caller is the page's origin, from the Origin header the browser
//     sends (Ruffle's SWF runs in the page, and Flash Player's caller was
//     the SWF's own URL, of which the page's origin is all a browser
//     tells). A handshake without an http or https Origin is denied: it
//     does not come from a web page ("null" is a sandboxed or local one),
//     and nothing says who the caller is.
//   - The decision is Flash Player's for a socket to HOST:PORT (package
//     crossdomain has the rules): with Options.Policy, that socket policy
//     alone, as if served on port 843 of every route's host; otherwise the
//     policy files where the target lives, looked up as Flash Player did:
//     the socket master on port 843, then, as its meta-policy allows, the
//     port itself. The bridge asks them at the target's address (a route
//     game.example:9000=10.0.0.5:9000 asks 10.0.0.5:843, then
//     10.0.0.5:9000) but judges them for the socket the caller named.
//   - Allowed, the handshake completes and the bridge connects to the
//     target; bytes are then piped both ways, each binary message to
//     the target once it has come whole, each read from the target as one
//     binary message back. A text message ends the connection (1003): Flash
//     sockets carry bytes, and Ruffle sends them as binary messages.
//   - Denied, the handshake completes and the WebSocket is closed at once
//     with code 1008 (policy violation) and a short reason: which caller,
//     and whether no rule admits it, no port is granted, or no policy was
//     found. The decision's whole reason, with the files and addresses the
//     lookup consulted, goes to the log only. A target that cannot be
//     reached is closed with 1014 (bad gateway), a Decider that fails with
//     1011. Browsers hand a page the code and reason only of a connection
//     that opened, which is why the handshake completes either way;
//     nothing reaches the target unless the policy allows.
//
// The limits are a socket policy server's: MaxConns connections at once
// (the next handshake gets 503), IdleTimeout without a byte either way,
// MaxMessageBytes per message (1009 past it, and nothing of that message
// reaches the target). Shutdown refuses new connections and waits for open
// ones, closing them (1001) when its context ends; Close closes them at
// once, giving callers 2 s to answer the close frame. With a Logger, each connection logs one record: the
// caller, the route, the decision and its reason, the bytes each way,
// the close code and the time taken.
//
// The handler serves WebSocket upgrades, which take the connection over
// from the http.Server: http.Server.Shutdown does not wait for them, so
// call the Bridge's Shutdown too. Pages on https:// can only open wss://
// URLs: serve the Bridge with TLS (http.Server.ServeTLS, as the
// xdpolicy bridge command's -cert and -key do) or behind a proxy that
// terminates it.
package bridge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
)

// Defaults of Options.
const (
	DefaultMaxConns        = 1024
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultMaxMessageBytes = 64 << 10
	DefaultDialTimeout     = 10 * time.Second
	DefaultLookupTTL       = time.Minute
	// MaxMessageBytesLimit bounds Options.MaxMessageBytes: a connection
	// holds a message whole before it goes to the target, so the bridge's
	// memory is up to MaxConns times MaxMessageBytes.
	MaxMessageBytesLimit = 16 << 20
)

// The close codes the bridge sends (RFC 6455 section 7.4 and the IANA
// registry).
const (
	CloseNormal         = websocket.StatusNormalClosure   // 1000: the target or the caller ended it, or it was idle
	CloseGoingAway      = websocket.StatusGoingAway       // 1001: the bridge is shutting down
	CloseUnsupported    = websocket.StatusUnsupportedData // 1003: a text message
	ClosePolicy         = websocket.StatusPolicyViolation // 1008: the policy denies the connection
	CloseMessageTooBig  = websocket.StatusMessageTooBig   // 1009: a message over MaxMessageBytes
	CloseInternalError  = websocket.StatusInternalError   // 1011: the target's connection failed
	CloseTargetUnreach  = websocket.StatusBadGateway      // 1014: the target could not be reached
	maxCloseReasonBytes = 123
)

// Decider decides a request with a runtime's whole lookup:
// crossdomain.Client is one.
type Decider interface {
	Decide(ctx context.Context, req match.Request) (*match.Lookup, error)
}

// Options configure a Bridge. Only Routes is required.
type Options struct {
	// Routes are the sockets the bridge carries; each host:port once.
	Routes []Route
	// Policy, when set, is the Flash socket policy every connection is
	// judged by, as the socket master (port 843) of the route's host:
	// read it with crossdomain.ParseSocket. PolicySource names it in
	// reasons and logs.
	Policy       *crossdomain.Policy
	PolicySource string
	// Decider decides when Policy is nil. nil means Flash Player's lookup
	// at each route's target (see the package documentation), through a
	// crossdomain.Client renewed every LookupTTL (default 1 min), so that
	// a changed policy takes effect; failures are remembered that long
	// too.
	Decider   Decider
	LookupTTL time.Duration
	// Dial opens the connections to the targets, and those of the default
	// lookup to their policy ports; nil means a net.Dialer. DialTimeout
	// bounds each connection to a target (default 10 s).
	Dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	DialTimeout time.Duration
	// MaxConns caps the connections open at once, handshakes being
	// decided included (default 1024); past it a handshake is answered
	// 503 with Retry-After.
	MaxConns int
	// IdleTimeout closes a connection that carries no byte either way for
	// that long (default 5 min).
	IdleTimeout time.Duration
	// MaxMessageBytes bounds a message from the caller (default 64 KiB,
	// at most MaxMessageBytesLimit) and the bytes sent to it in one
	// message. A message is held whole before it goes to the target, so
	// the bridge's memory for messages is up to MaxConns times this.
	MaxMessageBytes int64
	// Logger, when set, gets one record per connection, and one per
	// request refused before deciding: at Debug level for a path with no
	// route (404) and a request that is not a handshake (426), at Warn
	// level when full (503).
	Logger *slog.Logger
}

// Bridge is an http.Handler that carries WebSocket connections to TCP
// targets, each only when the socket policy allows; see the package
// documentation. Build one with New.
type Bridge struct {
	routes map[string]*route // by Route.Socket
	// master maps a route host to the host its socket master (port 843)
	// is asked at: its routes' target host, or "" when they go to
	// different hosts, where none is asked.
	master map[string]string
	opt    Options
	policy atomic.Pointer[match.Policy] // Options.Policy or SetPolicy's, compiled
	lookup atomic.Pointer[lookupClient]

	mu       sync.Mutex
	conns    map[*conn]struct{} // every connection open, being decided or piped
	closing  bool               // Shutdown or Close: no new connections
	dropping bool               // Close: the open ones are closed too
	done     chan struct{}      // closed when closing and no connection is open
	// ctx ends at Close, and with it the decisions and dials in progress.
	ctx    context.Context
	cancel context.CancelFunc
}

// route is a Route with its target parsed once.
type route struct {
	Route
	target match.Target
}

// lookupClient is the default lookup, and when it was made.
type lookupClient struct {
	c    *crossdomain.Client
	born time.Time
}

// New checks the options and returns the Bridge.
func New(opt Options) (*Bridge, error) {
	if len(opt.Routes) == 0 {
		return nil, errors.New("bridge: no routes")
	}
	opt.MaxConns = orDefault(opt.MaxConns, DefaultMaxConns)
	opt.IdleTimeout = orDefault(opt.IdleTimeout, DefaultIdleTimeout)
	opt.MaxMessageBytes = orDefault(opt.MaxMessageBytes, DefaultMaxMessageBytes)
	opt.DialTimeout = orDefault(opt.DialTimeout, DefaultDialTimeout)
	opt.LookupTTL = orDefault(opt.LookupTTL, DefaultLookupTTL)
	if opt.Dial == nil {
		opt.Dial = (&net.Dialer{}).DialContext
	}
	if opt.MaxMessageBytes > MaxMessageBytesLimit {
		return nil, fmt.Errorf("bridge: MaxMessageBytes %d is over %d: each connection holds a message whole", opt.MaxMessageBytes, int64(MaxMessageBytesLimit))
	}
	b := &Bridge{routes: map[string]*route{}, opt: opt,
		conns: map[*conn]struct{}{}, done: make(chan struct{}), master: map[string]string{}}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	for _, r := range opt.Routes {
		rr, err := ParseRoute(r.String())
		if err != nil {
			return nil, err
		}
		if _, dup := b.routes[rr.Socket()]; dup {
			return nil, &RouteError{Route: r.String(), Err: errors.New("a route for this socket comes twice")}
		}
		t, err := match.ParseTarget("xmlsocket://" + rr.Socket())
		if err != nil {
			return nil, &RouteError{Route: r.String(), Err: err}
		}
		b.routes[rr.Socket()] = &route{Route: rr, target: t}
		th, _, _ := net.SplitHostPort(rr.Dest())
		if prev, ok := b.master[rr.Host]; ok && prev != th {
			if opt.Policy == nil && opt.Decider == nil {
				return nil, &RouteError{Route: r.String(), Err: fmt.Errorf(
					"the routes of %s go to different hosts (%s, %s), so its socket master (port 843) is nowhere; give a policy", rr.Host, prev, th)}
			}
			th = "" // no master: with the lookup (SetPolicy(nil)), none is asked
		}
		b.master[rr.Host] = th
	}
	if opt.Policy != nil {
		b.SetPolicy(opt.Policy, opt.PolicySource)
	}
	return b, nil
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// SetPolicy replaces the socket policy connections are judged by, for
// the connections that come next (a reload); source names it. It takes
// the place of the lookup if the Bridge had none; nil goes back to the
// Decider or the lookup.
func (b *Bridge) SetPolicy(p *crossdomain.Policy, source string) {
	if p == nil {
		b.policy.Store(nil)
		return
	}
	if source == "" {
		source = "socket policy"
	}
	b.policy.Store(p.Compile(crossdomain.CompileOptions{Source: source, Kind: crossdomain.SocketMaster}))
}

// decide answers req: with the policy, the given Decider, or the lookup.
func (b *Bridge) decide(ctx context.Context, req match.Request) (match.Decision, error) {
	if d, bad := match.Refuse(req, "flash"); bad {
		return d, nil
	}
	if p := b.policy.Load(); p != nil {
		return p.Decide(req), nil
	}
	d := b.opt.Decider
	if d == nil {
		d = b.client()
	}
	l, err := d.Decide(ctx, req)
	if err != nil {
		return match.Decision{}, err
	}
	return l.Decision, nil
}

// client returns the lookup's Client, a new one once the current one is
// LookupTTL old.
func (b *Bridge) client() *crossdomain.Client {
	now := time.Now()
	cur := b.lookup.Load()
	if cur != nil && now.Sub(cur.born) < b.opt.LookupTTL {
		return cur.c
	}
	next := &lookupClient{c: &crossdomain.Client{DialContext: b.dialPolicy}, born: now}
	if b.lookup.CompareAndSwap(cur, next) {
		return next.c
	}
	return b.lookup.Load().c
}

// dialPolicy opens the lookup's policy connections: a route host's port
// 843 at its target's host, a route's own port at its target. Nothing
// else is asked.
func (b *Bridge) dialPolicy(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	host, err = match.NormalizeHost(host)
	if err != nil {
		return nil, err
	}
	key := net.JoinHostPort(host, port)
	if r, ok := b.routes[key]; ok {
		return b.opt.Dial(ctx, network, r.Dest())
	}
	if th, ok := b.master[host]; ok && port == strconv.Itoa(crossdomain.SocketMasterPort) {
		if th == "" {
			return nil, fmt.Errorf("bridge: the routes of %s go to different hosts, so its socket master is nowhere", host)
		}
		return b.opt.Dial(ctx, network, net.JoinHostPort(th, port))
	}
	return nil, fmt.Errorf("bridge: %s is not a route's policy port", addr)
}

// ServeHTTP serves one WebSocket connection; see the package
// documentation.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rt := b.lookupPath(r.URL.Path)
	if rt == nil {
		http.Error(w, "no route here: the bridge carries /HOST:PORT for its routes only", http.StatusNotFound)
		b.log(r.Context(), slog.LevelDebug, "bridge refused", slog.String("remote", r.RemoteAddr),
			slog.String("path", clip(r.URL.Path, 200)), slog.String("why", "no route"))
		return
	}
	if why := handshakeProblem(r); why != "" {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "this is a WebSocket bridge to "+rt.Socket()+": "+why, http.StatusUpgradeRequired)
		b.log(r.Context(), slog.LevelDebug, "bridge refused", slog.String("remote", r.RemoteAddr),
			slog.String("route", rt.Socket()), slog.String("why", why))
		return
	}
	c := &conn{b: b, rt: rt, remote: r.RemoteAddr, origin: r.Header.Get("Origin"), start: start, logged: make(chan struct{})}
	if !b.reserve(c) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "the bridge is full or shutting down", http.StatusServiceUnavailable)
		b.log(r.Context(), slog.LevelWarn, "bridge refused", slog.String("remote", r.RemoteAddr),
			slog.String("route", rt.Socket()), slog.String("why", "full or shutting down"))
		return
	}
	defer b.release(c)
	defer close(c.logged)
	c.serve(w, r)
}

// lookupPath finds the route of a path, its host read as ParseRoute reads
// it (upper case and Unicode forms are the same host).
func (b *Bridge) lookupPath(p string) *route {
	host, port, err := splitHostPort(strings.TrimPrefix(p, "/"))
	if err != nil {
		return nil
	}
	return b.routes[net.JoinHostPort(host, strconv.Itoa(port))]
}

// handshakeProblem says what makes r plainly not a WebSocket handshake
// (RFC 6455 section 4.2.1), or "": checked before the decision, whose
// lookup opens connections to the target's policy ports. websocket.Accept
// checks the rest; the target itself is dialled only after it.
func handshakeProblem(r *http.Request) string {
	switch {
	case r.Method != http.MethodGet:
		return "a WebSocket handshake is a GET"
	case !headerHas(r.Header, "Upgrade", "websocket"):
		return "connect with a WebSocket (Upgrade: websocket)"
	case !headerHas(r.Header, "Connection", "upgrade"):
		return "a WebSocket handshake has Connection: Upgrade"
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return "WebSocket version 13 only"
	case r.Header.Get("Sec-WebSocket-Key") == "":
		return "no Sec-WebSocket-Key"
	}
	return ""
}

// headerHas reports whether a comma-separated header holds token.
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), token) {
				return true
			}
		}
	}
	return false
}

// reserve adds c to the open connections, unless the bridge is full or
// closing.
func (b *Bridge) reserve(c *conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing || len(b.conns) >= b.opt.MaxConns {
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

// release removes c from the open connections.
func (b *Bridge) release(c *conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.conns, c)
	b.closeDoneIfIdle()
}

// Open returns the number of connections open, handshakes being decided
// included.
func (b *Bridge) Open() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns)
}

// Shutdown stops taking connections (a handshake then gets 503) and waits
// for the open ones to end. When ctx ends first, it closes them as Close
// does and returns ctx's error.
func (b *Bridge) Shutdown(ctx context.Context) error {
	b.startClosing()
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		b.Close()
		return ctx.Err()
	}
}

// closeGrace bounds how long Close waits for callers to answer its close
// frames before it drops their connections.
const closeGrace = 2 * time.Second

// Close stops taking connections and closes the open ones with code 1001
// (going away): at once those being piped, as soon as it is made those
// whose handshake is being decided. It waits for them to end, at most
// closeGrace (2 s) for callers to answer the close frame, then drops the
// connections of those that have not, and waits at most closeGrace again
// (a decision still being looked up ends on its own).
func (b *Bridge) Close() error {
	b.cancel()
	b.mu.Lock()
	b.closing, b.dropping = true, true
	b.closeDoneIfIdle()
	conns := make([]*conn, 0, len(b.conns))
	var piped []*conn
	for c := range b.conns {
		conns = append(conns, c)
		if c.ws != nil {
			piped = append(piped, c)
		}
	}
	b.mu.Unlock()
	for _, c := range piped {
		go c.end(CloseGoingAway, "the bridge is shutting down", "shutdown")
	}
	if waitLogged(conns, closeGrace) {
		return nil
	}
	for _, c := range conns {
		c.drop()
	}
	waitLogged(conns, closeGrace)
	return nil
}

// waitLogged waits for every connection to have logged, at most d; it
// reports whether they all did.
func waitLogged(conns []*conn, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for _, c := range conns {
		select {
		case <-c.logged:
		case <-t.C:
			return false
		}
	}
	return true
}

func (b *Bridge) startClosing() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closing = true
	b.closeDoneIfIdle()
}

// closeDoneIfIdle closes done when the bridge is closing and no
// connection is open, once; b.mu is held.
func (b *Bridge) closeDoneIfIdle() {
	if !b.closing || len(b.conns) > 0 {
		return
	}
	select {
	case <-b.done:
	default:
		close(b.done)
	}
}

// accepted records c's WebSocket and target connection (nil when not
// dialled), and reports whether Close has begun, in which case c must end
// at once. Close reads them under the same lock.
func (b *Bridge) accepted(c *conn, ws *websocket.Conn, tcp net.Conn) (dropping bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c.ws, c.tcp = ws, tcp
	return b.dropping
}

func (b *Bridge) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if b.opt.Logger != nil {
		b.opt.Logger.LogAttrs(ctx, level, msg, attrs...)
	}
}

// conn is one bridged connection.
type conn struct {
	b      *Bridge
	rt     *route
	remote string
	origin string
	start  time.Time

	decision match.Decision
	ws       *websocket.Conn
	tcp      net.Conn
	raw      net.Conn // the caller's connection, under ws

	in, out  atomic.Int64 // bytes caller → target, target → caller
	lastSeen atomic.Int64 // unix nanoseconds of the last byte either way

	endOnce sync.Once
	code    websocket.StatusCode
	why     string        // how it ended, for the log
	logged  chan struct{} // closed once the connection has ended and logged
}

// serve decides, connects, completes the handshake and pipes.
func (c *conn) serve(w http.ResponseWriter, r *http.Request) {
	// The decision ends when the caller leaves or the bridge closes.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(c.b.ctx, cancel)
	defer stop()

	req := match.Request{Target: c.rt.target}
	var decideErr error
	if o, err := parseCaller(c.origin); err != nil {
		c.decision = match.Deny(req, match.Malformed, "flash", "", err.Error())
	} else {
		req.Origin = o
		c.decision, decideErr = c.b.decide(ctx, req)
	}
	switch {
	case c.b.ctx.Err() != nil:
		http.Error(w, "the bridge is shutting down", http.StatusServiceUnavailable)
		c.why = "shutdown while deciding"
		c.logEnd(r.Context())
		return
	case decideErr != nil && r.Context().Err() != nil:
		c.why = "caller left while deciding"
		c.logEnd(r.Context())
		return
	}
	ws, err := websocket.Accept(&hijackRecorder{w, c}, r, &websocket.AcceptOptions{
		// The caller's origin is judged by the policy above, not by
		// Accept's same-host rule.
		InsecureSkipVerify: true,
		Subprotocols:       []string{"binary"},
	})
	if err != nil {
		c.why = "handshake failed: " + err.Error()
		c.logEnd(r.Context())
		return
	}
	// Only now, with a whole handshake and an allow, is the target
	// dialled.
	var tcp net.Conn
	var failed string // why the connection cannot go on, for the log
	switch {
	case decideErr != nil:
		failed = "the decision failed: " + decideErr.Error()
	case c.decision.Allowed:
		dctx, cancel := context.WithTimeout(ctx, c.b.opt.DialTimeout)
		tcp, err = c.b.opt.Dial(dctx, "tcp", c.rt.Dest())
		cancel()
		if err != nil {
			failed = "target unreachable: " + err.Error()
		}
	}
	dropping := c.b.accepted(c, ws, tcp)
	switch {
	case dropping:
		c.end(CloseGoingAway, "the bridge is shutting down", "shutdown")
	case decideErr != nil:
		c.end(CloseInternalError, "the socket policy could not be judged", failed)
	case !c.decision.Allowed:
		c.end(ClosePolicy, pageReason(c.decision), "denied")
	case tcp == nil:
		c.end(CloseTargetUnreach, "cannot reach "+c.rt.Socket(), failed)
	default:
		c.pipe()
	}
	c.logEnd(r.Context())
}

// hijackRecorder keeps the connection websocket.Accept takes over, so
// that drop can close it under a close handshake in progress (the
// library's waits up to 5 s for the caller's close frame).
type hijackRecorder struct {
	http.ResponseWriter
	c *conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	raw, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil {
		h.c.b.mu.Lock()
		h.c.raw = raw
		h.c.b.mu.Unlock()
	}
	return raw, brw, err
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// parseCaller reads the Origin header as the caller: an http or https
// origin, as browsers send for pages on the web.
func parseCaller(origin string) (match.Origin, error) {
	switch origin {
	case "":
		return match.Origin{}, errors.New("no Origin header: the handshake does not come from a page, and nothing says who the caller is")
	case "null":
		return match.Origin{}, errors.New("the Origin is \"null\" (a sandboxed or local page), which no policy can admit")
	}
	o, err := match.ParseOrigin(origin)
	if err != nil {
		return match.Origin{}, fmt.Errorf("the Origin header %s is not a caller: %w", match.Quote(origin), err)
	}
	if o.Scheme != "http" && o.Scheme != "https" || o.Path != "" && o.Path != "/" {
		return match.Origin{}, fmt.Errorf("the Origin header %s is not the origin of a web page", match.Quote(origin))
	}
	return o, nil
}

// pageReason is the reason of a denial as the page sees it, in its close
// event: what the caller could have learnt from the policy itself, never
// the lookup's detail (files, addresses, errors), which only the log
// has.
func pageReason(d match.Decision) string {
	who := d.Request.Origin.Root()
	switch d.Code {
	case match.Malformed:
		return d.Detail()
	case match.NoCaller:
		return "the socket policy admits no caller " + who
	case match.NotGranted, match.RuntimeLimit, match.OutOfScope:
		return "the socket policy does not grant port " + strconv.Itoa(d.Request.Target.Port) + " to " + who
	case match.NotSecure:
		return "the socket policy admits " + who + " from https pages only"
	case match.NoPolicy, match.Rejected, match.Disabled:
		return "no socket policy grants " + who + " this socket"
	}
	return "the socket policy denies " + who + " (" + d.Code.String() + ")"
}

// pipe carries bytes both ways until either side ends, the connection is
// idle, or the bridge closes.
func (c *conn) pipe() {
	// The library's limit is a backstop: toTarget stops a message one
	// byte past MaxMessageBytes itself.
	c.ws.SetReadLimit(c.b.opt.MaxMessageBytes + 1)
	c.touch()
	// ctx ends once both copies have; the WebSocket library closes a
	// connection whose reads outlive their context.
	ctx, cancel := context.WithCancel(context.Background())
	var copies sync.WaitGroup
	copies.Add(2)
	go func() { defer copies.Done(); c.toTarget(ctx) }()
	go func() { defer copies.Done(); c.toCaller(ctx) }()
	watched := make(chan struct{})
	go func() { defer close(watched); c.watchIdle(ctx) }()
	copies.Wait()
	cancel()
	<-watched
}

// toTarget copies the caller's messages to the target, each once it has
// come whole: a message over MaxMessageBytes never reaches it in part.
func (c *conn) toTarget(ctx context.Context) {
	buf := make([]byte, 0, min(32<<10, c.b.opt.MaxMessageBytes+1))
	for {
		typ, rd, err := c.ws.Reader(ctx)
		if err != nil {
			c.endFromCaller(err)
			return
		}
		if typ != websocket.MessageBinary {
			c.end(CloseUnsupported, "text message: the bridge carries bytes, send binary messages", "text message")
			return
		}
		buf = buf[:0]
		for {
			if int64(len(buf)) > c.b.opt.MaxMessageBytes {
				c.end(CloseMessageTooBig, "message over "+strconv.FormatInt(c.b.opt.MaxMessageBytes, 10)+" bytes", "message too big")
				return
			}
			if len(buf) == cap(buf) {
				buf = slices.Grow(buf, min(cap(buf), int(c.b.opt.MaxMessageBytes)+1-len(buf)))
			}
			n, rerr := rd.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if n > 0 {
				c.touch()
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				c.endFromCaller(rerr)
				return
			}
		}
		if _, werr := c.tcp.Write(buf); werr != nil {
			c.end(CloseInternalError, "the connection to "+c.rt.Socket()+" failed", "target write: "+werr.Error())
			return
		}
		c.in.Add(int64(len(buf)))
	}
}

// endFromCaller ends the connection after the caller's side failed.
func (c *conn) endFromCaller(err error) {
	switch code := websocket.CloseStatus(err); {
	case errors.Is(err, websocket.ErrMessageTooBig): // a backstop: toTarget stops first
		c.end(CloseMessageTooBig, "", "message too big") // the library has sent the close
	case code != -1:
		c.end(code, "", "caller closed ("+strconv.Itoa(int(code))+")")
	default:
		c.end(CloseNormal, "", "caller gone: "+err.Error())
	}
}

// toCaller copies what the target sends to the caller, one message per
// read.
func (c *conn) toCaller(ctx context.Context) {
	buf := make([]byte, min(32<<10, c.b.opt.MaxMessageBytes))
	for {
		n, err := c.tcp.Read(buf)
		if n > 0 {
			c.touch()
			if werr := c.ws.Write(ctx, websocket.MessageBinary, buf[:n]); werr != nil {
				c.endFromCaller(werr)
				return
			}
			c.out.Add(int64(n))
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				c.end(CloseNormal, c.rt.Socket()+" closed the connection", "target closed")
			} else {
				c.end(CloseInternalError, "the connection to "+c.rt.Socket()+" failed", "target read: "+err.Error())
			}
			return
		}
	}
}

func (c *conn) touch() { c.lastSeen.Store(time.Now().UnixNano()) }

// watchIdle ends the connection once no byte has gone either way for
// IdleTimeout, or returns when ctx ends.
func (c *conn) watchIdle(ctx context.Context) {
	t := time.NewTimer(c.b.opt.IdleTimeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		quiet := time.Since(time.Unix(0, c.lastSeen.Load()))
		if left := c.b.opt.IdleTimeout - quiet; left > 0 {
			t.Reset(left)
			continue
		}
		c.end(CloseNormal, "idle for "+c.b.opt.IdleTimeout.String(), "idle")
		return
	}
}

// end closes both sides, once: the WebSocket with code and reason, the
// target's connection at once. why is for the log.
func (c *conn) end(code websocket.StatusCode, reason, why string) {
	c.endOnce.Do(func() {
		c.code, c.why = code, why
		if c.tcp != nil {
			c.tcp.Close()
		}
		c.ws.Close(code, clip(reason, maxCloseReasonBytes))
	})
}

// drop closes both sides at once, without a close handshake; an end in
// progress, waiting for the caller's close frame, returns.
func (c *conn) drop() {
	c.b.mu.Lock()
	tcp, raw := c.tcp, c.raw
	c.b.mu.Unlock()
	if tcp != nil {
		tcp.Close()
	}
	if raw != nil {
		raw.Close()
	}
}

// clip clips s to at most n bytes on a character boundary, marking the
// cut with "…": a close reason to what a close frame holds, a header the
// caller sent for a log.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// logEnd logs the connection's one record.
func (c *conn) logEnd(ctx context.Context) {
	if c.b.opt.Logger == nil {
		return
	}
	decision := "deny"
	if c.decision.Allowed {
		decision = "allow"
	}
	level := slog.LevelInfo
	if !c.decision.Allowed {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("remote", c.remote),
		slog.String("origin", clip(c.origin, 200)),
		slog.String("route", c.rt.Socket()),
		slog.String("target", c.rt.Dest()),
		slog.String("decision", decision),
		slog.String("reason", c.decision.Reason()),
		slog.Int64("bytes_in", c.in.Load()),
		slog.Int64("bytes_out", c.out.Load()),
	}
	if c.code != 0 {
		attrs = append(attrs, slog.Int("close", int(c.code)))
	}
	attrs = append(attrs, slog.String("end", c.why), slog.Duration("took", time.Since(c.start)))
	c.b.log(ctx, level, "bridge connection", attrs...)
}
