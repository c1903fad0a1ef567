package xdpolicy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// Client is a runtime's lookup: it finds and reads the policy files as the
// runtime did, caching what it learns for its life as a runtime session
// did, and decides. The format packages' Clients (crossdomain.Client,
// clientaccess.Client, mozpolicy.Client) are Clients; NewClient makes the
// one of a runtime.
type Client interface {
	// Decide answers req and lists every file consulted. The error is
	// non-nil only when ctx ends first.
	Decide(ctx context.Context, req match.Request) (*match.Lookup, error)
	// Survey reads every policy file the runtime consults for the site at
	// origin (scheme://host[:port], or a socket policy port as
	// xmlsocket://host:port or tcp://host:port) and says what it made of
	// each, with the response, the model read and the compiled policy; it
	// decides nothing. Package audit is built on it.
	Survey(ctx context.Context, origin string) ([]match.Consulted, error)
}

// ClientOptions configure a Client. The zero value uses
// http.DefaultClient, a net.Dialer, and each runtime's limits.
type ClientOptions struct {
	// HTTPClient does the HTTP requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// DialContext opens socket policy connections (Flash Player and
	// Silverlight); nil means a net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// PolicyFiles are the locations a Flash caller registered with
	// Security.loadPolicyFile: http(s) URLs or xmlsocket://host:port. The
	// other runtimes have no such call; NewClient refuses them there.
	PolicyFiles []string
	// MaxBytes bounds each policy file (default 1 MiB).
	MaxBytes int64
	// Timeout bounds each HTTP fetch (default 5 s); SocketTimeout each
	// socket policy exchange (default the runtime's own: 3 s for Flash
	// Player, 10 s for Silverlight).
	Timeout, SocketTimeout time.Duration
}

// NewClient returns the lookup Client of runtime rt.
func NewClient(rt Runtime, opt ClientOptions) (Client, error) {
	if len(opt.PolicyFiles) > 0 && rt != Flash {
		return nil, fmt.Errorf("xdpolicy: policy files are registered as Flash Player's loadPolicyFile did; %s has no such call", rt.Name())
	}
	switch rt {
	case Flash:
		return &crossdomain.Client{HTTPClient: opt.HTTPClient, DialContext: opt.DialContext, PolicyFiles: opt.PolicyFiles,
			MaxBytes: opt.MaxBytes, Timeout: opt.Timeout, SocketTimeout: opt.SocketTimeout}, nil
	case Silverlight:
		return &clientaccess.Client{HTTPClient: opt.HTTPClient, DialContext: opt.DialContext,
			MaxBytes: opt.MaxBytes, Timeout: opt.Timeout, SocketTimeout: opt.SocketTimeout}, nil
	case Mozilla:
		return &mozpolicy.Client{HTTPClient: opt.HTTPClient, MaxBytes: opt.MaxBytes, Timeout: opt.Timeout}, nil
	}
	return nil, fmt.Errorf("xdpolicy: %v is not a runtime", rt)
}
