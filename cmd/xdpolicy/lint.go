package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/xdpolicy/xdpolicy/internal/policyfile"
)

type lintFlags struct {
	runtime, format string
	strict, json    bool
	socket          bool
}

func (f *lintFlags) set(fs *flag.FlagSet) {
	fs.StringVar(&f.runtime, "runtime", "", "whose reading to apply: flash, silverlight or mozilla (default: the format's own runtime)")
	fs.StringVar(&f.format, "format", "", "the files' format: crossdomain, clientaccess or mozpolicy (default: detected per file)")
	fs.BoolVar(&f.strict, "strict", false, "validate against the published format: every deviation is an error, and any finding fails")
	fs.BoolVar(&f.json, "json", false, "print one JSON array with an object per file")
	fs.BoolVar(&f.socket, "socket", false, "read crossdomain.xml files as Flash socket policies served from port 843\n(automatic for a file that ends in a NUL byte)")
}

func lintCommand() *command {
	cmd := &command{
		name:    "lint",
		summary: "report what a runtime makes of policy files",
		usage:   "lint [-runtime R] [-format F] [-strict] [-socket] [-json] FILE...",
		help: `lint reads each FILE the runtime's way (or, with -strict, against the published
format) and prints one line per finding:

	FILE:LINE:COL: error|warning: MESSAGE

Errors are what makes the runtime reject the file whole; warnings are what it
drops or ignores. FILE may be - for standard input.

lint exits 0 when the runtime accepts every file (warnings allowed), 1 when it
rejects some file whole (with -strict: when there is any finding), and 2 on
usage or I/O errors.

Example:

	xdpolicy lint testdata/examples/*.xml
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

type lintFile struct {
	File     string        `json:"file"`
	Format   string        `json:"format"`
	Runtime  string        `json:"runtime"`
	Strict   bool          `json:"strict"`
	Accepted bool          `json:"accepted"`
	Findings []lintFinding `json:"findings"`
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
	exit := exitOK
	worse := func(code int) {
		if code > exit {
			exit = code
		}
	}
	var results []lintFile
	for _, name := range files {
		b, err := c.readInput(name)
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy lint: %v\n", err)
			worse(exitUsage)
			continue
		}
		format, rt, err := resolve(b, f.format, f.runtime)
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy lint: %s: %v\n", displayName(name), err)
			worse(exitUsage)
			continue
		}
		rd, err := policyfile.Read(b, format, rt, policyfile.Options{Strict: f.strict, Socket: f.socket || bytes.HasSuffix(b, []byte{0})})
		if err != nil {
			fmt.Fprintf(c.stderr, "xdpolicy lint: %s: %v\n", displayName(name), err)
			worse(exitUsage)
			continue
		}
		res := lintFile{File: displayName(name), Format: string(format), Runtime: string(rt), Strict: f.strict, Accepted: rd.Err == nil, Findings: []lintFinding{}}
		for _, d := range rd.Diags {
			res.Findings = append(res.Findings, lintFinding{Line: d.Pos.Line, Column: d.Pos.Col, Severity: d.Severity.String(), Code: d.Code, Message: d.Message})
			if !f.json {
				fmt.Fprintf(c.stdout, "%s:%d:%d: %s: %s\n", displayName(name), d.Pos.Line, d.Pos.Col, d.Severity, d.Message)
			}
		}
		results = append(results, res)
		if rd.Err != nil || (f.strict && len(rd.Diags) > 0) {
			worse(exitNo)
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
