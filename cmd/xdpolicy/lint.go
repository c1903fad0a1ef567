package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/xdpolicy/xdpolicy"
	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/match"
)

type lintFlags struct {
	runtime, format string
	strict, json    bool
	sarif, socket   bool
	failOn, trust   string
}

func (f *lintFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.runtime, "runtime", "", "whose reading to apply: flash, silverlight or mozilla (default: the format's own runtime)")
	fs.StringVar(&f.format, "format", "", "the files' format: crossdomain, clientaccess or mozpolicy (default: detected per file)")
	fs.BoolVar(&f.strict, "strict", false, "validate against the published format: every deviation is an error, and any\ndiagnostic fails (audit findings fail only with -fail-on)")
	fs.BoolVar(&f.json, "json", false, "print one JSON array with an object per file")
	fs.BoolVar(&f.sarif, "sarif", false, "print a SARIF 2.1.0 log, for code scanning in CI")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 1 when an audit finding is at this level or above: info, low, medium or high\n(default: findings do not change the exit status)")
	fs.StringVar(&f.trust, "trust", "", trustUsage)
	fs.BoolVar(&f.socket, "socket", false, "read crossdomain.xml files as Flash socket policies served from port 843\n(automatic for a file whose text ends in a NUL)")
}

func lintCommand() *command {
	cmd := &command{
		name:    "lint",
		summary: "report what a runtime makes of policy files",
		usage:   "lint [-runtime R] [-format F] [-strict] [-socket] [-trust FILE] [-fail-on LEVEL] [-json | -sarif] FILE...",
		help: `lint reads each FILE the runtime's way (or, with -strict, against the published
format) and prints one line per diagnostic of the reading:

	FILE:LINE:COL: error|warning: MESSAGE

Errors are what makes the runtime reject the file whole; warnings are what it
drops or ignores. Then, for a file the runtime accepts, one line per audit
finding: a grant wider than a site likely means, or an entry that does
nothing (run 'xdpolicy help findings' for the codes):

	FILE:LINE:COL: info|low|medium|high: CODE: MESSAGE

FILE may be - for standard input. The runtime is -runtime, else the own
runtime of -format, else that of the format each FILE shows (its root element,
found past comments, processing instructions and the DOCTYPE, in UTF-8 or
UTF-16; failing that its name). That runtime reads the FILE as it reads its
formats, so a file it cannot read is rejected (exit 1). A FILE whose format
cannot be told without -runtime is a usage error.

-json prints an array with an object per file: the reading's diagnostics
under "findings" (the key predates the audit) and the audit findings under
"audit". -sarif prints both as a SARIF 2.1.0 log: diagnostics with their
severity, findings at error (high), warning (medium, low) or note (info),
each rule with its help text.

lint exits 0 when the runtime accepts every file (warnings allowed), 1 when it
rejects some file whole (with -strict: when there is any diagnostic; with
-fail-on: when a finding is at that level or above), and 2 on usage or I/O
errors.

Example:

	xdpolicy lint testdata/examples/*.xml
	xdpolicy lint -sarif -fail-on medium site/crossdomain.xml > xdpolicy.sarif
`,
	}
	cmd.flags = func(c *cli) *flag.FlagSet {
		fs := flag.NewFlagSet("lint", flag.ContinueOnError)
		new(lintFlags).set(fs)
		return fs
	}
	cmd.run = func(c *cli, args []string) int { return c.lint(cmd, args) }
	return cmd
}

type lintFinding struct {
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// auditFinding is a finding.Finding in JSON.
type auditFinding struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Level   string `json:"level"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Spec    string `json:"spec,omitempty"`
	// CWE and WSTG classify the code; Evidence is the entry as written.
	CWE      string `json:"cwe,omitempty"`
	WSTG     string `json:"wstg,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}

func jsonFindings(fs []finding.Finding) []auditFinding {
	out := []auditFinding{}
	for _, f := range fs {
		out = append(out, auditFinding{File: f.File, Line: f.Pos.Line, Column: f.Pos.Col, Level: f.Level.String(), Code: f.Code, Message: f.Message, Spec: finding.HelpURL(f.Code),
			CWE: finding.CWE(f.Code), WSTG: finding.WSTG, Evidence: f.Evidence})
	}
	return out
}

type lintFile struct {
	File string `json:"file"`
	// Error says why the file could not be read (then only File is set).
	Error    string         `json:"error,omitempty"`
	Format   string         `json:"format,omitempty"`
	Runtime  string         `json:"runtime,omitempty"`
	Strict   bool           `json:"strict"`
	Accepted bool           `json:"accepted"`
	Findings []lintFinding  `json:"findings"` // the reading's diagnostics
	Audit    []auditFinding `json:"audit"`

	diags []match.Diagnostic
	audit []finding.Finding
}

func (c *cli) lint(cmd *command, args []string) int {
	var f lintFlags
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	f.set(fs)
	files, code, ok := c.parseFlags(cmd, fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		return c.usageError(cmd, "name at least one policy FILE (- for standard input)")
	}
	if f.json && f.sarif {
		return c.usageError(cmd, "-json and -sarif are two output formats; choose one")
	}
	var failOn finding.Level
	if f.failOn != "" {
		l, err := finding.ParseLevel(f.failOn)
		if err != nil {
			return c.usageError(cmd, "-fail-on: %v", err)
		}
		failOn = l
	}
	trust, err := loadTrust(f.trust)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	exit := exitOK
	worse := func(code int) {
		if code > exit {
			exit = code
		}
	}
	var results []lintFile
	for _, name := range files {
		// A file that cannot be read is said on standard error and, with
		// -json or -sarif, in the output too.
		unreadable := func(err error) {
			fmt.Fprintf(c.stderr, "xdpolicy lint: %v\n", err)
			results = append(results, lintFile{File: displayName(name), Error: err.Error(), Findings: []lintFinding{}, Audit: []auditFinding{}})
			worse(exitUsage)
		}
		b, err := c.readInput(name)
		if err != nil {
			unreadable(err)
			continue
		}
		rt, format, err := resolve(b, name, f.format, f.runtime)
		if err != nil {
			unreadable(fmt.Errorf("%s: %w", displayName(name), err))
			continue
		}
		rd, err := xdpolicy.Read(rt, b, xdpolicy.ReadOptions{Format: format, Name: name, Source: displayName(name), Strict: f.strict, Socket: f.socket || xdpolicy.SocketReply(b), Trust: trust})
		if err != nil {
			unreadable(fmt.Errorf("%s: %w", displayName(name), err))
			continue
		}
		res := lintFile{File: displayName(name), Format: rd.Format.String(), Runtime: rt.String(), Strict: f.strict, Accepted: rd.Err == nil, Findings: []lintFinding{},
			diags: rd.Diagnostics, audit: withEvidence(rd.Lint(), b)}
		res.Audit = jsonFindings(res.audit)
		for _, d := range rd.Diagnostics {
			res.Findings = append(res.Findings, lintFinding{Line: d.Pos.Line, Column: d.Pos.Col, Severity: d.Severity.String(), Code: d.Code, Message: d.Message})
			if !f.json && !f.sarif {
				fmt.Fprintf(c.stdout, "%s:%d:%d: %s: %s\n", displayName(name), d.Pos.Line, d.Pos.Col, d.Severity, d.Message)
			}
		}
		for _, a := range res.audit {
			if !f.json && !f.sarif {
				fmt.Fprintln(c.stdout, a)
			}
			if failOn != 0 && a.Level >= failOn {
				worse(exitNo)
			}
		}
		results = append(results, res)
		if rd.Err != nil || (f.strict && len(rd.Diagnostics) > 0) {
			worse(exitNo)
		}
	}
	if f.sarif {
		if err := writeSARIF(c.stdout, results); err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy lint: %v\n", err)
			return exitUsage
		}
	}
	if f.json {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if results == nil {
			results = []lintFile{}
		}
		if err := enc.Encode(results); err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy lint: %v\n", err)
			return exitUsage
		}
	}
	return exit
}

const trustUsage = "an allowlist of the callers your organisation trusts, host patterns one a line\n(www.partner.example, *.partner.example): every trusted caller it does not cover\nis an untrusted-caller finding (medium)"

// loadTrust reads -trust FILE, or returns nil without one.
func loadTrust(name string) (*finding.Allowlist, error) {
	if name == "" {
		return nil, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("-trust: %w", err)
	}
	defer f.Close()
	a, err := finding.ParseAllowlist(f)
	if err != nil {
		return nil, fmt.Errorf("-trust %s: %w", name, err)
	}
	return a, nil
}

// withEvidence fills in each finding's entry as it stands in src.
func withEvidence(fs []finding.Finding, src []byte) []finding.Finding {
	finding.AddEvidence(fs, src)
	return fs
}
