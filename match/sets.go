package match

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PortRange is an inclusive range of ports.
type PortRange struct {
	Lo, Hi int
}

func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(r.Lo)
	}
	if r.Lo == 1 && r.Hi == 65535 {
		return "*"
	}
	return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
}

// PortSet is a set of ports. The zero value is empty.
type PortSet struct {
	ranges []PortRange
}

// AllPorts is every port, 1-65535.
var AllPorts = PortSet{ranges: []PortRange{{1, 65535}}}

// Ports returns the set of the given ranges; a range outside 1-65535 or
// reversed is clipped or left out.
func Ports(ranges ...PortRange) PortSet {
	var s PortSet
	for _, r := range ranges {
		r.Lo, r.Hi = max(r.Lo, 1), min(r.Hi, 65535)
		if r.Lo <= r.Hi {
			s.ranges = append(s.ranges, r)
		}
	}
	return s
}

// ParsePortRange parses "N" or "A-B" (inclusive, 1-65535, A <= B).
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := parsePort(lo)
	if err != nil {
		return PortRange{}, fmt.Errorf("port range %s: %w", Quote(s), err)
	}
	if !isRange {
		return PortRange{a, a}, nil
	}
	b, err := parsePort(hi)
	if err != nil {
		return PortRange{}, fmt.Errorf("port range %s: %w", Quote(s), err)
	}
	if a > b {
		return PortRange{}, fmt.Errorf("port range %s is reversed", Quote(s))
	}
	return PortRange{a, b}, nil
}

func parsePort(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty port")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%s is not a port number", Quote(s))
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s is not in 1-65535", s)
	}
	return n, nil
}

// ParsePortList parses a comma-separated list of items, each "N", "A-B" or
// "*" (all ports), with surrounding whitespace trimmed: the syntax of
// Flash's to-ports. Any malformed item makes the whole list an error, never
// a wider set.
func ParsePortList(s string) (PortSet, error) {
	var set PortSet
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "*" {
			set.ranges = append(set.ranges, PortRange{1, 65535})
			continue
		}
		r, err := ParsePortRange(item)
		if err != nil {
			return PortSet{}, err
		}
		set.ranges = append(set.ranges, r)
	}
	return set, nil
}

// Contains reports whether port is in the set.
func (s PortSet) Contains(port int) bool {
	for _, r := range s.ranges {
		if r.Lo <= port && port <= r.Hi {
			return true
		}
	}
	return false
}

// Empty reports whether the set has no ports.
func (s PortSet) Empty() bool { return len(s.ranges) == 0 }

// Ranges returns the ranges of the set, as given.
func (s PortSet) Ranges() []PortRange { return append([]PortRange(nil), s.ranges...) }

// Intersect returns the part of s inside lo-hi.
func (s PortSet) Intersect(lo, hi int) PortSet {
	var out PortSet
	for _, r := range s.ranges {
		r.Lo, r.Hi = max(r.Lo, lo), min(r.Hi, hi)
		if r.Lo <= r.Hi {
			out.ranges = append(out.ranges, r)
		}
	}
	return out
}

func (s PortSet) String() string {
	parts := make([]string, len(s.ranges))
	for i, r := range s.ranges {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// HeaderSet is a set of request header names, compared case-insensitively.
// The zero value is empty.
type HeaderSet struct {
	any      bool
	names    []string // lower case
	prefixes []string // lower case, without the '*'
}

// AllHeaders admits every header name.
var AllHeaders = HeaderSet{any: true}

// ParseHeaderList parses a comma-separated header list as policy files
// write it: items are trimmed and empty items skipped; "*" admits every
// header; an item ending in "*" admits every name that starts with the rest
// ("X-API-*" admits "X-API-Key" but not "X-API"). A "*" anywhere else is
// literal and so matches no real header name.
func ParseHeaderList(s string) HeaderSet {
	var h HeaderSet
	for _, item := range strings.Split(s, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		switch {
		case item == "":
		case item == "*":
			h.any = true
		case strings.HasSuffix(item, "*"):
			h.prefixes = append(h.prefixes, strings.TrimSuffix(item, "*"))
		default:
			h.names = append(h.names, item)
		}
	}
	return h
}

// Headers returns the set of exactly the given names.
func Headers(names ...string) HeaderSet {
	var h HeaderSet
	for _, n := range names {
		h.names = append(h.names, strings.ToLower(n))
	}
	return h
}

// Contains reports whether the set admits the header name.
func (h HeaderSet) Contains(name string) bool {
	if h.any {
		return true
	}
	for _, n := range h.names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	for _, p := range h.prefixes {
		if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
			return true
		}
	}
	return false
}

// Any reports whether the set admits every header.
func (h HeaderSet) Any() bool { return h.any }

// Empty reports whether the set admits no header.
func (h HeaderSet) Empty() bool { return !h.any && len(h.names) == 0 && len(h.prefixes) == 0 }

func (h HeaderSet) String() string {
	if h.any {
		return "*"
	}
	parts := append([]string(nil), h.names...)
	for _, p := range h.prefixes {
		parts = append(parts, p+"*")
	}
	return strings.Join(parts, ",")
}

// MethodSet is a set of HTTP methods, compared case-insensitively. The zero
// value is empty.
type MethodSet struct {
	any   bool
	names []string // upper case
}

// AllMethods admits every method.
var AllMethods = MethodSet{any: true}

// Methods returns the set of the given methods.
func Methods(names ...string) MethodSet {
	var m MethodSet
	for _, n := range names {
		m = m.With(n)
	}
	return m
}

// With returns the set with one more method; "*" makes it every method.
func (m MethodSet) With(name string) MethodSet {
	name = strings.ToUpper(strings.TrimSpace(name))
	switch {
	case name == "":
	case name == "*":
		m.any = true
	case !m.Contains(name):
		m.names = append(append([]string(nil), m.names...), name)
	}
	return m
}

// Contains reports whether the set admits the method.
func (m MethodSet) Contains(method string) bool {
	if m.any {
		return true
	}
	for _, n := range m.names {
		if strings.EqualFold(n, method) {
			return true
		}
	}
	return false
}

func (m MethodSet) String() string {
	if m.any {
		return "*"
	}
	return strings.Join(m.names, ",")
}

// PathScope is a granted path: one exact path, or a path and everything
// below it.
type PathScope struct {
	// Path is compared case-sensitively with Target.Path.
	Path string
	// Subpaths extends the scope below Path, at a segment boundary: "/data"
	// covers "/data", "/data/" and "/data/x" but never "/database".
	Subpaths bool
	// Text describes the grant as written in the file, for reasons.
	Text string
	// Pos is where it was written.
	Pos Pos
}

// Contains reports whether the scope covers path, which must already be
// unescaped and free of dot-segments (Target.Path is).
func (s PathScope) Contains(path string) bool {
	if path == s.Path {
		return true
	}
	if !s.Subpaths || !strings.HasPrefix(path, s.Path) {
		return false
	}
	return strings.HasSuffix(s.Path, "/") || path[len(s.Path)] == '/'
}

// Covers reports whether the scope grants the HTTP(S) target t: it
// contains t.Path, and when the path is ambiguous (Target.Ambiguity) the
// scope is the whole site, "/" and everything below.
func (s PathScope) Covers(t *Target) bool { return s.covers(t) }

func (s *PathScope) covers(t *Target) bool {
	if t.Ambiguity != "" && (s.Path != "/" || !s.Subpaths) {
		return false
	}
	return s.Contains(t.Path)
}

// WholeSite reports whether the scope is "/" and everything below it.
func (s PathScope) WholeSite() bool { return s.Path == "/" && s.Subpaths }

func (s PathScope) describe() string {
	if s.Text != "" {
		return s.Text
	}
	if s.Subpaths {
		return Quote(s.Path) + " and below"
	}
	return Quote(s.Path)
}

// UnsafePathChars reports whether raw, the text of a target from its path to
// the first '?', breaks Silverlight's path-character rule: it
// contains '%', "./" or "..". Such text could climb out of a granted path
// once a server unescapes it.
func UnsafePathChars(raw string) bool {
	return strings.Contains(raw, "%") || strings.Contains(raw, "./") || strings.Contains(raw, "..")
}

// RemoveDotSegments removes "." and ".." segments from an absolute path as
// RFC 3986 section 5.2.4 does, so "/sub/dir/../../secret" becomes "/secret".
// It never climbs above the root.
func RemoveDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	var out []string
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch seg {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	r := strings.Join(out, "/")
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}
