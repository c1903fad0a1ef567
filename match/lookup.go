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
	// Cached reports that the answer came from the session's cache.
	Cached bool
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
