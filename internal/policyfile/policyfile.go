// Package policyfile reads one policy file of any format under any runtime
// profile: what `xdpolicy check` and `xdpolicy lint` do with a FILE, and
// what the conformance tests do with a vector's policy.
package policyfile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// Format is a policy file format.
type Format string

// The formats.
const (
	CrossDomain  Format = "crossdomain"  // crossdomain.xml (Flash)
	ClientAccess Format = "clientaccess" // clientaccesspolicy.xml (Silverlight)
	MozPolicy    Format = "mozpolicy"    // cross-domain-policy.xml (the Mozilla draft)
)

// Formats lists the formats in the order help texts name them.
var Formats = []Format{CrossDomain, ClientAccess, MozPolicy}

// Runtime is a runtime profile.
type Runtime string

// The runtime profiles.
const (
	Flash       Runtime = "flash"
	Silverlight Runtime = "silverlight"
	Mozilla     Runtime = "mozilla"
)

// Runtimes lists the profiles in the order help texts name them.
var Runtimes = []Runtime{Flash, Silverlight, Mozilla}

// MozillaNamespace is the draft's namespace URI.
const MozillaNamespace = mozpolicy.Namespace

// ParseFormat checks a -format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q; want crossdomain, clientaccess or mozpolicy", s)
}

// ParseRuntime checks a -runtime value.
func ParseRuntime(s string) (Runtime, error) {
	for _, r := range Runtimes {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown runtime %q; want flash, silverlight or mozilla", s)
}

// DefaultRuntime is the runtime whose own format f is.
func DefaultRuntime(f Format) Runtime {
	switch f {
	case ClientAccess:
		return Silverlight
	case MozPolicy:
		return Mozilla
	}
	return Flash
}

// Detect tells the format from the root element: <access-policy> is
// Silverlight's; <cross-domain-policy> is Flash's unless it is in the
// Mozilla draft's namespace or has <allow> children. It scans the text
// leniently, so that a file too broken to parse still gets the reading
// (and the rejection) of its own runtime.
func Detect(b []byte) (Format, error) {
	name, rest := rootName(b)
	switch name {
	case "access-policy":
		return ClientAccess, nil
	case "cross-domain-policy":
		if bytes.Contains(rest, []byte(MozillaNamespace)) || hasStartTag(rest, "allow") {
			return MozPolicy, nil
		}
		return CrossDomain, nil
	case "":
		return "", fmt.Errorf("no root element found; name the format with -format crossdomain, clientaccess or mozpolicy")
	}
	return "", fmt.Errorf("root element <%s> is not a policy file's; name the format with -format crossdomain, clientaccess or mozpolicy", name)
}

// rootName returns the name of the first start tag and the text from it on.
func rootName(b []byte) (string, []byte) {
	for i := 0; i < len(b); i++ {
		if b[i] != '<' || i+1 >= len(b) {
			continue
		}
		if c := b[i+1]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80) {
			continue // not a start tag: <?, <!, </, or stray text
		}
		j := i + 1
		for j < len(b) && !strings.ContainsRune(" \t\r\n/>", rune(b[j])) {
			j++
		}
		return string(b[i+1 : j]), b[i:]
	}
	return "", nil
}

func hasStartTag(b []byte, name string) bool {
	for _, end := range []string{" ", "/", ">", "\t", "\n", "\r"} {
		if bytes.Contains(b, []byte("<"+name+end)) {
			return true
		}
	}
	return false
}

// UnsupportedError says that a runtime cannot read a format, or that this
// version does not implement the combination yet.
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return e.Msg }

// Reading is the outcome of reading one file under one runtime.
type Reading struct {
	Format  Format
	Runtime Runtime
	// Diags are the reading's diagnostics.
	Diags []match.Diagnostic
	// Err is the runtime's rejection of the whole file, or in a strict
	// reading the first deviation.
	Err error

	compile func(source string) *match.Policy
	lint    func(file string) []match.Finding
}

// Lint returns the audit findings of the file, as its format's Lint
// reports them for the kind of file read (a Silverlight reading of
// crossdomain.xml is linted as Flash's master); none when the file was
// rejected.
func (rd *Reading) Lint(file string) []match.Finding {
	if rd.Err != nil || rd.lint == nil {
		return nil
	}
	return rd.lint(file)
}

// Options say how to read a file.
type Options struct {
	// Strict selects the strict reading.
	Strict bool
	// Socket reads the file as the socket policy the runtime fetches from
	// its policy port (843 for Flash), rather than as an HTTP master.
	Socket bool
}

// Read reads b as format f under runtime rt. It fails only when rt cannot
// read f at all.
func Read(b []byte, f Format, rt Runtime, opt Options) (*Reading, error) {
	p := clientaccess.Parser{Strict: opt.Strict}
	rd := &Reading{Format: f, Runtime: rt}
	switch {
	case rt == Flash && f == CrossDomain:
		kind := crossdomain.Master
		if opt.Socket {
			kind = crossdomain.SocketMaster
		}
		pol, diags, err := crossdomain.Parser{Strict: opt.Strict, Kind: kind}.Parse(b)
		rd.Diags, rd.Err = diags, err
		rd.compile = func(src string) *match.Policy {
			return pol.Compile(crossdomain.CompileOptions{Source: src, Kind: kind})
		}
		rd.lint = func(file string) []match.Finding { return pol.Lint(crossdomain.LintOptions{Kind: kind, File: file}) }
	case rt == Silverlight && f == ClientAccess:
		pol, diags, err := p.Parse(b)
		rd.Diags, rd.Err = diags, err
		rd.compile = func(src string) *match.Policy { return pol.Compile(clientaccess.CompileOptions{Source: src}) }
		rd.lint = pol.Lint
	case rt == Silverlight && f == CrossDomain:
		pol, diags, err := p.ParseCrossDomain(b)
		rd.Diags, rd.Err = diags, err
		rd.compile = func(src string) *match.Policy {
			return clientaccess.CompileCrossDomain(pol, clientaccess.CompileOptions{Source: src})
		}
		rd.lint = func(file string) []match.Finding { return pol.Lint(crossdomain.LintOptions{File: file}) }
	case rt == Mozilla && f == MozPolicy:
		pol, diags, err := mozpolicy.Parser{Strict: opt.Strict}.Parse(b)
		rd.Diags, rd.Err = diags, err
		rd.compile = func(src string) *match.Policy { return pol.Compile(mozpolicy.CompileOptions{Source: src}) }
		rd.lint = pol.Lint
	default:
		return nil, &UnsupportedError{Msg: fmt.Sprintf("the %s runtime does not read %s files", rt, f)}
	}
	return rd, nil
}

// Decide judges req against the file, read as the master policy of the
// target's site (for a socket, as the file served from the runtime's
// policy port). A file the runtime rejects denies. The file must have
// been read with Options.Socket set when req is for a socket.
func (rd *Reading) Decide(source string, req match.Request) match.Decision {
	if rd.Err != nil {
		return match.Deny(req, match.Rejected, string(rd.Runtime), source, rd.Err.Error())
	}
	if rd.Runtime == Silverlight && rd.Format == CrossDomain && req.Target.IsSocket() {
		return match.Deny(req, match.NoPolicy, string(rd.Runtime), source,
			"Silverlight reads socket policies only as clientaccesspolicy.xml from port 943, never crossdomain.xml")
	}
	if rd.Runtime == Mozilla && req.Target.IsSocket() {
		return match.Deny(req, match.RuntimeLimit, string(rd.Runtime), source,
			"the Mozilla draft governs HTTP and HTTPS only; it grants no sockets")
	}
	if rd.Runtime == Silverlight && req.Target.Scheme == "xmlsocket" {
		req.Target.Scheme = "tcp"
	}
	return rd.compile(source).Decide(req)
}
