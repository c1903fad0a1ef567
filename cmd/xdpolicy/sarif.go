package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/match"
)

// The SARIF 2.1.0 log lint -sarif writes: one run, the tool's rules (every
// finding code, and the diagnostic codes that occur), one result per
// diagnostic and per finding. Only the properties code scanning services
// read are filled in.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	ColumnKind  string            `json:"columnKind"`
	Results     []sarifResult     `json:"results"`
}

// sarifInvocation says whether lint read every file; a file it could not
// read is a notification, since it has no results.
type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      *sarifText      `json:"fullDescription,omitempty"`
	Help                 *sarifText      `json:"help,omitempty"`
	HelpURI              string          `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifConfig    `json:"defaultConfiguration,omitempty"`
	Properties           *sarifRuleProps `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags,omitempty"`
	// SecuritySeverity is the 0-10 score GitHub code scanning ranks
	// security findings by.
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int        `json:"startLine"`
	StartColumn int        `json:"startColumn,omitempty"`
	Snippet     *sarifText `json:"snippet,omitempty"`
}

// sarifLevel maps a finding's level to a SARIF level.
func sarifLevel(l finding.Level) string {
	switch l {
	case finding.High:
		return "error"
	case finding.Medium, finding.Low:
		return "warning"
	}
	return "note"
}

// securitySeverity scores a level on GitHub's 0-10 scale (high 7.0-8.9,
// medium 4.0-6.9, low 0.1-3.9). An info finding is a note, not a security
// alert: it has none.
func securitySeverity(l finding.Level) string {
	switch l {
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.0"
	case finding.Low:
		return "3.0"
	}
	return ""
}

// findingRule is the SARIF rule of a finding code.
func findingRule(d finding.Doc) sarifRule {
	tags := []string{"cross-domain-policy", "external/cwe/" + strings.ToLower(finding.CWE(d.Code)), "external/owasp/" + strings.ToLower(finding.WSTG)}
	if d.Level > finding.Info {
		tags = append(tags, "security")
	}
	return sarifRule{
		ID:                   d.Code,
		ShortDescription:     sarifText{Text: d.Title},
		FullDescription:      &sarifText{Text: oneParagraph(d.Help)},
		Help:                 &sarifText{Text: d.Help, Markdown: helpMarkdown(d.Title, d.Help, finding.HelpURL(d.Code))},
		HelpURI:              finding.HelpURL(d.Code),
		DefaultConfiguration: &sarifConfig{Level: sarifLevel(d.Level)},
		Properties:           &sarifRuleProps{Tags: tags, SecuritySeverity: securitySeverity(d.Level)},
	}
}

// readingRule is the SARIF rule of a reading diagnostic's code: a part of
// a file the runtime rejected or ignored. It is not a security alert.
func readingRule(code string) sarifRule {
	d, ok := finding.ReadingDocFor(code)
	if !ok {
		d = finding.ReadingDoc{Code: code, Title: code, Help: "A diagnostic of the reading of the policy file."}
	}
	return sarifRule{
		ID:                   code,
		ShortDescription:     sarifText{Text: "policy file reading: " + d.Title},
		FullDescription:      &sarifText{Text: oneParagraph(d.Help)},
		Help:                 &sarifText{Text: d.Help, Markdown: helpMarkdown(d.Title, d.Help, finding.ReadingHelpURL(code))},
		HelpURI:              finding.ReadingHelpURL(code),
		DefaultConfiguration: &sarifConfig{Level: "warning"},
		Properties:           &sarifRuleProps{Tags: []string{"cross-domain-policy", "correctness"}},
	}
}

// oneParagraph joins the lines of a help text.
func oneParagraph(s string) string { return strings.Join(strings.Fields(s), " ") }

// helpMarkdown is a rule's help as Markdown: its title, the text, and a
// link to its documentation.
func helpMarkdown(title, help, uri string) string {
	return "**" + title + "**\n\n" + oneParagraph(help) + "\n\n[Documentation](" + uri + ")"
}

// sarifLocationOf locates a result in a file: a relative path as a
// relative URI, an absolute one as a file:// URI, a URL as itself; a file
// read from standard input is "stdin".
func sarifLocationOf(file string, pos match.Pos) []sarifLocation {
	uri := "stdin"
	switch {
	case file == "<stdin>":
	case strings.HasPrefix(file, "http://") || strings.HasPrefix(file, "https://") ||
		strings.HasPrefix(file, "xmlsocket://") || strings.HasPrefix(file, "tcp://"):
		uri = file
	case filepath.IsAbs(file):
		uri = (&url.URL{Scheme: "file", Path: filepath.ToSlash(file)}).String()
	default:
		uri = (&url.URL{Path: filepath.ToSlash(file)}).String()
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri}}}
	if pos.IsValid() {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: pos.Line, StartColumn: pos.Col}
	}
	return []sarifLocation{loc}
}

// withSnippet adds a finding's evidence, the entry as written, to its
// location's region.
func withSnippet(locs []sarifLocation, evidence string) []sarifLocation {
	if r := locs[0].PhysicalLocation.Region; r != nil && evidence != "" {
		r.Snippet = &sarifText{Text: evidence}
	}
	return locs
}

// writeSARIF writes lint's results as a SARIF 2.1.0 log.
func writeSARIF(w io.Writer, files []lintFile) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "xdpolicy",
			Version:        sarifVersion(toolVersion()),
			InformationURI: "https://github.com/xdpolicy/xdpolicy",
		}},
		ColumnKind: "unicodeCodePoints", // match.Pos counts characters
		Results:    []sarifResult{},
	}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, f := range files {
		if f.Error != "" {
			inv.ExecutionSuccessful = false
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
				sarifNotification{Level: "error", Message: sarifText{Text: f.Error}, Locations: sarifLocationOf(f.File, match.Pos{})})
		}
	}
	run.Invocations = []sarifInvocation{inv}
	index := map[string]int{}
	for _, d := range finding.Docs {
		index[d.Code] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, findingRule(d))
	}
	var diagCodes []string
	for _, f := range files {
		for _, d := range f.diags {
			if _, ok := index[d.Code]; !ok {
				index[d.Code] = -1
				diagCodes = append(diagCodes, d.Code)
			}
		}
	}
	sort.Strings(diagCodes)
	for _, code := range diagCodes {
		index[code] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, readingRule(code))
	}
	for _, f := range files {
		for _, d := range f.diags {
			level := "warning"
			if d.Severity == match.Error {
				level = "error"
			}
			run.Results = append(run.Results, sarifResult{RuleID: d.Code, RuleIndex: index[d.Code], Level: level,
				Message: sarifText{Text: d.Message}, Locations: sarifLocationOf(f.File, d.Pos)})
		}
		for _, a := range f.audit {
			run.Results = append(run.Results, sarifResult{RuleID: a.Code, RuleIndex: index[a.Code], Level: sarifLevel(a.Level),
				Message: sarifText{Text: a.Message}, Locations: withSnippet(sarifLocationOf(f.File, a.Pos), a.Evidence)})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

// sarifVersion is the binary's version as SARIF consumers compare it,
// starting with a number: "1.2.3" for v1.2.3, "0.0.0-devel+3d9e1c6" for
// a build from a checkout.
func sarifVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		v = "0.0.0-" + v
	}
	return v
}

// maxNotifications bounds the notifications a streamed log keeps (a
// survey of a million sites may have many unreachable ones); the rest are
// counted in one more.
const maxNotifications = 1000

// sarifStream writes a SARIF log of one run as its results come, so that
// audit -sarif over a long list holds no result in memory: the rules (every
// finding code) first, each result as it is added, the invocation (with
// the sites that could not be audited in whole) at the end.
type sarifStream struct {
	w       io.Writer
	index   map[string]int
	results int
	notes   []sarifNotification
	more    int
	ok      bool
	err     error
}

// newSARIFStream starts the log on w.
func newSARIFStream(w io.Writer) *sarifStream {
	s := &sarifStream{w: w, index: map[string]int{}, ok: true}
	driver := sarifDriver{Name: "xdpolicy", Version: sarifVersion(toolVersion()), InformationURI: "https://github.com/xdpolicy/xdpolicy"}
	for _, d := range finding.Docs {
		s.index[d.Code] = len(driver.Rules)
		driver.Rules = append(driver.Rules, findingRule(d))
	}
	tool, err := json.Marshal(sarifTool{Driver: driver})
	if err != nil {
		s.err = err
		return s
	}
	_, s.err = fmt.Fprintf(w, `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":%s,"columnKind":"unicodeCodePoints","results":[`, tool)
	return s
}

// finding adds a result.
func (s *sarifStream) finding(f finding.Finding) {
	i, ok := s.index[f.Code]
	if !ok || s.err != nil {
		return
	}
	b, err := json.Marshal(sarifResult{RuleID: f.Code, RuleIndex: i, Level: sarifLevel(f.Level),
		Message: sarifText{Text: f.Message}, Locations: withSnippet(sarifLocationOf(f.File, f.Pos), f.Evidence)})
	if err != nil {
		s.err = err
		return
	}
	if s.results > 0 {
		b = append([]byte{','}, b...)
	}
	s.results++
	_, s.err = s.w.Write(b)
}

// incomplete records that a site could not be audited, or only in part.
func (s *sarifStream) incomplete(level, message string) {
	s.ok = false
	if len(s.notes) == maxNotifications {
		s.more++
		return
	}
	s.notes = append(s.notes, sarifNotification{Level: level, Message: sarifText{Text: message}})
}

// close ends the log.
func (s *sarifStream) close() error {
	if s.err != nil {
		return s.err
	}
	notes := s.notes
	if s.more > 0 {
		notes = append(notes, sarifNotification{Level: "note", Message: sarifText{Text: fmt.Sprintf("and %d more sites not audited in whole", s.more)}})
	}
	inv, err := json.Marshal([]sarifInvocation{{ExecutionSuccessful: s.ok, ToolExecutionNotifications: notes}})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.w, `],"invocations":%s}]}`+"\n", inv)
	return err
}
