// Package crossdomain models crossdomain.xml, the cross-domain policy file
// of Flash Player (and of Silverlight, which reads a narrow subset of it).
//
// A crossdomain.xml file looks like this:
//
//	<?xml version="1.0"?>
//	<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">
//	<cross-domain-policy>
//	  <site-control permitted-cross-domain-policies="master-only"/>
//	  <allow-access-from domain="*.example.com"/>
//	  <allow-access-from domain="socks.example.net" to-ports="507,516-523"/>
//	  <allow-http-request-headers-from domain="*.example.com" headers="SOAPAction,X-Foo*"/>
//	</cross-domain-policy>
//
// Typical use: read a file as Flash Player 10 did, compile it for where it
// was served, and judge requests with the evaluator of package match.
//
//	pol, diags, err := crossdomain.Parse(body) // ParseSocket for port 843
//	if err != nil {
//		// Flash Player rejects the file whole; err says where and why.
//	}
//	loc, _ := match.ParseTarget("https://api.example.com/crossdomain.xml")
//	p := pol.Compile(crossdomain.CompileOptions{Location: loc, PermittedCrossDomainPolicies: resp.Header.Get("X-Permitted-Cross-Domain-Policies")})
//	req, _ := match.NewRequest("https://www.example.com/app.swf", "https://api.example.com/feed.xml")
//	fmt.Println(p.Decide(req))
//
// To decide as Flash Player did without fetching anything yourself, use a
// Client: it reads the master, the meta-policy, the files the caller
// registered and the socket policies, and lists every file it consulted.
//
// To serve policies: NewHandler (or NewRawHandler for a file's bytes) is an
// http.Handler for crossdomain.xml, MetaPolicyHandler sets
// X-Permitted-Cross-Domain-Policies on every response of a site,
// SocketServer is the socket policy server of port 843, and NewListener
// answers Flash Player's socket policy request on an application's own
// port. The handlers, the server and the listener check their policy
// before serving anything.
//
// ParseStrict holds a file to the published format (DTD order, one
// site-control, valid values) and makes every deviation an error. Marshal
// writes a canonical file. Silverlight's narrower reading of the same file
// lives in package clientaccess (clientaccess.ParseCrossDomain).
//
// # Decisions taken
//
// Where the players' sources are silent, this package does
// what Flash Player did and otherwise denies:
//
//   - A request that sends custom headers is judged by the
//     allow-http-request-headers-from rules alone: one must admit the caller
//     and list every header (as the published examples show).
//   - Flash Player in a browser sends GET and POST only; other methods are
//     denied.
//   - A site-control without a value, like an unknown value, counts as none.
//     Of by-content-type and by-ftp-filename, which rank alike, Stricter
//     keeps by-content-type, the one that restricts HTTP.
//   - An X-Permitted-Cross-Domain-Policies header with several values
//     counts as the strictest of them; an unknown value counts as none.
//   - A domain with a scheme may also carry a port, which the caller must
//     then match; a domain with a path never matches.
//   - A socket policy whose port is unknown (Kind SocketPolicy without a
//     Location) takes the strict side of the 1024 rule.
//   - A non-master file governs its directory and below, judged on the
//     path the server will serve (package match, "At the boundary"): a
//     browser sends "/api/..\secret" as "/secret", and a target whose
//     path holds an escape servers decode differently ("%5c", "%2f",
//     "%252e", "%c0%ae") is outside every directory narrower than the
//     site. Flash Player had no path-character rule to refuse these. A
//     file registered at such an ambiguous URL grants nothing.
//   - Whitespace before the XML declaration is accepted, with a warning.
//   - Client: under by-ftp-filename, an HTTP non-master file counts only
//     when its final URL ends in /crossdomain.xml (Adobe's rule for FTP,
//     applied to HTTP as the stricter reading). A socket master that
//     cannot be had (refused, silent, rejected) leaves the socket
//     meta-policy at its default, all, so the target port is asked, as
//     Flash Player 9.0.124 and later did.
//   - SocketServer and NewListener answer only the exact 23-byte request;
//     a request without its NUL, or with anything before it, is not
//     answered. After the reply they half-close the connection and give
//     the client up to 500 ms to close its end, so that closing never
//     resets a reply the client has not read. A socket policy is checked
//     as a socket master (site-control allowed), whatever the port.
//   - SocketServer at its connection cap keeps accepting, and makes room
//     by closing the oldest connection not being answered: one lingering
//     after its reply, else one that has waited 20 ms or more without
//     sending its whole request. Stopping accepting instead would let a
//     flood of silent connections hold every place for the read timeout
//     while Flash Player, which sends its request as it connects, waited
//     in the listen queue past its 3 s. The price: while the server is
//     full, a client whose request comes 20 ms or more after it connected
//     may be closed unanswered. The cap still bounds memory.
package crossdomain

import (
	"strconv"

	"github.com/xdpolicy/xdpolicy/match"
)

// Policy is a crossdomain.xml file: the <cross-domain-policy> root and its
// children.
type Policy struct {
	// SchemaInstance and NoNamespaceSchemaLocation are the root's
	// xmlns:xsi and xsi:noNamespaceSchemaLocation attributes, which many
	// files carry and every runtime ignores.
	SchemaInstance            string
	NoNamespaceSchemaLocation string
	// Doctype reports a DOCTYPE before the root; Marshal then writes
	// Adobe's.
	Doctype bool

	// SiteControl holds the <site-control> elements; a well-formed master
	// policy has at most one.
	SiteControl []SiteControl
	// AllowAccessFrom holds the <allow-access-from> elements.
	AllowAccessFrom []AllowAccessFrom
	// AllowHTTPRequestHeadersFrom holds the
	// <allow-http-request-headers-from> elements.
	AllowHTTPRequestHeadersFrom []AllowHTTPRequestHeadersFrom
	// AllowAccessFromIdentity holds <allow-access-from-identity> elements
	// (Acrobat's; they never grant anything to Flash Player).
	AllowAccessFromIdentity []AllowAccessFromIdentity

	// Pos is where the root element starts.
	Pos match.Pos
}

// SiteControl is <site-control permitted-cross-domain-policies="…"/>, the
// meta-policy of a master policy file.
type SiteControl struct {
	// PermittedCrossDomainPolicies is the value as written: "none",
	// "master-only", "by-content-type", "by-ftp-filename" or "all".
	PermittedCrossDomainPolicies string
	Pos                          match.Pos
}

// AllowAccessFrom is <allow-access-from domain="…" [to-ports="…"]
// [secure="…"]/>.
type AllowAccessFrom struct {
	// Domain is the caller pattern as written.
	Domain string
	// ToPorts is the socket port list as written ("" when absent).
	ToPorts string
	// Secure is the secure attribute as written: "", "true" or "false".
	Secure string
	Pos    match.Pos
}

// AllowHTTPRequestHeadersFrom is <allow-http-request-headers-from
// domain="…" headers="…" [secure="…"]/>.
type AllowHTTPRequestHeadersFrom struct {
	Domain string
	// Headers is the header list as written.
	Headers string
	// Secure is the secure attribute as written: "", "true" or "false".
	Secure string
	Pos    match.Pos
}

// AllowAccessFromIdentity is <allow-access-from-identity>, which names
// signers by certificate fingerprint.
type AllowAccessFromIdentity struct {
	Signatories []Signatory
	Pos         match.Pos
}

// Signatory is <signatory> inside <allow-access-from-identity>.
type Signatory struct {
	Certificates []Certificate
	Pos          match.Pos
}

// Certificate is <certificate fingerprint="…" fingerprint-algorithm="…"/>.
type Certificate struct {
	Fingerprint          string
	FingerprintAlgorithm string
	Pos                  match.Pos
}

// Kind is what a policy file is to Flash Player, which changes how it is
// read: which attributes count, the defaults of secure, whether
// site-control is honoured, and whether a NUL may end it.
type Kind uint8

// The kinds of policy file.
const (
	// Master is /crossdomain.xml at the root of an HTTP or HTTPS site. It
	// is the zero Kind.
	Master Kind = iota
	// NonMaster is any other HTTP or HTTPS policy file, one a caller
	// registered with Security.loadPolicyFile. It governs its own
	// directory and below, and its site-control is ignored.
	NonMaster
	// SocketMaster is the socket policy served on port 843.
	SocketMaster
	// SocketPolicy is a socket policy served on another port.
	SocketPolicy
)

var kindNames = [...]string{"master policy", "non-master policy", "socket master policy", "socket policy"}

// String returns a short description such as "socket master policy".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Socket reports whether the kind is a socket policy.
func (k Kind) Socket() bool { return k == SocketMaster || k == SocketPolicy }

// IsMaster reports whether the kind is a master policy, whose site-control
// is the meta-policy.
func (k Kind) IsMaster() bool { return k == Master || k == SocketMaster }

// KindOf returns the kind of the policy file at location loc: an
// http(s):// URL (the master when its path is /crossdomain.xml) or an
// xmlsocket://host:port location (the master on port 843).
func KindOf(loc match.Target) Kind {
	switch {
	case loc.IsSocket() && loc.Port == SocketMasterPort:
		return SocketMaster
	case loc.IsSocket():
		return SocketPolicy
	case match.RemoveDotSegments(loc.Path) == "/crossdomain.xml":
		return Master
	}
	return NonMaster
}

// runtimeName names Flash Player in decisions (match.Decision.Runtime),
// as xdpolicy.Flash.String() does.
const runtimeName = "flash"

// SocketMasterPort is the port of the socket master policy.
const SocketMasterPort = 843

// PolicyRequest is what Flash Player sends to a socket policy server: the
// 23 bytes of <policy-file-request/> and a NUL.
const PolicyRequest = "<policy-file-request/>\x00"

// MaxRedirects is how many same-host redirects Flash Player follows to a
// policy file.
const MaxRedirects = 5
