package match

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Request is one question: may this caller reach this target, with this
// method and these request headers?
type Request struct {
	Origin Origin
	Target Target
	// Method is the HTTP method; "" means GET. Ignored for sockets.
	Method string
	// Headers are the names of the request headers the caller sets.
	Headers []string
	// Type is the Mozilla draft's service type ("xml", "soap", "load",
	// "save"); other runtimes ignore it.
	Type string
}

// NewRequest parses the caller's URL and the target and returns a GET
// request without headers.
func NewRequest(origin, target string) (Request, error) {
	o, err := ParseOrigin(origin)
	if err != nil {
		return Request{}, err
	}
	t, err := ParseTarget(target)
	if err != nil {
		return Request{}, err
	}
	return Request{Origin: o, Target: t}, nil
}

// SameOrigin reports whether the target is an HTTP(S) resource on the
// caller's own scheme, host and port, which every runtime allows without
// consulting a policy. Sockets always need a policy.
func (r *Request) SameOrigin() bool {
	o, t := &r.Origin, &r.Target
	return !t.IsSocket() && o.Scheme == t.Scheme && o.Host == t.Host && o.Port == t.Port
}

func (r *Request) method() string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

// RequestError reports a request that cannot be judged: a method or a
// request header name that is not an HTTP token. Decide refuses such a
// request with the code Malformed before it consults any rule.
type RequestError struct {
	// What is "method" or "request header".
	What string
	// Name is the name as given.
	Name string
	// Reason says what is wrong with it.
	Reason string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("%s %s is not an HTTP token (RFC 9110): %s", e.What, Quote(e.Name), e.Reason)
}

// Validate reports whether the request can be judged: its method (when
// set) and every request header name must be an HTTP token as RFC 9110
// defines it (section 5.6.2: letters, digits and !#$%&'*+-.^_`|~). A name
// holding anything else (CR, LF, NUL, a space, a colon, a comma) is not a
// name a runtime could send: it is a malformed request, never judged by a
// prefix against a grant, and Validate returns a *RequestError naming it.
// A comma-joined list passed as one name is malformed too: give each
// header on its own.
func (r *Request) Validate() error {
	if r.Method != "" {
		if why := tokenProblem(r.Method); why != "" {
			return &RequestError{What: "method", Name: r.Method, Reason: why}
		}
	}
	for _, h := range r.Headers {
		if why := tokenProblem(h); why != "" {
			return &RequestError{What: "request header", Name: h, Reason: why}
		}
	}
	return nil
}

// tokenProblem says why s is not an HTTP token, or returns "".
func tokenProblem(s string) string {
	if s == "" {
		return "it is empty"
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			c, _ := utf8.DecodeRuneInString(s[i:])
			switch c {
			case ',':
				return `it contains ","; give each name on its own`
			case utf8.RuneError:
				return fmt.Sprintf("it contains the byte %#02x", s[i])
			}
			return "it contains " + strconv.QuoteRune(c)
		}
	}
	return ""
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool { return tchar[c] }

// tchar holds the RFC 9110 tchars: letters, digits and !#$%&'*+-.^_`|~.
var tchar = func() (t [256]bool) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = true
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] = true
	}
	return t
}()

// maxQuoted bounds how much of an input Quote shows.
const maxQuoted = 80

// Quote returns s as a Go string literal, safe to print whatever it holds:
// control characters, invalid UTF-8 and invisible characters (marks,
// formats, separators other than the space) are escaped, so U+034F shows
// as \u034f rather than as nothing. When s is longer than 80 bytes it is
// clipped there, with "…" and the full length. Messages that echo input
// from a policy file, a server or a request use it.
func Quote(s string) string {
	suffix := ""
	if len(s) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s, suffix = s[:cut], fmt.Sprintf("… (%d bytes)", len(s))
	}
	return `"` + escape(s, true) + `"` + suffix
}

// Escape returns s with control characters, invalid UTF-8 and invisible
// characters escaped as Quote escapes them, without quotes and without
// clipping: for messages that show a text unquoted.
func Escape(s string) string { return escape(s, false) }

func escape(s string, quoted bool) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = fmt.Appendf(b, `\x%02x`, s[i])
		case (r == '"' || r == '\\') && quoted:
			b = append(b, '\\', byte(r))
		case r == '\'':
			b = append(b, '\'')
		case r < utf8.RuneSelf || unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
			q := strconv.QuoteRune(r) // 'x', with Go's escapes for controls
			b = append(b, q[1:len(q)-1]...)
		case r > 0xffff:
			b = fmt.Appendf(b, `\U%08x`, r)
		default:
			b = fmt.Appendf(b, `\u%04x`, r)
		}
		i += n
	}
	return string(b)
}

// Refuse returns, for a malformed request (see Validate), the denial with
// the code Malformed under runtime, and true; for a well-formed request
// the zero Decision and false. The lookup clients call it before fetching
// anything, as Decide does before consulting any rule.
func Refuse(req Request, runtime string) (Decision, bool) {
	if err := req.Validate(); err != nil {
		return Decision{Code: Malformed, Runtime: runtime, detail: err.Error(), Request: req}, true
	}
	return Decision{}, false
}
