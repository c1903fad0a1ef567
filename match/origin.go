package match

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Origin is the caller: the document (SWF, XAP or page) that wants access,
// known by the URL it was loaded from.
//
// The zero Origin is not a valid caller; build one with ParseOrigin.
type Origin struct {
	// Scheme is "http", "https" or "file".
	Scheme string
	// Host is the host in ASCII (Punycode) form and lower case, with IPv6
	// literals unbracketed. It is empty for a file caller, which has no host.
	Host string
	// Port is the explicit port or the scheme's default (80, 443); 0 for
	// a file caller.
	Port int
	// Path is the unescaped path of the caller's URL. Silverlight can name
	// one exact XAP.
	Path string
}

// ParseOrigin parses the URL a caller was loaded from. The host is
// converted to its ASCII form with UTS 46 mapping (so "BÜCHER.example",
// "bücher.example" and "xn--bcher-kva.example" are one caller) and default
// ports are filled in.
func ParseOrigin(rawURL string) (Origin, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Origin{}, &URLError{Kind: "caller", URL: rawURL, Err: unwrapURLError(err)}
	}
	fail := func(format string, args ...any) (Origin, error) {
		return Origin{}, &URLError{Kind: "caller", URL: rawURL, Err: fmt.Errorf(format, args...)}
	}
	o := Origin{Scheme: strings.ToLower(u.Scheme), Path: u.Path}
	switch o.Scheme {
	case "file":
		if o.Path == "" {
			o.Path = "/"
		}
		return o, nil
	case "http", "https":
	case "":
		return fail("no scheme; want http://, https:// or file://")
	default:
		return fail("scheme %s is not a caller's scheme; want http, https or file", Quote(u.Scheme))
	}
	if u.Opaque != "" {
		return fail("want %s://host/path", o.Scheme)
	}
	host, err := NormalizeHost(u.Hostname())
	if err != nil {
		return Origin{}, &URLError{Kind: "caller", URL: rawURL, Err: err}
	}
	o.Host = host
	o.Port, err = portOrDefault(u.Port(), o.Scheme)
	if err != nil {
		return Origin{}, &URLError{Kind: "caller", URL: rawURL, Err: err}
	}
	if o.Path == "" {
		o.Path = "/"
	}
	return o, nil
}

// String returns the origin as a URL.
func (o Origin) String() string {
	if o.Scheme == "file" {
		return "file://" + escapePath(o.Path)
	}
	if o.Scheme == "" {
		return "(no caller)"
	}
	return o.Scheme + "://" + hostPort(o.Host, o.Port, o.Scheme) + escapePath(o.Path)
}

func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// Root returns scheme://host[:port] of the origin ("file://" for a file
// caller).
func (o Origin) Root() string {
	if o.Scheme == "file" {
		return "file://"
	}
	return o.Scheme + "://" + hostPort(o.Host, o.Port, o.Scheme)
}

// Secure reports whether the caller was loaded over HTTPS.
func (o Origin) Secure() bool { return o.Scheme == "https" }

// Target is what the caller wants to reach: an HTTP(S) resource or a socket.
type Target struct {
	// Scheme is "http" or "https", or for a socket "xmlsocket" (Flash's
	// spelling) or "tcp" (Silverlight's).
	Scheme string
	// Host is in ASCII form and lower case, like Origin.Host.
	Host string
	// Port is the explicit port or the scheme's default. Sockets have no
	// default.
	Port int
	// Path is the path the server is asked for, as a browser sends it
	// ('\' read as '/', dot-segments removed, "%2e" segments included),
	// then unescaped once; "/" at least, empty for a socket.
	Path string
	// RawPath is the target as written from the start of its path up to
	// the first '?' or '#', the text the path-character rule looks at.
	RawPath string
	// Ambiguity, when not empty, names the escape in the path whose
	// meaning depends on the server's own decoding: "%5c", "%2f", "%25",
	// "%00", or an overlong or invalid UTF-8 escape such as "%c0%ae". A
	// server may read such a path as another one ("/api/..%5csecret" as
	// "/secret"), so it lies outside every scope narrower than the whole
	// site (see PathScope.Covers and Scope.Contains).
	Ambiguity string
}

// ParseTarget parses an http(s) URL, or a socket written
// xmlsocket://host:port or tcp://host:port.
func ParseTarget(rawURL string) (Target, error) {
	fail := func(err error) (Target, error) {
		return Target{}, &URLError{Kind: "target", URL: rawURL, Err: err}
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fail(unwrapURLError(err))
	}
	t := Target{Scheme: strings.ToLower(u.Scheme)}
	switch t.Scheme {
	case "http", "https", "xmlsocket", "tcp":
	case "":
		return fail(errors.New("no scheme; want http://, https://, xmlsocket:// or tcp://"))
	default:
		return fail(fmt.Errorf("scheme %s is not supported; want http, https, xmlsocket or tcp", Quote(u.Scheme)))
	}
	if u.Opaque != "" || u.Host == "" {
		return fail(fmt.Errorf("want %s://host…", t.Scheme))
	}
	if t.Host, err = NormalizeHost(u.Hostname()); err != nil {
		return fail(err)
	}
	if t.IsSocket() {
		if u.Port() == "" {
			return fail(errors.New("a socket target needs a port"))
		}
		if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
			return fail(errors.New("a socket target is host:port only"))
		}
	}
	if t.Port, err = portOrDefault(u.Port(), t.Scheme); err != nil {
		return fail(err)
	}
	if t.IsSocket() {
		return t, nil
	}
	t.RawPath = rawPathOf(rawURL)
	if t.Path, t.Ambiguity, err = servedPath(t.RawPath); err != nil {
		return fail(err)
	}
	return t, nil
}

// servedPath returns the path a server is asked for when a browser
// requests an http(s) URL whose path is raw, unescaped: it is read as the
// WHATWG URL parser reads the path of a special URL ('\' is '/', a
// segment of "." or ".." also when written with "%2e", dot-segments
// removed without climbing above the root), then percent-decoded once.
// ambiguity names the first escape whose meaning depends on the server's
// own decoding (see Target.Ambiguity), or is empty.
func servedPath(raw string) (path, ambiguity string, err error) {
	if plainPath(raw) {
		return raw, "", nil
	}
	return servedPathFull(raw)
}

// servedPathFull is servedPath's full path.
func servedPathFull(raw string) (path, ambiguity string, err error) {
	segs := strings.Split(strings.ReplaceAll(raw, `\`, "/"), "/")
	if len(segs) > 0 && segs[0] == "" {
		segs = segs[1:] // the path's leading '/'
	}
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		last := i == len(segs)-1
		switch dotSegment(seg) {
		case 2:
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		case 1:
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	escaped := "/" + strings.Join(out, "/")
	if ambiguity = ambiguousEscape(escaped); ambiguity != "" {
		// Still decoded, for reasons and for scopes as wide as the site.
		path, _ = url.PathUnescape(escaped)
		return path, ambiguity, nil
	}
	path, err = url.PathUnescape(escaped)
	if err != nil {
		return "", "", err
	}
	if !utf8.ValidString(path) {
		return path, "an invalid UTF-8 escape", nil
	}
	return path, "", nil
}

// plainPath reports whether raw, a path from its leading '/', is served
// as written: printable ASCII without escapes or backslashes, and no
// segment that starts with a dot (so no dot-segment).
func plainPath(raw string) bool {
	if raw == "" || raw[0] != '/' {
		return false
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c <= ' ' || c >= 0x7f || c == '%' || c == '\\' || c == '.' && raw[i-1] == '/' {
			return false
		}
	}
	return true
}

// dotSegment returns 1 for a single-dot segment ("." or "%2e"), 2 for a
// double-dot one ("..", ".%2e", "%2e.", "%2e%2e", any case), else 0.
func dotSegment(seg string) int {
	switch strings.ToLower(seg) {
	case ".", "%2e":
		return 1
	case "..", ".%2e", "%2e.", "%2e%2e":
		return 2
	}
	return 0
}

// ambiguousEscape returns the first escape of an escaped path that a
// server may decode into something else than a plain character of a
// segment ("%2f", "%5c", "%25", "%00"), or a run of escapes that is not
// valid UTF-8 (overlong forms included), or "".
func ambiguousEscape(escaped string) string {
	for i := 0; i < len(escaped); i++ {
		if escaped[i] != '%' || i+2 >= len(escaped) {
			continue
		}
		// A run of escapes must decode to valid UTF-8, and hold none of
		// the bytes a server may read as something else.
		j := i
		var run []byte
		for j+2 < len(escaped) && escaped[j] == '%' {
			b, ok := unhex2(escaped[j+1], escaped[j+2])
			if !ok {
				break
			}
			switch b {
			case '/', '\\', '%', 0:
				return escaped[j : j+3]
			}
			run = append(run, b)
			j += 3
		}
		if !utf8.Valid(run) {
			return escaped[i:j]
		}
		i = max(i, j-1) // past the run; a malformed escape is not one
	}
	return ""
}

func unhex2(a, b byte) (byte, bool) {
	h, ok1 := unhex(a)
	l, ok2 := unhex(b)
	return h<<4 | l, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// IsSocket reports whether the target is a socket rather than an HTTP resource.
// WithPath returns the HTTP(S) target t at another path: rawPath as
// written in a URL, from its "/" to the first '?' or '#' (a server's
// r.URL.EscapedPath()), read as ParseTarget reads a URL's path. A server
// that judges many requests to one host parses the host once, then calls
// WithPath per request.
func (t Target) WithPath(rawPath string) (Target, error) {
	if t.IsSocket() {
		return Target{}, errors.New("a socket target has no path")
	}
	if i := strings.IndexAny(rawPath, "?#"); i >= 0 {
		rawPath = rawPath[:i]
	}
	if rawPath == "" {
		rawPath = "/"
	}
	if rawPath[0] != '/' && rawPath[0] != '\\' {
		return Target{}, fmt.Errorf("path %s does not start with /", Quote(rawPath))
	}
	if _, err := url.PathUnescape(rawPath); err != nil {
		return Target{}, err // a malformed escape, as ParseTarget refuses it
	}
	path, ambiguity, err := servedPath(rawPath)
	if err != nil {
		return Target{}, err
	}
	t.RawPath, t.Path, t.Ambiguity = rawPath, path, ambiguity
	return t, nil
}

func (t Target) IsSocket() bool { return t.Scheme == "xmlsocket" || t.Scheme == "tcp" }

// String returns the target as a URL (with its normalised path).
func (t Target) String() string {
	if t.IsSocket() {
		return t.Scheme + "://" + hostPort(t.Host, t.Port, "")
	}
	return t.Scheme + "://" + hostPort(t.Host, t.Port, t.Scheme) + escapePath(t.Path)
}

// Root returns scheme://host[:port] of an HTTP target, or host:port of a
// socket.
func (t Target) Root() string {
	if t.IsSocket() {
		return hostPort(t.Host, t.Port, "")
	}
	return t.Scheme + "://" + hostPort(t.Host, t.Port, t.Scheme)
}

// rawPathOf returns the text of rawURL from the start of its path up to the
// first '?' or '#'.
func rawPathOf(rawURL string) string {
	s := rawURL
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if j := strings.IndexByte(s, '/'); j >= 0 {
			return s[j:]
		}
		return ""
	}
	return s
}

// URLError reports a caller or target URL that cannot be used.
type URLError struct {
	Kind string // "caller" or "target"
	URL  string
	Err  error
}

func (e *URLError) Error() string { return fmt.Sprintf("%s %s: %v", e.Kind, Quote(e.URL), e.Err) }
func (e *URLError) Unwrap() error { return e.Err }

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// hostProfile maps host names as browsers and the runtimes' hosts did for
// lookups (UTS 46, non-transitional), without the STD3 rules that would
// refuse the underscores real host names contain.
var hostProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule(), idna.StrictDomainName(false))

// NormalizeHost returns host in the form this package compares: IP
// literals in canonical form without brackets, names converted to ASCII
// (Punycode) with UTS 46 mapping and lower-cased.
func NormalizeHost(host string) (string, error) {
	if a, ok := plainHost(host); ok {
		return a, nil
	}
	return normalizeHost(host)
}

// plainHost is NormalizeHost's fast path, for the common name made of
// lower-case letters, digits, underscores, and hyphens inside labels,
// which the IDNA mapping leaves as it is: it returns the name and true
// only when normalizeHost would return the same. Anything else (an
// address, upper case, an empty label, a hyphen at either end of a label
// or in both the third and fourth places, as "xn--" has, a label of more than
// 63 bytes) takes the full path.
func plainHost(h string) (string, bool) {
	if len(h) == 0 || len(h) > 253 {
		return "", false
	}
	letters, label := false, 0
	for i := 0; i <= len(h); i++ {
		if i == len(h) || h[i] == '.' {
			if label == 0 || h[i-1] == '-' || label > 63 {
				return "", false
			}
			label = 0
			continue
		}
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', c == '_':
			letters = true
		case '0' <= c && c <= '9':
		case c == '-':
			if label == 0 || label == 3 && h[i-1] == '-' {
				return "", false
			}
		default:
			return "", false
		}
		label++
	}
	// Digits and dots alone are an IPv4 address, or no host at all.
	return h, letters
}

// normalizeHost is NormalizeHost's full path.
func normalizeHost(host string) (string, error) {
	h := host
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if h == "" {
		return "", errors.New("no host")
	}
	if !utf8.ValidString(h) {
		return "", fmt.Errorf("host %s is not valid UTF-8", Quote(host))
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		return addr.WithZone("").String(), nil
	}
	if strings.ContainsAny(h, "[]") {
		return "", fmt.Errorf("host %s is not a valid IP literal", Quote(host))
	}
	a, err := hostProfile.ToASCII(h)
	if err != nil {
		return "", fmt.Errorf("host %s: %w", Quote(host), err)
	}
	a = strings.ToLower(a)
	if a == "" {
		return "", fmt.Errorf("host %s is empty once IDNA maps it", Quote(host))
	}
	if strings.HasPrefix(a, ".") || strings.Contains(a, "..") {
		return "", fmt.Errorf("host %s has an empty label", Quote(host))
	}
	// DNS bounds a name to 253 bytes and a label to 63 (RFC 1035); a
	// longer one names no host, and its Punycode may not read back.
	if len(strings.TrimSuffix(a, ".")) > 253 {
		return "", fmt.Errorf("host %s is longer than 253 bytes once IDNA maps it", Quote(host))
	}
	for _, label := range strings.Split(a, ".") {
		if len(label) > 63 {
			return "", fmt.Errorf("host %s has a label longer than 63 bytes once IDNA maps it", Quote(host))
		}
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; c <= ' ' || c == '/' || c == '\\' || c == '?' || c == '#' || c == '@' || c == ':' || c == '%' || c == '*' {
			return "", fmt.Errorf("host %s contains %q", Quote(host), c)
		}
	}
	return a, nil
}

func portOrDefault(p, scheme string) (int, error) {
	if p == "" {
		switch scheme {
		case "http":
			return 80, nil
		case "https":
			return 443, nil
		}
		return 0, errors.New("no port")
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s is not in 1-65535", Quote(p))
	}
	return n, nil
}

// DefaultPort returns the port a scheme implies (80 for http, 443 for
// https), or 0.
func DefaultPort(scheme string) int {
	switch scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return 0
}

func hostPort(host string, port int, scheme string) string {
	h := host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if port == 0 || port == DefaultPort(scheme) {
		return h
	}
	return h + ":" + strconv.Itoa(port)
}
