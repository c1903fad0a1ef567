package bridge

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/xdpolicy/xdpolicy/match"
)

// Route is one socket the bridge carries: what the caller asks for, and
// where the bridge connects to reach it.
type Route struct {
	// Host and Port are the socket as the caller names it: what the SWF
	// passes to Socket.connect, and what Flash Player's socket policy is
	// judged for. The route's WebSocket URL has the path /Host:Port
	// (Path).
	Host string
	Port int
	// Target is the TCP address the bridge connects to, host:port; empty
	// means Host:Port itself.
	Target string
}

// ParseRoute parses a route written HOST:PORT=TARGET, or HOST:PORT alone
// for a target that is the socket itself: "game.example:9000=10.0.0.5:7000".
// An IPv6 host is written in brackets ("[2001:db8::1]:9000"). The host is
// normalized as Flash Player compares hosts (IDNA, lower case).
func ParseRoute(s string) (Route, error) {
	key, target, hasTarget := strings.Cut(s, "=")
	host, port, err := splitHostPort(key)
	if err != nil {
		return Route{}, &RouteError{Route: s, Err: err}
	}
	r := Route{Host: host, Port: port}
	if hasTarget {
		if _, _, err := splitHostPort(target); err != nil {
			return Route{}, &RouteError{Route: s, Err: fmt.Errorf("target: %w", err)}
		}
		r.Target = target
	}
	return r, nil
}

// RouteError is a route that cannot be parsed or used.
type RouteError struct {
	Route string
	Err   error
}

func (e *RouteError) Error() string {
	return "bridge: route " + match.Quote(e.Route) + ": " + e.Err.Error()
}

func (e *RouteError) Unwrap() error { return e.Err }

// splitHostPort splits host:port and checks both: a host as Flash
// Player compares it, a port from 1 to 65535.
func splitHostPort(s string) (string, int, error) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, errors.New("want host:port")
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 || p[0] == '+' || (len(p) > 1 && p[0] == '0') {
		return "", 0, fmt.Errorf("port %s is not a number from 1 to 65535", match.Quote(p))
	}
	if h == "" {
		return "", 0, errors.New("no host")
	}
	host, err := match.NormalizeHost(h)
	if err != nil {
		return "", 0, err
	}
	return host, port, nil
}

// Socket returns the route's socket as host:port, IPv6 hosts bracketed.
func (r Route) Socket() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// Path returns the path of the route's WebSocket URL: "/" and Socket.
// It is what an operator appends to the bridge's address in Ruffle's
// socketProxy setting.
func (r Route) Path() string { return "/" + r.Socket() }

// Dest returns the address the bridge connects to: Target, or Socket
// when Target is empty.
func (r Route) Dest() string {
	if r.Target != "" {
		return r.Target
	}
	return r.Socket()
}

// String returns the route as ParseRoute reads it.
func (r Route) String() string {
	if r.Target == "" {
		return r.Socket()
	}
	return r.Socket() + "=" + r.Target
}
