// Package connectto redirects connections the way curl's --connect-to
// does: a lookup that would connect to HOST1:PORT1 connects to HOST2:PORT2
// instead, while HTTP and TLS keep using the original host name.
package connectto

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Rule is one HOST1:PORT1:HOST2:PORT2 mapping. An empty From host or port
// matches any; an empty To host or port keeps the original one.
type Rule struct {
	FromHost, FromPort, ToHost, ToPort string
}

// Parse reads HOST1:PORT1:HOST2:PORT2 as curl does; IPv6 addresses are
// written in brackets ("[::1]:443:[::1]:8443").
func Parse(s string) (Rule, error) {
	var parts []string
	rest := s
	for i := 0; i < 4; i++ {
		var part string
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return Rule{}, fmt.Errorf("connect-to %q: unclosed [ in an IPv6 address", s)
			}
			part, rest = rest[1:end], rest[end+1:]
			if i < 3 {
				if !strings.HasPrefix(rest, ":") {
					return Rule{}, fmt.Errorf("connect-to %q: want HOST1:PORT1:HOST2:PORT2", s)
				}
				rest = rest[1:]
			}
		} else if i < 3 {
			j := strings.IndexByte(rest, ':')
			if j < 0 {
				return Rule{}, fmt.Errorf("connect-to %q: want HOST1:PORT1:HOST2:PORT2", s)
			}
			part, rest = rest[:j], rest[j+1:]
		} else {
			part, rest = rest, ""
		}
		parts = append(parts, part)
	}
	if rest != "" {
		return Rule{}, fmt.Errorf("connect-to %q: want HOST1:PORT1:HOST2:PORT2", s)
	}
	for _, p := range []string{parts[1], parts[3]} {
		if p == "" {
			continue
		}
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return Rule{}, fmt.Errorf("connect-to %q: port %q is not in 1-65535", s, p)
		}
	}
	return Rule{FromHost: strings.ToLower(parts[0]), FromPort: parts[1], ToHost: parts[2], ToPort: parts[3]}, nil
}

// Dialer dials through the first matching Rule.
type Dialer struct {
	Rules []Rule
	// Base opens the connections; nil means a net.Dialer.
	Base interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	}
}

// Map returns the address to connect to instead of addr.
func (d *Dialer) Map(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	for _, r := range d.Rules {
		if (r.FromHost == "" || strings.EqualFold(r.FromHost, host)) && (r.FromPort == "" || r.FromPort == port) {
			if r.ToHost != "" {
				host = r.ToHost
			}
			if r.ToPort != "" {
				port = r.ToPort
			}
			return net.JoinHostPort(host, port)
		}
	}
	return addr
}

// DialContext connects to the mapped address.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var base interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	} = &net.Dialer{}
	if d.Base != nil {
		base = d.Base
	}
	return base.DialContext(ctx, network, d.Map(addr))
}
