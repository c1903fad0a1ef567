package crossdomain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/xdpolicy/xdpolicy/internal/httpserve"
	"github.com/xdpolicy/xdpolicy/internal/sockserve"
)

// ContentType is the media type crossdomain.xml is served as: the one
// Flash Player's by-content-type meta-policy asks for.
// Under the by-content-type meta-policy it is the only one a non-master
// file counts with.
const ContentType = "text/x-cross-domain-policy"

// HeaderMetaPolicy is the response header that carries a meta-policy.
const HeaderMetaPolicy = httpserve.HeaderMetaPolicy

// HandlerOptions configure NewHandler and NewRawHandler. The zero value
// serves a master policy file without a meta-policy header.
type HandlerOptions struct {
	// Kind is what the file is where it is mounted: Master (the default,
	// for /crossdomain.xml) or NonMaster. It decides the checks: only a
	// master may carry site-control.
	Kind Kind
	// PermittedCrossDomainPolicies, when set, is sent as the
	// X-Permitted-Cross-Domain-Policies header of every response.
	PermittedCrossDomainPolicies MetaPolicy
	// ModTime, when set, is sent as Last-Modified and answers
	// If-Modified-Since. Every response carries an ETag (a hash of the
	// file), which answers If-None-Match.
	ModTime time.Time
}

// NewHandler returns an http.Handler that serves p, written by Marshal, as
// a crossdomain.xml: Content-Type text/x-cross-domain-policy,
// Cache-Control no-cache (Flash Player reads a policy once per session;
// a cached one makes changes slow to take effect), an ETag, HEAD and
// conditional GET; any other method gets 405. It fails if p is not valid
// for opts.Kind (ValidateFor), so that a server never sends a file Flash
// Player would ignore in part. opts may be nil.
func NewHandler(p *Policy, opts *HandlerOptions) (http.Handler, error) {
	o := handlerOptions(opts)
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := p.ValidateFor(o.Kind); err != nil {
		return nil, err
	}
	data, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	return o.handler(data), nil
}

// NewRawHandler is NewHandler for a file's bytes, served as they are. It
// fails if Flash Player's reading of the file as opts.Kind rejects it
// (the error is a *match.Diagnostic with line and column). opts may be
// nil.
func NewRawHandler(data []byte, opts *HandlerOptions) (http.Handler, error) {
	o := handlerOptions(opts)
	if err := o.check(); err != nil {
		return nil, err
	}
	if _, _, err := (Parser{Kind: o.Kind}).Parse(data); err != nil {
		return nil, fmt.Errorf("crossdomain: Flash Player would reject this %s: %w", o.Kind, err)
	}
	return o.handler(data), nil
}

func handlerOptions(opts *HandlerOptions) HandlerOptions {
	if opts == nil {
		return HandlerOptions{}
	}
	return *opts
}

func (o HandlerOptions) check() error {
	if o.Kind.Socket() {
		return fmt.Errorf("crossdomain: a %s is served on a socket (SocketServer), not over HTTP", o.Kind)
	}
	return checkHeaderValue(o.PermittedCrossDomainPolicies, true)
}

func (o HandlerOptions) handler(data []byte) http.Handler {
	var meta string
	if o.PermittedCrossDomainPolicies != 0 {
		meta = o.PermittedCrossDomainPolicies.String()
	}
	return httpserve.New(data, ContentType, meta, o.ModTime)
}

func checkHeaderValue(m MetaPolicy, zeroOK bool) error {
	if m == 0 {
		if zeroOK {
			return nil
		}
		return errors.New("crossdomain: no meta-policy given")
	}
	if got, err := ParseMetaPolicyHeader(m.String()); err == nil && got == m {
		return nil
	}
	return fmt.Errorf("crossdomain: %v is not a meta-policy", m)
}

// MetaPolicyHandler sets the X-Permitted-Cross-Domain-Policies header to m
// on every response of h, as helmet's permittedCrossDomainPolicies does
// for Express. A site that serves no policy files sends PermitNone, which
// also stops Flash Player from honouring a policy file an attacker manages
// to upload. h may set the header itself to override it. m must be one of
// the MetaPolicy constants; anything else panics, as a bad pattern does in
// http.ServeMux.
func MetaPolicyHandler(h http.Handler, m MetaPolicy) http.Handler {
	if err := checkHeaderValue(m, false); err != nil {
		panic(err)
	}
	return httpserve.Header(h, m.String())
}

// ErrServerClosed is returned by a SocketServer's Serve and ListenAndServe
// after Shutdown or Close.
var ErrServerClosed = sockserve.ErrServerClosed

// SocketServer is a Flash socket policy server: the dedicated one on port
// 843 (the socket master) or one on any other port. It reads at most the
// 23 bytes of Flash Player's request (<policy-file-request/> and a NUL),
// answers exactly that request with the policy followed by a NUL, and
// closes; a connection that sends anything else, or too little in time,
// is closed unanswered. Set the fields, then call ListenAndServe or Serve,
// as with http.Server.
//
// To answer Flash Player on the application's own port instead, wrap its
// listener with NewListener.
type SocketServer struct {
	// Policy is the policy served, written by Marshal. It must be valid
	// for a SocketMaster (ValidateFor).
	Policy *Policy
	// Raw, when set, is served instead of Policy, as it is (a NUL at its
	// end is allowed; the server adds one otherwise). Flash Player's
	// reading of a socket policy must accept it.
	Raw []byte
	// ReadTimeout bounds the wait for the request (default 3 s, Flash
	// Player's own wait); WriteTimeout the sending of the reply
	// (default 3 s).
	ReadTimeout, WriteTimeout time.Duration
	// MaxConns caps the connections open at once (default 1024), which
	// bounds the server's memory (a goroutine, a 32-byte buffer and a
	// socket per connection). With that many open the server keeps
	// accepting and makes room for each new connection by closing the
	// oldest one not being answered: one lingering after its reply, else
	// one that has waited 20 ms or more without sending its whole
	// request. A flood of clients that connect and send nothing thus
	// cannot lock out Flash Player, which sends its request as soon as it
	// connects. A connection being sent the reply is never closed; at
	// most MaxConns-1 are sent it at once, and a client whose request
	// comes while that many are is closed unanswered.
	MaxConns int
	// Logger, when set, gets one record per connection (remote address,
	// outcome, bytes read, time taken) and the policy's warnings at start.
	// A connection closed to make room is recorded at Debug level; a
	// warning that the server is full, at most once a minute, counts
	// them.
	Logger *slog.Logger

	front sockserve.Front
}

// Reply returns the exact bytes the server sends: the policy and its NUL.
// It is where the policy is checked; Serve and ListenAndServe fail with
// the same error before listening.
func (s *SocketServer) Reply() ([]byte, error) {
	c, err := s.front.Get(s.build)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(c.CurrentReply()), nil
}

// SetPolicy replaces the policy served, for the connections answered from
// now on, without stopping the server: a reload. p is checked as Policy
// is; when the check fails the server goes on serving what it served, and
// SetPolicy says why. It is safe to call while the server runs, and
// before (when it replaces Policy and Raw). Once the server runs, Policy
// and Raw keep what they held; Reply returns what is served.
func (s *SocketServer) SetPolicy(p *Policy) error {
	if p == nil {
		return errors.New("crossdomain: SetPolicy(nil)")
	}
	return s.replace(p, nil)
}

// SetRaw is SetPolicy for a file's bytes, as Raw is served.
func (s *SocketServer) SetRaw(raw []byte) error {
	if raw == nil {
		return errors.New("crossdomain: SetRaw(nil)")
	}
	return s.replace(nil, raw)
}

func (s *SocketServer) replace(p *Policy, raw []byte) error {
	check := func(logger *slog.Logger) ([]byte, error) { return socketReply(p, raw, logger) }
	return s.front.Replace(check, s.Logger, func() { s.Policy, s.Raw = p, raw }, s.build)
}

// build checks the policy and makes the server; the front calls it once.
func (s *SocketServer) build() (*sockserve.Server, error) {
	reply, err := socketReply(s.Policy, s.Raw, s.Logger)
	if err != nil {
		return nil, err
	}
	return &sockserve.Server{
		Request: []byte(PolicyRequest), Reply: reply,
		ReadTimeout: s.ReadTimeout, WriteTimeout: s.WriteTimeout,
		MaxConns: s.MaxConns, Logger: s.Logger, Name: runtimeName,
	}, nil
}

// socketReply checks a socket policy and returns it with its NUL.
func socketReply(p *Policy, raw []byte, logger *slog.Logger) ([]byte, error) {
	switch {
	case raw != nil:
		body := bytes.TrimSuffix(raw, []byte{0})
		if i := bytes.IndexByte(body, 0); i >= 0 {
			return nil, fmt.Errorf("crossdomain: the socket policy has a NUL at byte %d; Flash Player would read only what comes before it", i)
		}
		_, diags, err := ParseSocket(body)
		if err != nil {
			return nil, fmt.Errorf("crossdomain: Flash Player would reject this socket policy: %w", err)
		}
		if logger != nil {
			for _, d := range diags {
				logger.Warn("socket policy", slog.String("server", runtimeName), slog.String("diagnostic", d.Error()))
			}
		}
		return append(bytes.Clone(body), 0), nil
	case p != nil:
		if err := p.ValidateFor(SocketMaster); err != nil {
			return nil, err
		}
		data, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		return append(data, 0), nil
	}
	return nil, errors.New("crossdomain: SocketServer has neither Policy nor Raw")
}

// ListenAndServe checks the policy, listens on the TCP address addr
// (":843" if empty) and serves until Shutdown or Close, when it returns
// ErrServerClosed.
func (s *SocketServer) ListenAndServe(addr string) error {
	return s.front.ListenAndServe(s.build, addr, ":"+strconv.Itoa(SocketMasterPort))
}

// Serve checks the policy and answers the connections of l until Shutdown
// or Close, when it returns ErrServerClosed. It closes l.
func (s *SocketServer) Serve(l net.Listener) error { return s.front.Serve(s.build, l) }

// Shutdown stops accepting, waits for the connections being answered
// (each bounded by the timeouts) or for ctx to end, when it closes them
// and returns ctx's error. Serve then returns ErrServerClosed.
func (s *SocketServer) Shutdown(ctx context.Context) error { return s.front.Shutdown(s.build, ctx) }

// Close stops the server at once, closing its listeners and connections.
func (s *SocketServer) Close() error { return s.front.Close(s.build) }

// ListenerOptions configure NewListener.
type ListenerOptions struct {
	// Policy or Raw is the socket policy served, as in SocketServer.
	Policy *Policy
	Raw    []byte
	// Wait bounds how long a new connection is read before it is handed
	// to the application (default 200 ms). Flash Player sends its request
	// as soon as it connects, and a connection whose first bytes are not
	// the request is handed on as soon as they arrive, so only clients
	// that wait for the server to speak first wait this long.
	Wait time.Duration
	// WriteTimeout bounds the sending of the policy (default 3 s).
	WriteTimeout time.Duration
	// Logger, when set, gets one record per policy request answered.
	Logger *slog.Logger
}

// NewListener wraps an application's listener to answer Flash Player's
// socket policy request inline, on the application's own port: a
// connection whose first 23 bytes are the request gets the policy
// and a NUL and is closed; every other connection is returned by Accept
// with the bytes already read replayed before the rest of its stream, so
// the application sees it untouched. Accept returns connections as they
// are decided, not in the order they came.
//
// Closing the returned listener closes inner. It fails, before wrapping,
// if the policy is not one Flash Player would accept.
func NewListener(inner net.Listener, opts ListenerOptions) (net.Listener, error) {
	reply, err := socketReply(opts.Policy, opts.Raw, opts.Logger)
	if err != nil {
		return nil, err
	}
	return sockserve.NewListener(inner, []byte(PolicyRequest), reply, opts.Wait, opts.WriteTimeout, opts.Logger), nil
}
