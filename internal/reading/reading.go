// Package reading holds what the runtime and strict readings of every
// format share: collecting diagnostics with the severity each reading
// gives them, and turning the XML reader's errors into diagnostics.
package reading

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
)

// Diagnostic codes shared by the formats; CodeTitle describes each.
const (
	CodeSyntax       = "syntax"
	CodeLimit        = "limit"
	CodeRoot         = "root"
	CodeNamespace    = "namespace"
	CodeUnknownElem  = "unknown-element"
	CodeUnknownAttr  = "unknown-attribute"
	CodeMissingAttr  = "missing-attribute"
	CodeInvalidValue = "invalid-value"
	CodeText         = "text"
	CodeNeverMatches = "never-matches"
	CodeEmpty        = "empty"
	CodeProlog       = "prolog"
)

// CodeTitle describes a diagnostic code in one line ("" for an unknown
// code); finding.ReadingDocs documents each code.
func CodeTitle(code string) string {
	d, _ := finding.ReadingDocFor(code)
	return d.Title
}

// Reporter collects the diagnostics of one reading. In a runtime reading,
// what the runtime ignores or drops is a warning and a rejection is an
// error; in a strict reading every deviation from the format is an error.
type Reporter struct {
	Strict bool
	Diags  []match.Diagnostic
	// rejected is set by the first error.
	rejected bool
}

func (r *Reporter) add(pos xmldoc.Pos, sev match.Severity, code, format string, args []any) {
	d := match.Diagnostic{Pos: match.Pos(pos), Severity: sev, Code: code, Message: fmt.Sprintf(format, shown(args)...)}
	r.Diags = append(r.Diags, d)
	if sev == match.Error {
		r.rejected = true
	}
}

// Reject records that the runtime rejects the whole file.
func (r *Reporter) Reject(pos xmldoc.Pos, code, format string, args ...any) {
	r.add(pos, match.Error, code, format, args)
}

// Ignore records something the runtime ignores or drops while keeping the
// file: a warning, or an error in a strict reading.
func (r *Reporter) Ignore(pos xmldoc.Pos, code, format string, args ...any) {
	sev := match.Warning
	if r.Strict {
		sev = match.Error
	}
	r.add(pos, sev, code, format, args)
}

// Deviation records something the runtime accepts silently but the
// published format does not allow; only a strict reading reports it.
func (r *Reporter) Deviation(pos xmldoc.Pos, code, format string, args ...any) {
	if r.Strict {
		r.add(pos, match.Error, code, format, args)
	}
}

// Note records a warning in either reading.
func (r *Reporter) Note(pos xmldoc.Pos, code, format string, args ...any) {
	r.add(pos, match.Warning, code, format, args)
}

// Rejected reports whether an error has been recorded.
func (r *Reporter) Rejected() bool { return r.rejected }

// Finish returns the diagnostics in file order (those at one position in
// the order they were found) and the first error among them as a
// *match.Diagnostic, or nil.
func (r *Reporter) Finish() ([]match.Diagnostic, error) {
	slices.SortStableFunc(r.Diags, func(a, b match.Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	for i := range r.Diags {
		if r.Diags[i].Severity == match.Error {
			d := r.Diags[i]
			return r.Diags, &d
		}
	}
	return r.Diags, nil
}

// Document parses b with the XML reader, recording a rejection when it is
// not well-formed or breaks a limit. It returns nil in that case.
func (r *Reporter) Document(b []byte, opt xmldoc.Options) *xmldoc.Document {
	doc, err := xmldoc.Parse(b, opt)
	if err != nil {
		var xe *xmldoc.Error
		if errors.As(err, &xe) {
			code := CodeSyntax
			msg := "not well-formed XML: " + xe.Msg + conflictHint(b)
			if xe.Limit {
				code, msg = CodeLimit, xe.Msg
			}
			r.Reject(xe.Pos, code, "%s", msg)
		} else {
			r.Reject(xmldoc.Pos{Line: 1, Col: 1}, CodeSyntax, "%v", err)
		}
		return nil
	}
	return doc
}

// Prolog reports what comes before the root that the runtimes accept but
// the format or XML itself does not: whitespace before the XML declaration
// (a warning in either reading, and a deviation), and a declared encoding
// other than the one the bytes are read in (the runtimes read UTF-8, or
// UTF-16 after a byte order mark).
func (r *Reporter) Prolog(doc *xmldoc.Document, runtime string) {
	if doc.LeadingSpace != nil {
		r.Note(*doc.LeadingSpace, CodeProlog, "whitespace before the XML declaration is not well-formed XML; %s accepts it, other XML readers do not", runtime)
		r.Deviation(*doc.LeadingSpace, CodeProlog, "whitespace before the XML declaration")
	}
	if d := doc.Decl; d != nil && d.Encoding != "" && !strings.EqualFold(d.Encoding, "utf-8") &&
		!(strings.HasPrefix(doc.BOM, "UTF-16") && strings.EqualFold(d.Encoding, "utf-16")) {
		r.Ignore(d.Pos, CodeProlog, "declared encoding %q is ignored: %s reads UTF-8 (or UTF-16 after a byte order mark); save the file as UTF-8 and declare that", d.Encoding, runtime)
	}
}

// Text reports character data inside e that is not whitespace; the
// formats have only empty elements and element content.
func (r *Reporter) Text(e *xmldoc.Element, runtime string) {
	if t, ok := e.NonSpaceText(); ok {
		r.Ignore(t.Pos, CodeText, "text %s inside <%s> is not part of the format; %s ignores it", Quote(t.Data, 20), e.QName(), runtime)
	}
}

// Quote returns s quoted, shortened to about n characters.
func Quote(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return match.Quote(s)
}

// Attr returns the attribute's value and whether it is present.
func Attr(e *xmldoc.Element, name string) (string, xmldoc.Pos, bool) {
	a, ok := e.Attr(name)
	return a.Value, a.Pos, ok
}

// conflictHint points at unresolved merge-conflict markers, a common
// reason for a policy file that no longer parses.
func conflictHint(b []byte) string {
	for i, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("<<<<<<<")) || bytes.HasPrefix(line, []byte(">>>>>>>")) {
			return fmt.Sprintf(" (line %d holds a merge-conflict marker: resolve the conflict and commit the file again)", i+1)
		}
	}
	return ""
}

// Suggest returns " (did you mean X?)" when got is a near miss for one of
// the known names (a different case, or one or two letters off), and ""
// otherwise.
func Suggest(got string, known ...string) string {
	for _, k := range known {
		if strings.EqualFold(got, k) || editDistance(got, k) <= 2 && len(k) > 2 {
			return fmt.Sprintf(" (did you mean %s?)", k)
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Findings collects the audit findings of one file for a format's Lint.
type Findings struct {
	File string
	List []finding.Finding
}

// Add records a finding at pos.
func (f *Findings) Add(pos match.Pos, code string, level finding.Level, format string, args ...any) {
	f.List = append(f.List, finding.Finding{Code: code, Level: level, Message: fmt.Sprintf(format, shown(args)...), File: f.File, Pos: pos})
}

// shown makes the string arguments of a message safe to print, whatever
// the file held: %q quotes and clips them as match.Quote does, %s and %v
// escape what a terminal would show wrongly (match.Escape).
func shown(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			a = safeText(s)
		}
		out[i] = a
	}
	return out
}

type safeText string

func (s safeText) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, match.Quote(string(s)))
		return
	}
	io.WriteString(f, match.Escape(string(s)))
}

// NeverMatches is the message of a dead-entry finding for a pattern that
// never matches: what is written, then the reason alone (a
// *match.PatternError already quotes the pattern).
func NeverMatches(written string, err error) string {
	why := err.Error()
	var pe *match.PatternError
	if errors.As(err, &pe) {
		why = pe.Reason
	}
	return written + " never matches: " + why
}
