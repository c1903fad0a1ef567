package mozpolicy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/xdpolicy/xdpolicy/match"
)

// Namespace is the draft's namespace URI. A file may put its root in it or
// in no namespace at all.
const Namespace = "http://somedomain/2005/cross-domain-policy"

// FileName is the name of the policy file, at the root of a site and in
// every directory a delegation reaches.
const FileName = "cross-domain-policy.xml"

// The service types of the type attribute and of match.Request.Type. They
// are case-sensitive.
const (
	// TypeAny, the default, matches a request of every type.
	TypeAny = "any"
	// TypeXML: sending and loading XML, such as XMLHttpRequest.
	TypeXML = "xml"
	// TypeSOAP: SOAP/WSDL web services.
	TypeSOAP = "soap"
	// TypeLoad: loading data only.
	TypeLoad = "load"
	// TypeSave: sending data only.
	TypeSave = "save"
)

// RequestTypes lists the types a request can have.
var RequestTypes = []string{TypeXML, TypeSOAP, TypeLoad, TypeSave}

// runtimeName names the draft's client in decisions
// (match.Decision.Runtime), as xdpolicy.Mozilla.String() does.
const runtimeName = "mozilla"

// Policy is a cross-domain-policy.xml file.
type Policy struct {
	// Namespace is the root's namespace as written: "" or Namespace.
	Namespace string
	// Allow holds the <allow> elements in document order, the order in
	// which the client walks them.
	Allow []Allow
	// Pos is where the root element starts.
	Pos match.Pos
}

// Allow is <allow type="…" from="…" to="…" delegate="…"/>. Every attribute
// is optional; the fields hold them as written, "" when absent.
type Allow struct {
	// Type is the service type: "any" (the default), "xml", "soap",
	// "load" or "save".
	Type string
	// From is the caller's domain: "*" or absent for any caller,
	// "www.example.com" for that host, "*.example.com" for hosts under
	// example.com (not example.com itself).
	From string
	// To is a directory relative to the file's own, such as "service/";
	// absent, the rule covers everything the file governs.
	To string
	// Delegate is "true", "false" or absent (false).
	Delegate string
	// Pos is where the element starts.
	Pos match.Pos
}

// ParseFrom compiles a from attribute as the draft matches it:
//
//   - "" (absent) or "*": every caller;
//   - "www.example.com": that host only, case-insensitively and in its
//     ASCII form after UTS 46 mapping, so "BÜCHER.example",
//     "ｂücher.example" (full-width b) and "xn--bcher-kva.example" are one
//     name;
//   - "*.example.com": hosts under example.com at a label boundary, never
//     example.com itself;
//   - an IP literal: a caller loaded by that literal address.
//
// A URL, a host with a port, any other wildcard or a malformed name never
// matches; the error is a *match.PatternError that says why.
func ParseFrom(from string) (match.Caller, error) {
	if from == "" || from == "*" {
		return match.Caller{Host: match.AnyHost, Text: from}, nil
	}
	never := func(format string, args ...any) (match.Caller, error) {
		return match.Caller{}, &match.PatternError{Pattern: from, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.Contains(from, "://") || strings.Contains(from, "/") {
		return never("from names a domain, not a URL; write the host alone, such as www.example.com")
	}
	if i := strings.LastIndexByte(from, ':'); i >= 0 && strings.Count(from, ":") == 1 {
		return never("from names a domain without a port; the draft has no ports")
	}
	hp, err := match.ParseHostPattern(from, match.WildcardBelowOnly)
	if err != nil {
		var pe *match.PatternError
		if errors.As(err, &pe) {
			return never("%s", pe.Reason)
		}
		return never("%v", err)
	}
	return match.Caller{Host: hp, Text: from}, nil
}

// ParseTo checks a to attribute and returns the directory it names
// relative to the policy file's own, percent-decoded, without
// dot-segments and ending in "/" ("service/"); "" means the file's own
// directory. A to that is absolute (a URL, or a path from the root), has a
// query or fragment, is badly escaped, or climbs out of the file's
// directory with ".." (or "%2e%2e") never matches; the error is a
// *match.PatternError that says why.
func ParseTo(to string) (string, error) {
	if to == "" {
		return "", nil
	}
	if dir, ok := plainTo(to); ok {
		return dir, nil
	}
	return parseTo(to)
}

// plainTo is ParseTo's fast path, for the common to made of letters,
// digits, '-', '_', '~', '.' and '/' that ends in '/', has no "." or
// ".." segment and does not start with '/': such a to names itself. It
// returns the directory and true only when parseTo would return the same.
func plainTo(to string) (string, bool) {
	if to == "" || to[0] == '/' || to[len(to)-1] != '/' {
		return "", false
	}
	seg := 0 // start of the current segment
	for i := 0; i < len(to); i++ {
		c := to[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '~', c == '.':
		case c == '/':
			if s := to[seg:i]; s == "." || s == ".." {
				return "", false
			}
			seg = i + 1
		default:
			return "", false
		}
	}
	return to, true
}

// parseTo is ParseTo's full path.
func parseTo(to string) (string, error) {
	never := func(format string, args ...any) (string, error) {
		return "", &match.PatternError{Pattern: to, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.HasPrefix(to, "/") || strings.HasPrefix(to, `\`) {
		return never("it is absolute; to is a directory relative to the policy file's, such as service/")
	}
	u, err := url.Parse(to)
	switch {
	case err != nil:
		return never("%v", errors.Unwrap(err))
	case u.Scheme != "" || u.Host != "" || u.Opaque != "":
		return never("it is a URL; to is a directory relative to the policy file's, such as service/")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(to, "#"):
		return never("a query or fragment never names a directory")
	}
	var out []string
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		switch seg {
		case ".":
		case "..":
			if len(out) == 0 {
				return never("it climbs out of the policy file's directory with \"..\"")
			}
			out = out[:len(out)-1]
		case "":
			if i < len(segs)-1 && len(out) > 0 {
				out = append(out, seg) // keep "a//b" as written
			}
		default:
			out = append(out, seg)
		}
	}
	if len(out) == 0 {
		return "", nil
	}
	return strings.Join(out, "/") + "/", nil
}
