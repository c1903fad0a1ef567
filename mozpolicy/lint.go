package mozpolicy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/match"
)

// LintOptions say what a linted file is.
type LintOptions struct {
	// File names the file in findings.
	File string
	// Trust, when set, is the organisation's allowlist: a caller it does
	// not cover whole is an UntrustedCaller finding.
	Trust *finding.Allowlist
}

// Lint reports what an audit would say about p: grants wider
// than a site likely means and entries that never match. The codes, and
// what to do about each, are documented in package finding.
func (p *Policy) Lint(opts LintOptions) []finding.Finding {
	fs := &reading.Findings{File: opts.File}
	add := fs.Add
	for _, a := range p.Allow {
		from := strings.TrimSpace(a.From)
		if _, err := ParseFrom(from); err != nil {
			add(a.Pos, finding.DeadEntry, finding.Info, "%s", reading.NeverMatches(fmt.Sprintf("<allow from=%s>", match.Quote(from)), err))
			continue
		}
		to, err := ParseTo(a.To)
		if err != nil {
			add(a.Pos, finding.DeadEntry, finding.Info, "%s", reading.NeverMatches(fmt.Sprintf("<allow to=%s>", match.Quote(a.To)), err))
			continue
		}
		typ := strings.TrimSpace(a.Type)
		if typ != "" && typ != TypeAny && !slices.Contains(RequestTypes, typ) {
			add(a.Pos, finding.DeadEntry, finding.Info, "<allow type=%q> never matches: the types are any, xml, soap, load and save", a.Type)
			continue
		}
		for _, f := range finding.Trusted(from, cmp.Or(from, "*"), opts.Trust) {
			add(a.Pos, f.Code, f.Level, "%s", f.Message)
		}
		if (from == "" || from == "*") && to == "" && a.Delegate != "true" {
			what := "every kind of request"
			if typ != "" && typ != TypeAny {
				what = typ + " requests"
			}
			add(a.Pos, finding.OpenAccess, finding.High,
				"any caller may make %s to everything this file governs, with the user's cookies", what)
		}
	}
	return fs.List
}
