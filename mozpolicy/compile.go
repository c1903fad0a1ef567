package mozpolicy

import (
	"fmt"
	"strings"

	"github.com/xdpolicy/xdpolicy/match"
)

// CompileOptions say where a policy file was found.
type CompileOptions struct {
	// Source names the file in reasons; when empty, Location does.
	Source string
	// Location is the file's http(s):// URL. The file governs its scheme,
	// host and port (never subdomains), and only its own directory and
	// below: /cross-domain-policy.xml the whole site,
	// /service/cross-domain-policy.xml (reached by delegation) /service/.
	//
	// The zero Location means the file at the root of whatever target is
	// asked about, as when one file is checked alone.
	Location match.Target
}

// Compile turns the file into rules for match with the draft's semantics
// (see the package doc):
//
//   - each <allow> is a rule, consulted in document order, and the first
//     whose type, from and to all match the request decides;
//   - type "any" (or absent) admits requests of every type, and any other
//     type only requests of that type (match.Request.Type); a request that
//     names no type is admitted only by "any";
//   - from is compiled by ParseFrom;
//   - to limits the rule to that directory, relative to the file's own,
//     on the path the server will serve (see package match: a path whose
//     meaning depends on the server's decoding is outside every to),
//     and subject to the path-character rule (a target whose raw path holds
//     '%', "./" or ".." is denied by a rule with to); without to the rule
//     covers everything the file governs;
//   - the draft has no method, header or secure rules: a matching rule
//     admits every method and header, from http and https callers alike;
//   - delegate="true" on the deciding rule, for a target in a subdirectory
//     of the file's directory, makes the decision match.Delegated, naming
//     the file in the next directory toward the target (Resolver follows
//     it); for a target directly in the file's directory it grants.
//
// An <allow> that Parse reports as matching nothing (an unknown type, a
// from or to that never matches, a delegate other than true or false) is
// left out, so the next one may decide. Compile the Policy Parse returned
// without error: a rejected file grants nothing.
func (p *Policy) Compile(opt CompileOptions) *match.Policy {
	loc := opt.Location
	mp := &match.Policy{Source: opt.Source, Runtime: runtimeName, DelegateFile: FileName}
	dir := "/"
	if loc != (match.Target{}) {
		if mp.Source == "" {
			mp.Source = loc.String()
		}
		path := match.RemoveDotSegments(loc.Path)
		dir = path[:strings.LastIndexByte(path, '/')+1]
		mp.Scope = match.Scope{Scheme: loc.Scheme, Host: loc.Host, Port: loc.Port, Dir: dir}
		if loc.Ambiguity != "" {
			mp.Disabled = match.AmbiguousLocation(loc)
			return mp
		}
	}
	for i := range p.Allow {
		r, why := p.Allow[i].rule(dir)
		if why != "" {
			mp.Ignored = append(mp.Ignored, r.Name+", which matches nothing: "+why)
			continue
		}
		mp.Rules = append(mp.Rules, r)
	}
	return mp
}

// rule compiles one <allow> for a file in directory dir, or says why it
// matches nothing.
func (a *Allow) rule(dir string) (match.Rule, string) {
	r := match.Rule{
		Name:    a.name(),
		Pos:     a.Pos,
		Methods: match.AllMethods,
		Headers: match.AllHeaders,
	}
	switch a.Type {
	case "", TypeAny:
	case TypeXML, TypeSOAP, TypeLoad, TypeSave:
		r.Types = []string{a.Type}
	default:
		return r, fmt.Sprintf("type %s is not any, xml, soap, load or save", match.Quote(a.Type))
	}
	switch a.Delegate {
	case "", "false":
	case "true":
		r.Delegate = true
	default:
		return r, fmt.Sprintf("delegate %s is neither true nor false", match.Quote(a.Delegate))
	}
	c, err := ParseFrom(a.From)
	if err != nil {
		return r, "from " + err.Error()
	}
	r.Callers = []match.Caller{c}
	rel, err := ParseTo(a.To)
	if err != nil {
		return r, "to " + err.Error()
	}
	scope := match.PathScope{Path: dir + rel, Subpaths: true, Text: "everything the file governs"}
	if a.To != "" {
		scope.Text = fmt.Sprintf("to=%s (%s and below)", match.Quote(a.To), dir+rel)
		r.PathChars = true
	}
	r.Paths = []match.PathScope{scope}
	return r, ""
}

// name describes the element for reasons: its attributes as written.
func (a *Allow) name() string {
	var b strings.Builder
	b.WriteString("<allow")
	for _, at := range [...]struct{ k, v string }{{"type", a.Type}, {"from", a.From}, {"to", a.To}, {"delegate", a.Delegate}} {
		if at.v != "" {
			fmt.Fprintf(&b, " %s=%s", at.k, match.Quote(at.v))
		}
	}
	b.WriteString(">")
	if a.Pos.IsValid() {
		b.WriteString(" at " + a.Pos.String())
	}
	return b.String()
}
