package match

import (
	"fmt"
	"strings"
)

// Lookup is the answer of a runtime's whole lookup (the clients of the
// format packages): the decision, and every policy file the lookup
// consulted, in order, with what came of each.
type Lookup struct {
	Decision Decision
	Files    []Consulted
}

// Consulted is one policy file a lookup asked for.
type Consulted struct {
	// URL is where the file was asked for: an http(s) URL, or a socket
	// policy as xmlsocket://host:port (Flash) or tcp://host:port
	// (Silverlight).
	URL string
	// Final is the URL that answered, after the redirects followed, when
	// it differs from URL.
	Final string
	// Status is the HTTP status (0 for a socket or when nothing answered).
	Status int
	// ContentType and MetaPolicy are the response's Content-Type and
	// X-Permitted-Cross-Domain-Policies headers as sent.
	ContentType string
	MetaPolicy  string
	// Used reports that the runtime read the file as a policy; Note says
	// what came of it ("grants", "rejected: 3:4: …", "status 404: no
	// file", "served as application/octet-stream, which Flash Player
	// ignores").
	Used bool
	Note string
	// Err is the fetch's failure, if nothing usable answered.
	Err error
	// Unread, when not empty, says why the file could not be read although
	// something may be there (a timeout, a reset, a TLS failure, status
	// 408, 429 or 5xx, a body cut short or over the size limit): unlike a
	// missing file, it may grant anything.
	Unread string
	// Cached reports that the answer came from the session's cache.
	Cached bool

	// What an audit needs besides the decision:

	// Header is the header of the response, when an HTTP response came.
	Header map[string][]string
	// Model is the file as the runtime read it, when it did and did not
	// reject it: a *crossdomain.Policy (Flash Player's reading, or
	// Silverlight's reading of crossdomain.xml), a *clientaccess.Policy or
	// a *mozpolicy.Policy. Policy is the same file compiled where it was
	// found.
	Model  any
	Policy *Policy
	// Extra marks a file a survey read that the runtime's own lookup would
	// not have asked for (a meta-policy had ruled it out, or a file read
	// before it decided); Note says why.
	Extra bool
}

func (c Consulted) String() string {
	var b strings.Builder
	b.WriteString(c.URL)
	if c.Final != "" && c.Final != c.URL {
		b.WriteString(" -> " + c.Final)
	}
	var parts []string
	if c.Status != 0 {
		parts = append(parts, fmt.Sprintf("status %d", c.Status))
	}
	if c.ContentType != "" {
		parts = append(parts, c.ContentType)
	}
	if c.MetaPolicy != "" {
		parts = append(parts, "X-Permitted-Cross-Domain-Policies: "+c.MetaPolicy)
	}
	if c.Cached {
		parts = append(parts, "cached")
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if c.Note != "" {
		b.WriteString(": " + c.Note)
	}
	return b.String()
}
