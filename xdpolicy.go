// Package xdpolicy is the runtime door of the module: one place to say
// "read these bytes as Flash Player would" or "look the policy files up
// as Silverlight did", whatever the format, and get back what that runtime
// made of them.
//
// A Runtime is a client that honoured cross-domain policy files: Flash
// Player, Silverlight, or the client of the Mozilla draft. Each reads
// certain formats (Runtime.Formats): Flash Player crossdomain.xml only,
// Silverlight clientaccesspolicy.xml and, in its own narrow way,
// crossdomain.xml, the draft's client cross-domain-policy.xml. Read
// applies a runtime's reading to any bytes, so a file the runtime could
// not read (another format, not XML, UTF-16 it does not decode) is
// rejected with the runtime's reason, exactly as the runtime would have
// rejected it, rather than read by some other runtime's rules:
//
//	rd, err := xdpolicy.Read(xdpolicy.Silverlight, body, xdpolicy.ReadOptions{Name: "crossdomain.xml"})
//	if err != nil {
//		// only a combination no runtime makes: -format mozpolicy for Flash
//	}
//	req, _ := match.NewRequest("http://app.example.net/app.xap", "http://api.example.com/data")
//	fmt.Println(rd.Decide(req)) // deny: the silverlight runtime rejects …, or allow/deny by a rule
//
// NewClient makes the runtime's lookup Client, which fetches the files
// as the runtime did (its master, meta-policies, fallbacks, socket ports
// and redirects) and decides:
//
//	c, _ := xdpolicy.NewClient(xdpolicy.Flash, xdpolicy.ClientOptions{})
//	l, err := c.Decide(ctx, req)
//	fmt.Println(l.Decision, l.Files)
//
// A Client also surveys a site (Client.Survey): every file the runtime
// consults there and what it made of each, deciding nothing. Package
// audit is built on the three runtimes' surveys.
//
// The rules themselves live in the format packages, each runtime's once:
// crossdomain (Flash Player), clientaccess (Silverlight, and its reading of
// crossdomain.xml), mozpolicy (the Mozilla draft); the evaluator and the
// vocabulary of decisions live in match. This package only chooses among
// them.
package xdpolicy

import (
	"fmt"
	"strings"
)

// Runtime is a client whose rules decide: Flash Player, Silverlight, or
// the Mozilla draft's client. The zero Runtime is none.
type Runtime uint8

// The runtimes.
const (
	Flash Runtime = iota + 1
	Silverlight
	Mozilla
)

// Runtimes lists every runtime, in the order reports name them.
var Runtimes = []Runtime{Flash, Silverlight, Mozilla}

var runtimeNames = [...]string{Flash: "flash", Silverlight: "silverlight", Mozilla: "mozilla"}

// String returns the runtime's short name: "flash", "silverlight" or
// "mozilla", as flags, JSON and match.Decision.Runtime spell it.
func (r Runtime) String() string {
	if r > 0 && int(r) < len(runtimeNames) {
		return runtimeNames[r]
	}
	return fmt.Sprintf("Runtime(%d)", int(r))
}

// Name returns the runtime's name for people: "Flash Player",
// "Silverlight" or "the Mozilla draft's client".
func (r Runtime) Name() string {
	switch r {
	case Flash:
		return "Flash Player"
	case Silverlight:
		return "Silverlight"
	case Mozilla:
		return "the Mozilla draft's client"
	}
	return r.String()
}

// ParseRuntime parses a runtime's short name.
func ParseRuntime(s string) (Runtime, error) {
	for r, name := range runtimeNames {
		if name != "" && name == s {
			return Runtime(r), nil
		}
	}
	return 0, fmt.Errorf("unknown runtime %q; want flash, silverlight or mozilla", s)
}

// Formats returns the formats the runtime reads, its own first.
func (r Runtime) Formats() []Format {
	switch r {
	case Flash:
		return []Format{CrossDomain}
	case Silverlight:
		return []Format{ClientAccess, CrossDomain}
	case Mozilla:
		return []Format{MozPolicy}
	}
	return nil
}

// Reads reports whether the runtime reads format f.
func (r Runtime) Reads(f Format) bool {
	for _, g := range r.Formats() {
		if g == f {
			return true
		}
	}
	return false
}

// Format is a policy file format. The zero Format is none.
type Format uint8

// The formats.
const (
	// CrossDomain is crossdomain.xml, Flash Player's (Silverlight reads a
	// narrow subset of it).
	CrossDomain Format = iota + 1
	// ClientAccess is clientaccesspolicy.xml, Silverlight's.
	ClientAccess
	// MozPolicy is cross-domain-policy.xml, the Mozilla draft's.
	MozPolicy
)

// Formats lists every format, in the order help texts name them.
var Formats = []Format{CrossDomain, ClientAccess, MozPolicy}

var formatNames = [...]string{CrossDomain: "crossdomain", ClientAccess: "clientaccess", MozPolicy: "mozpolicy"}

var fileNames = [...]string{CrossDomain: "crossdomain.xml", ClientAccess: "clientaccesspolicy.xml", MozPolicy: "cross-domain-policy.xml"}

// String returns the format's short name: "crossdomain", "clientaccess"
// or "mozpolicy", as flags and JSON spell it.
func (f Format) String() string {
	if f > 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// FileName returns the name the format's files have where the runtimes
// look for them: "crossdomain.xml", "clientaccesspolicy.xml" or
// "cross-domain-policy.xml".
func (f Format) FileName() string {
	if f > 0 && int(f) < len(fileNames) {
		return fileNames[f]
	}
	return ""
}

// Runtime returns the runtime whose own format f is.
func (f Format) Runtime() Runtime {
	switch f {
	case ClientAccess:
		return Silverlight
	case MozPolicy:
		return Mozilla
	case CrossDomain:
		return Flash
	}
	return 0
}

// ParseFormat parses a format's short name.
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if name != "" && name == s {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q; want %s", s, strings.Join(formatNames[1:], ", "))
}
