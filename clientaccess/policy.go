package clientaccess

import "github.com/xdpolicy/xdpolicy/match"

// Policy is a clientaccesspolicy.xml file: the <access-policy> root.
type Policy struct {
	// CrossDomainAccess holds the <cross-domain-access> elements.
	CrossDomainAccess []CrossDomainAccess
	// Pos is where the root starts (zero for a policy built in Go).
	Pos match.Pos
}

// CrossDomainAccess is <cross-domain-access>.
type CrossDomainAccess struct {
	// Policies holds its <policy> elements.
	Policies []Rule
	Pos      match.Pos
}

// Rule is one <policy> element: who may call (AllowFrom) and what they may
// reach (GrantTo).
type Rule struct {
	AllowFrom []AllowFrom
	GrantTo   []GrantTo
	Pos       match.Pos
}

// AllowFrom is <allow-from [http-request-headers="…"] [http-methods="…"]>.
type AllowFrom struct {
	// HTTPRequestHeaders is the header list as written: "*", or names
	// separated by commas, an item ending in "*" being a prefix. Empty:
	// only Content-Type may be sent.
	HTTPRequestHeaders string
	// HTTPMethods is the method list as written: "*" for every method, or
	// methods separated by commas. GET and POST are always allowed.
	HTTPMethods string
	Domains     []Domain
	Pos         match.Pos
}

// Domain is <domain uri="…"/>: a caller pattern such as "*",
// "http://*", "https://*.example.com:8443" or "http://example.com/app.xap".
type Domain struct {
	URI string
	Pos match.Pos
}

// GrantTo is <grant-to>: HTTP resources and socket ranges.
type GrantTo struct {
	Resources       []Resource
	SocketResources []SocketResource
	Pos             match.Pos
}

// Resource is <resource path="…" [include-subpaths="…"]/>.
type Resource struct {
	// Path is an absolute path, compared case-sensitively.
	Path string
	// IncludeSubpaths extends the grant to everything below Path.
	IncludeSubpaths bool
	Pos             match.Pos
}

// SocketResource is <socket-resource port="…" protocol="tcp"/>.
type SocketResource struct {
	// Port is the range of ports granted, within 4502-4534.
	Port match.PortRange
	// Protocol is "tcp", the only protocol Silverlight honours; the writer
	// writes "tcp" when it is empty.
	Protocol string
	Pos      match.Pos
}

// Silverlight's socket port range: it opens sockets to no other port.
// runtimeName names Silverlight in decisions (match.Decision.Runtime), as
// xdpolicy.Silverlight.String() does.
const runtimeName = "silverlight"

// PolicyRequest is what Silverlight sends to port 943: the 22 bytes of
// <policy-file-request/>, without a NUL.
const PolicyRequest = "<policy-file-request/>"

const (
	MinSocketPort = 4502
	MaxSocketPort = 4534
)

// AllowAll returns the policy that opens the whole site to every caller,
// with every request header: the file Microsoft's documentation shows
// first. Think twice before serving it on a site that uses cookies.
func AllowAll() *Policy {
	return &Policy{CrossDomainAccess: []CrossDomainAccess{{Policies: []Rule{{
		AllowFrom: []AllowFrom{{HTTPRequestHeaders: "*", Domains: []Domain{{URI: "*"}}}},
		GrantTo:   []GrantTo{{Resources: []Resource{{Path: "/", IncludeSubpaths: true}}}},
	}}}}}
}
