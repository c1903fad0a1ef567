package match

import (
	"strings"
)

// Scope is what a policy file governs. The zero Scope governs whatever
// target it is asked about: the file is read as the policy of the target's
// own site.
type Scope struct {
	// Socket marks a socket policy, which governs sockets on Host and
	// never HTTP. Otherwise the policy governs HTTP(S) on Scheme, Host and
	// Port, and only paths under Dir.
	Socket bool
	Scheme string
	Host   string
	Port   int
	// Dir is the directory governed, ending in "/"; "" means "/" (a master
	// policy at the root).
	Dir string
}

// IsZero reports whether the scope is unset.
func (s Scope) IsZero() bool {
	return !s.Socket && s.Scheme == "" && s.Host == "" && s.Port == 0 && s.Dir == ""
}

// Contains reports whether the target is governed by the scope. A
// directory narrower than the site never contains a target whose path is
// ambiguous (Target.Ambiguity): the server may serve another one.
func (s Scope) Contains(t Target) bool { return s.contains(&t) }

func (s *Scope) contains(t *Target) bool {
	if s.IsZero() {
		return true
	}
	if s.Socket {
		return t.IsSocket() && t.Host == s.Host
	}
	if t.IsSocket() || t.Scheme != s.Scheme || t.Host != s.Host || t.Port != s.Port {
		return false
	}
	if s.Dir == "" || s.Dir == "/" {
		return true
	}
	return t.Ambiguity == "" && strings.HasPrefix(t.Path, s.Dir)
}

func (s Scope) String() string {
	if s.IsZero() {
		return "the target's site"
	}
	if s.Socket {
		return "sockets on " + s.Host
	}
	dir := s.Dir
	if dir == "" {
		dir = "/"
	}
	return s.Scheme + "://" + hostPort(s.Host, s.Port, s.Scheme) + dir
}
