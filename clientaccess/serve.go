package clientaccess

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

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/internal/httpserve"
	"github.com/xdpolicy/xdpolicy/internal/sockserve"
)

// ContentType is the media type clientaccesspolicy.xml is served as
// (the type servers are advised to send); Silverlight takes any text/* or application/xml.
const ContentType = "text/xml"

// HandlerOptions configure NewHandler and NewRawHandler. The zero value
// serves the file without a meta-policy header.
type HandlerOptions struct {
	// PermittedCrossDomainPolicies, when set, is sent as the
	// X-Permitted-Cross-Domain-Policies header (Silverlight reads it only
	// on crossdomain.xml; auditors look for it on every response).
	PermittedCrossDomainPolicies crossdomain.MetaPolicy
	// ModTime, when set, is sent as Last-Modified and answers
	// If-Modified-Since. Every response carries an ETag.
	ModTime time.Time
}

// NewHandler returns an http.Handler that serves p, written by Marshal, as
// /clientaccesspolicy.xml: Content-Type text/xml, Cache-Control no-cache,
// an ETag, HEAD and conditional GET; other methods get 405. It fails if p
// does not validate. opts may be nil.
func NewHandler(p *Policy, opts *HandlerOptions) (http.Handler, error) {
	data, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	return newHandler(data, opts)
}

// NewRawHandler is NewHandler for a file's bytes, served as they are. It
// fails if Silverlight's reading rejects them (the error wraps a
// *match.Diagnostic with line and column). opts may be nil.
func NewRawHandler(data []byte, opts *HandlerOptions) (http.Handler, error) {
	if _, _, err := Parse(data); err != nil {
		return nil, fmt.Errorf("clientaccess: Silverlight would reject this policy: %w", err)
	}
	return newHandler(data, opts)
}

func newHandler(data []byte, opts *HandlerOptions) (http.Handler, error) {
	var o HandlerOptions
	if opts != nil {
		o = *opts
	}
	var meta string
	if m := o.PermittedCrossDomainPolicies; m != 0 {
		if _, err := crossdomain.ParseMetaPolicyHeader(m.String()); err != nil {
			return nil, fmt.Errorf("clientaccess: %v is not a meta-policy", m)
		}
		meta = m.String()
	}
	return httpserve.New(data, ContentType, meta, o.ModTime), nil
}

// ErrServerClosed is returned by a SocketServer's Serve and ListenAndServe
// after Shutdown or Close. It is crossdomain.ErrServerClosed.
var ErrServerClosed = sockserve.ErrServerClosed

// SocketServer is Silverlight's socket policy server on port 943: it reads
// at most the 22 bytes of Silverlight's request (<policy-file-request/>,
// no NUL), answers exactly that request with the policy, and closes
// (Silverlight reads until the server closes); a connection that sends
// anything else, or too little in time, is closed unanswered. Set the
// fields, then call ListenAndServe or Serve, as with http.Server.
type SocketServer struct {
	// Policy is the policy served, written by Marshal. It should grant
	// some socket-resource (ports 4502-4534); one that grants none is
	// served with a warning to Logger.
	Policy *Policy
	// Raw, when set, is served instead of Policy, as it is. Silverlight's
	// reading must accept it.
	Raw []byte
	// ReadTimeout bounds the wait for the request (default 3 s);
	// WriteTimeout the sending of the reply (default 3 s).
	ReadTimeout, WriteTimeout time.Duration
	// MaxConns caps the connections open at once (default 1024), which
	// bounds the server's memory (a goroutine, a 32-byte buffer and a
	// socket per connection). With that many open the server keeps
	// accepting and makes room for each new connection by closing the
	// oldest one not being answered: one lingering after its reply, else
	// one that has waited 20 ms or more without sending its whole
	// request. A flood of clients that connect and send nothing thus
	// cannot lock out Silverlight, which sends its request as soon as it
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

// Reply returns the exact bytes the server sends. It is where the policy
// is checked; Serve and ListenAndServe fail with the same error before
// listening.
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
		return errors.New("clientaccess: SetPolicy(nil)")
	}
	return s.replace(p, nil)
}

// SetRaw is SetPolicy for a file's bytes, as Raw is served.
func (s *SocketServer) SetRaw(raw []byte) error {
	if raw == nil {
		return errors.New("clientaccess: SetRaw(nil)")
	}
	return s.replace(nil, raw)
}

func (s *SocketServer) replace(p *Policy, raw []byte) error {
	check := func(logger *slog.Logger) ([]byte, error) { return checkSocketReply(p, raw, logger) }
	return s.front.Replace(check, s.Logger, func() { s.Policy, s.Raw = p, raw }, s.build)
}

// build checks the policy and makes the server; the front calls it once.
func (s *SocketServer) build() (*sockserve.Server, error) {
	reply, err := s.reply()
	if err != nil {
		return nil, err
	}
	return &sockserve.Server{
		Request: []byte(PolicyRequest), Reply: reply,
		ReadTimeout: s.ReadTimeout, WriteTimeout: s.WriteTimeout,
		MaxConns: s.MaxConns, Logger: s.Logger, Name: runtimeName,
	}, nil
}

func (s *SocketServer) reply() ([]byte, error) { return checkSocketReply(s.Policy, s.Raw, s.Logger) }

// checkSocketReply checks a socket policy and returns the bytes served.
func checkSocketReply(p *Policy, raw []byte, logger *slog.Logger) ([]byte, error) {
	var data []byte
	switch {
	case raw != nil:
		data = bytes.Clone(raw)
	case p != nil:
		var err error
		if data, err = p.Marshal(); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("clientaccess: SocketServer has neither Policy nor Raw")
	}
	pol, diags, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("clientaccess: Silverlight would reject this socket policy: %w", err)
	}
	if logger != nil {
		for _, d := range diags {
			logger.Warn("socket policy", slog.String("server", runtimeName), slog.String("diagnostic", d.Error()))
		}
		if !grantsSockets(pol) {
			logger.Warn("socket policy", slog.String("server", runtimeName),
				slog.String("diagnostic", "the policy has no socket-resource: it grants no socket access"))
		}
	}
	return data, nil
}

func grantsSockets(p *Policy) bool {
	for _, cda := range p.CrossDomainAccess {
		for _, r := range cda.Policies {
			for _, g := range r.GrantTo {
				if len(g.SocketResources) > 0 {
					return true
				}
			}
		}
	}
	return false
}

// ListenAndServe checks the policy, listens on the TCP address addr
// (":943" if empty) and serves until Shutdown or Close, when it returns
// ErrServerClosed.
func (s *SocketServer) ListenAndServe(addr string) error {
	return s.front.ListenAndServe(s.build, addr, ":"+strconv.Itoa(SocketPolicyPort))
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
