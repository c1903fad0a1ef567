package xdpolicy

import (
	"fmt"
	"path"
	"strings"

	"github.com/xdpolicy/xdpolicy/clientaccess"
	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// FormatError says that Detect could not tell a file's format.
type FormatError struct {
	// Root is the root element's name as found ("" when none was).
	Root string
	// Name is the file name given.
	Name string
}

func (e *FormatError) Error() string {
	what := "no root element found"
	if e.Root != "" {
		what = fmt.Sprintf("root element <%s> is not a policy file's", clip(e.Root))
	}
	if e.Name != "" {
		what += fmt.Sprintf(", and the name %s is not one the runtimes look for", match.Quote(path.Base(e.Name)))
	}
	return what
}

func clip(s string) string {
	if q := match.Quote(s); q != `"`+s+`"` || len(s) > 64 {
		return q
	}
	return s
}

// Detect tells the format of a policy file. The root element decides,
// found by tokenizing the start of b as XML (the declaration, comments,
// processing instructions and the DOCTYPE skipped; UTF-8 or UTF-16, with
// or without a byte order mark): <access-policy> is ClientAccess;
// <cross-domain-policy> is MozPolicy when it is in the draft's namespace
// or its first child is <allow>, and CrossDomain otherwise (but an empty
// one named cross-domain-policy.xml is the draft's). When no root
// element is found, or another one, the base of name decides when it is
// one the runtimes look for (crossdomain.xml, clientaccesspolicy.xml,
// cross-domain-policy.xml); else Detect returns a *FormatError.
func Detect(b []byte, name string) (Format, error) {
	byName := Format(0)
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	for _, f := range Formats {
		if base == f.FileName() {
			byName = f
		}
	}
	h := xmldoc.Peek(b)
	switch {
	case h.Prefix != "":
	case h.Local == "access-policy":
		return ClientAccess, nil
	case h.Local == "cross-domain-policy":
		switch {
		case h.Space == mozpolicy.Namespace, h.Child == "allow":
			return MozPolicy, nil
		case h.Child == "" && byName == MozPolicy:
			return MozPolicy, nil
		}
		return CrossDomain, nil
	}
	if byName != 0 {
		return byName, nil
	}
	root := h.Local
	if h.Prefix != "" {
		root = h.Prefix + ":" + h.Local
	}
	return 0, &FormatError{Root: root, Name: name}
}

// SocketReply reports whether b, decoded as Detect decodes it, ends in a
// NUL: the framing of a Flash socket policy reply. (A UTF-16LE file ends
// in a zero byte without being one.)
func SocketReply(b []byte) bool {
	t := xmldoc.Decode(b)
	return len(t) > 0 && t[len(t)-1] == 0
}

// UnsupportedError reports a reading no runtime makes: a format the
// runtime does not read, forced with ReadOptions.Format.
type UnsupportedError struct {
	Runtime Runtime
	Format  Format
}

func (e *UnsupportedError) Error() string {
	var names []string
	for _, f := range e.Runtime.Formats() {
		names = append(names, f.FileName())
	}
	return fmt.Sprintf("%s does not read %s files; it reads %s", e.Runtime.Name(), e.Format.FileName(), strings.Join(names, " and "))
}

// ReadOptions say how to read a file and where it was found.
type ReadOptions struct {
	// Format, when set, is the file's format; it must be one the runtime
	// reads. When zero, Detect tells it from the bytes and Name; a file
	// of a format the runtime does not read (or of none) is read as the
	// runtime's own format, so the runtime's reading rejects it with its
	// own reason.
	Format Format
	// Name is the file's name or path: it helps Detect, and names the file
	// in reasons and findings unless Source is set.
	Name string
	// Source names the file in reasons and findings (default Name).
	Source string
	// Strict selects the strict reading: the file is held to the published
	// format and every deviation is an error.
	Strict bool
	// Socket reads the file as the socket policy the runtime reads from
	// its policy port (Flash Player's 843), not as an HTTP master.
	Socket bool
	// Location, when set, is where the file was found: an http(s) URL, or
	// xmlsocket://host:port (Flash Player) or tcp://host:943
	// (Silverlight). It sets what the file is to the runtime (for Flash
	// Player: a master, a file a caller registered, a socket policy) and
	// what it governs, and names it in reasons unless Source or Name does.
	// The zero Location reads the file as the master of whatever target
	// it is asked about (with Socket, as the policy-port file).
	Location match.Target
	// Header is the X-Permitted-Cross-Domain-Policies header of the
	// response that carried the file, if any.
	Header string
	// MaxBytes bounds the file (default 1 MiB); a larger one is rejected.
	MaxBytes int
	// Trust, when set, is the organisation's allowlist Lint holds the
	// file's callers to: a caller it does not cover is an UntrustedCaller
	// finding.
	Trust *finding.Allowlist
}

// Reading is what a runtime made of one file: the model it read (one of
// CrossDomain, ClientAccess and MozPolicy is set unless the file was
// rejected), the reading's diagnostics, and the file compiled for the
// evaluator, as the master policy of whatever target it is asked about
// (for a socket reading, the file served on the runtime's policy port).
type Reading struct {
	Runtime Runtime
	Format  Format
	// Source names the file.
	Source string
	// CrossDomain, ClientAccess and MozPolicy hold the model read.
	CrossDomain  *crossdomain.Policy
	ClientAccess *clientaccess.Policy
	MozPolicy    *mozpolicy.Policy
	// Diagnostics are the reading's, in file order.
	Diagnostics []match.Diagnostic
	// Err is the runtime's rejection of the whole file (a
	// *match.Diagnostic with its position), or in a strict reading the
	// first deviation. A rejected file grants nothing.
	Err error
	// Policy is the file compiled; nil when it was rejected.
	Policy *match.Policy

	kind  crossdomain.Kind
	trust *finding.Allowlist
}

// Read reads b as runtime rt reads it. It fails only when opt.Format
// names a format rt does not read (*UnsupportedError) or rt is not a
// runtime; whatever the bytes hold, the runtime's verdict on them is in
// the Reading.
func Read(rt Runtime, b []byte, opt ReadOptions) (*Reading, error) {
	if rt.Formats() == nil {
		return nil, fmt.Errorf("xdpolicy: %v is not a runtime", rt)
	}
	f := opt.Format
	switch {
	case f != 0 && !rt.Reads(f):
		return nil, &UnsupportedError{Runtime: rt, Format: f}
	case f == 0:
		f = rt.Formats()[0]
		if d, err := Detect(b, opt.Name); err == nil {
			switch {
			case rt.Reads(d):
				f = d
			case d == MozPolicy && rt.Reads(CrossDomain):
				f = CrossDomain // the same root element: read as that runtime reads it
			}
		}
	}
	rd := &Reading{Runtime: rt, Format: f, Source: opt.Source, trust: opt.Trust}
	if rd.Source == "" {
		rd.Source = opt.Name
	}
	if rd.Source == "" && opt.Location != (match.Target{}) {
		rd.Source = opt.Location.String()
	}
	loc := opt.Location
	switch {
	case rt == Flash:
		rd.kind = crossdomain.Master
		switch {
		case loc != match.Target{}:
			rd.kind = crossdomain.KindOf(loc)
		case opt.Socket:
			rd.kind = crossdomain.SocketMaster
		}
		rd.CrossDomain, rd.Diagnostics, rd.Err = crossdomain.Parser{Strict: opt.Strict, Kind: rd.kind, MaxBytes: opt.MaxBytes}.Parse(b)
		if rd.Err == nil {
			rd.Policy = rd.CrossDomain.Compile(crossdomain.CompileOptions{Source: rd.Source, Location: loc, Kind: rd.kind, PermittedCrossDomainPolicies: opt.Header})
		}
	case f == ClientAccess:
		rd.ClientAccess, rd.Diagnostics, rd.Err = clientaccess.Parser{Strict: opt.Strict, MaxBytes: opt.MaxBytes}.Parse(b)
		if rd.Err == nil {
			rd.Policy = rd.ClientAccess.Compile(clientaccess.CompileOptions{Source: rd.Source, Location: loc})
		}
	case rt == Silverlight:
		rd.CrossDomain, rd.Diagnostics, rd.Err = clientaccess.Parser{Strict: opt.Strict, MaxBytes: opt.MaxBytes}.ParseCrossDomain(b)
		if rd.Err == nil {
			rd.Policy = clientaccess.CompileCrossDomain(rd.CrossDomain, clientaccess.CompileOptions{Source: rd.Source, Location: loc, PermittedCrossDomainPolicies: opt.Header})
		}
	default:
		rd.MozPolicy, rd.Diagnostics, rd.Err = mozpolicy.Parser{Strict: opt.Strict, MaxBytes: opt.MaxBytes}.Parse(b)
		if rd.Err == nil {
			rd.Policy = rd.MozPolicy.Compile(mozpolicy.CompileOptions{Source: rd.Source, Location: loc})
		}
	}
	if rd.Err != nil {
		rd.CrossDomain, rd.ClientAccess, rd.MozPolicy, rd.Policy = nil, nil, nil, nil
	}
	return rd, nil
}

// Decide judges req against the file, as the master policy of the
// target's site (for a socket reading, as the file of the runtime's
// policy port). A rejected file denies with the code match.Rejected and
// the runtime's reason.
func (rd *Reading) Decide(req match.Request) match.Decision {
	if d, refused := match.Refuse(req, rd.Runtime.String()); refused {
		d.Source = rd.Source
		return d
	}
	t := &req.Target
	switch {
	case rd.Err != nil:
		return match.Deny(req, match.Rejected, rd.Runtime.String(), rd.Source, rd.Err.Error())
	case rd.Runtime == Mozilla && t.IsSocket():
		return match.Deny(req, match.RuntimeLimit, rd.Runtime.String(), rd.Source,
			"the Mozilla draft governs HTTP and HTTPS only; it grants no sockets")
	case rd.Runtime == Silverlight && rd.Format == CrossDomain && t.IsSocket():
		return match.Deny(req, match.NoPolicy, rd.Runtime.String(), rd.Source,
			"Silverlight reads socket policies only as clientaccesspolicy.xml from port 943, never crossdomain.xml")
	case rd.Runtime == Silverlight && t.Scheme == "xmlsocket":
		t.Scheme = "tcp"
	case rd.Runtime == Flash && t.Scheme == "tcp":
		t.Scheme = "xmlsocket"
	}
	return rd.Policy.Decide(req)
}

// Lint returns the audit findings of an accepted file, as its format's
// Lint reports them for the kind of file read (Silverlight's reading of
// crossdomain.xml is linted as Flash Player's master), against
// ReadOptions.Trust when it was set; none for a rejected file.
func (rd *Reading) Lint() []finding.Finding {
	switch {
	case rd.Err != nil:
		return nil
	case rd.ClientAccess != nil:
		return rd.ClientAccess.Lint(clientaccess.LintOptions{File: rd.Source, Trust: rd.trust})
	case rd.MozPolicy != nil:
		return rd.MozPolicy.Lint(mozpolicy.LintOptions{File: rd.Source, Trust: rd.trust})
	case rd.CrossDomain != nil:
		return rd.CrossDomain.Lint(crossdomain.LintOptions{Kind: rd.kind, File: rd.Source, Trust: rd.trust})
	}
	return nil
}
