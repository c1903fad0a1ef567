package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/match"
)

// openFlash opens a site to everyone, with a dropped attribute.
const openFlash = `<?xml version="1.0"?>
<cross-domain-policy>
  <site-control permitted-cross-domain-policies="all"/>
  <allow-access-from domain="*" secure="false" colour="red"/>
</cross-domain-policy>
`

func TestLintAuditFindings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{name: "text", args: []string{"lint", "-"}, code: 0, stdout: []string{
			"<stdin>:4:48: warning: attribute colour on <allow-access-from> is not part of the format",
			"<stdin>:3:3: medium: permissive-site-control: site-control \"all\"",
			"<stdin>:4:3: high: open-access: ",
			"<stdin>:4:3: medium: insecure: ",
		}},
		{name: "fail-on high", args: []string{"lint", "-fail-on", "high", "-"}, code: 1},
		{name: "fail-on medium", args: []string{"lint", "-fail-on", "MEDIUM", "-"}, code: 1},
		{name: "fail-on bad", args: []string{"lint", "-fail-on", "critical", "-"}, code: 2, stderr: `-fail-on: unknown level "critical"`},
		{name: "json and sarif", args: []string{"lint", "-json", "-sarif", "-"}, code: 2, stderr: "choose one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(openFlash), &stdout, &stderr)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			for _, want := range tc.stdout {
				assert.Contains(t, stdout.String(), want)
			}
			assert.Contains(t, stderr.String(), tc.stderr)
		})
	}
	// A safe file stays silent whatever -fail-on says.
	var stdout, stderr bytes.Buffer
	code := run([]string{"lint", "-fail-on", "info", flashExample + "-safe"}, nil, &stdout, &stderr)
	assert.Equal(t, 2, code, "a missing file is an I/O error")
	safe := writeFile(t, "crossdomain.xml", `<cross-domain-policy><site-control permitted-cross-domain-policies="master-only"/><allow-access-from domain="www.example.com"/></cross-domain-policy>`)
	stdout.Reset()
	code = run([]string{"lint", "-fail-on", "info", safe}, nil, &stdout, &stderr)
	assert.Equal(t, 0, code)
	assert.Empty(t, stdout.String())
}

func TestLintAuditJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"lint", "-json", "-"}, strings.NewReader(openFlash), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var got []lintFile
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	require.Len(t, got, 1)
	require.Len(t, got[0].Findings, 1, "the reading's diagnostics stay under findings")
	assert.Equal(t, "unknown-attribute", got[0].Findings[0].Code)
	require.Len(t, got[0].Audit, 3)
	assert.Equal(t, auditFinding{File: "<stdin>", Line: 4, Column: 3, Level: "high", Code: "open-access", Spec: "https://pkg.go.dev/github.com/xdpolicy/xdpolicy/finding#Docs",
		Message: "any caller may read everything this file governs, with the user's cookies",
		CWE:     "CWE-942", WSTG: "WSTG-CONF-08", Evidence: `<allow-access-from domain="*" secure="false" colour="red"/>`}, got[0].Audit[2])

	// A clean file has an empty array, never null.
	stdout.Reset()
	require.Equal(t, 0, run([]string{"lint", "-json", "-"}, strings.NewReader(`<cross-domain-policy/>`), &stdout, &stderr))
	assert.Contains(t, stdout.String(), `"audit": []`)
}

func TestLintSARIF(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"lint", "-sarif", "-fail-on", "high", "-", flashExample}, strings.NewReader(openFlash), &stdout, &stderr)
	require.Equal(t, 1, code, stderr.String())
	log := checkSARIF(t, stdout.Bytes())
	assert.Equal(t, "2.1.0", log.Version)
	assert.Equal(t, "https://json.schemastore.org/sarif-2.1.0.json", log.Schema)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "xdpolicy", run.Tool.Driver.Name)
	assert.Equal(t, "unicodeCodePoints", run.ColumnKind)
	rules := run.Tool.Driver.Rules
	require.Len(t, rules, len(finding.Docs)+1, "every finding code, and the one diagnostic code that occurs")
	for i, d := range finding.Docs {
		assert.Equal(t, d.Code, rules[i].ID)
		assert.Equal(t, d.Help, rules[i].Help.Text)
		assert.Equal(t, d.Level > finding.Info, rules[i].Properties.SecuritySeverity != "", "%s: a security severity unless a note", d.Code)
	}
	assert.Equal(t, "unknown-attribute", rules[len(rules)-1].ID)
	var got []string
	for _, r := range run.Results {
		require.Equal(t, r.RuleID, rules[r.RuleIndex].ID, "ruleIndex points at the rule")
		require.Len(t, r.Locations, 1)
		l := r.Locations[0].PhysicalLocation
		reg := l.Region
		require.NotNil(t, reg)
		got = append(got, strings.Join([]string{l.ArtifactLocation.URI, r.RuleID, r.Level}, " ")+" "+jsonPos(reg))
	}
	assert.Equal(t, []string{
		"stdin unknown-attribute warning 4:48",
		"stdin permissive-site-control warning 3:3",
		"stdin insecure warning 4:3",
		"stdin open-access error 4:3",
		"../../testdata/examples/crossdomain.xml wide-wildcard warning 7:3",
		"../../testdata/examples/crossdomain.xml insecure warning 8:3",
		"../../testdata/examples/crossdomain.xml wide-wildcard warning 9:3",
	}, got)
}

func jsonPos(r *sarifRegion) string {
	return match.Pos{Line: r.StartLine, Col: r.StartColumn}.String()
}

// TestLintAgreesWithCheck: what lint reports about a file is what check
// decides with it. A master under site-control none grants nothing, so its
// grants are dead entries; a socket master reads by-content-type and
// by-ftp-filename as master-only, which is not permissive.
func TestLintAgreesWithCheck(t *testing.T) {
	off := writeFile(t, "crossdomain.xml", `<cross-domain-policy>
  <site-control permitted-cross-domain-policies="none"/>
  <allow-access-from domain="*"/>
</cross-domain-policy>`)
	code, stdout, stderr := runCLI("check", "-origin", "http://evil.example/x.swf", "-target", "http://victim.example/data", off)
	assert.Equal(t, 1, code, stdout+stderr)
	for _, args := range [][]string{{"lint"}, {"lint", "-strict"}} {
		code, stdout, stderr = runCLI(append(args, "-fail-on", "info", off)...)
		assert.Equal(t, 1, code, "%v: %s%s", args, stdout, stderr)
		assert.Contains(t, stdout, `crossdomain.xml:3:3: info: dead-entry: this allow-access-from is never used: the site-control permitted-cross-domain-policies="none" at 2:3 makes the meta-policy none, which switches this master off`)
		assert.NotContains(t, stdout, "open-access")
	}

	for _, v := range []string{"by-content-type", "by-ftp-filename"} {
		sock := writeFile(t, "socket.xml", `<cross-domain-policy><site-control permitted-cross-domain-policies="`+v+`"/><allow-access-from domain="a.example" to-ports="5000"/></cross-domain-policy>`)
		code, stdout, stderr = runCLI("lint", "-socket", sock)
		assert.Equal(t, 0, code, stdout+stderr)
		assert.Contains(t, stdout, "socket.xml:1:22: warning: site-control "+v+" means nothing for sockets; a socket policy takes none, master-only or all, and Flash Player reads it as master-only")
		assert.Contains(t, stdout, "info: dead-entry: site-control \""+v+"\" means nothing for sockets: Flash Player reads it as master-only here")
		assert.NotContains(t, stdout, "permissive-site-control")
	}
}

// TestLintUnreadableFile: a file lint cannot read is in the JSON and the
// SARIF it prints, not only on standard error.
func TestLintUnreadableFile(t *testing.T) {
	good := writeFile(t, "crossdomain.xml", `<cross-domain-policy><allow-access-from domain="www.example.com"/></cross-domain-policy>`)
	missing := filepath.Join(t.TempDir(), "missing.xml")
	code, stdout, stderr := runCLI("lint", "-json", good, missing)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "missing.xml")
	var files []lintFile
	require.NoError(t, json.Unmarshal([]byte(stdout), &files))
	require.Len(t, files, 2)
	assert.Empty(t, files[0].Error)
	assert.Equal(t, missing, files[1].File)
	assert.Contains(t, files[1].Error, "no such file")

	code, stdout, _ = runCLI("lint", "-sarif", good, missing)
	assert.Equal(t, 2, code)
	var log struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful        bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Level   string `json:"level"`
					Message struct{ Text string }
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &log))
	inv := log.Runs[0].Invocations[0]
	assert.False(t, inv.ExecutionSuccessful)
	require.Len(t, inv.ToolExecutionNotifications, 1)
	assert.Equal(t, "error", inv.ToolExecutionNotifications[0].Level)
	assert.Contains(t, inv.ToolExecutionNotifications[0].Message.Text, "missing.xml")

	_, stdout, _ = runCLI("lint", "-sarif", good)
	require.NoError(t, json.Unmarshal([]byte(stdout), &log))
	assert.True(t, log.Runs[0].Invocations[0].ExecutionSuccessful)
}

// TestLintTrust: with -trust, every caller the allowlist does not cover
// is an untrusted-caller finding, in every format; -fail-on gates on it.
func TestLintTrust(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "partners.txt")
	require.NoError(t, os.WriteFile(list, []byte("# our partners\nwww.partner.example\n*.cdn.example\n"), 0o644))
	for _, tt := range []struct {
		name, body string
		want       int // untrusted-caller findings
	}{
		{"crossdomain.xml", `<cross-domain-policy><allow-access-from domain="www.partner.example"/><allow-access-from domain="old.partner.example"/></cross-domain-policy>`, 1},
		{"clientaccesspolicy.xml", `<access-policy><cross-domain-access><policy><allow-from><domain uri="https://img.cdn.example"/><domain uri="*"/></allow-from><grant-to><resource path="/api"/></grant-to></policy></cross-domain-access></access-policy>`, 1},
		{"cross-domain-policy.xml", `<cross-domain-policy><allow from="*.partner.example" to="api/"/></cross-domain-policy>`, 1},
		{"safe.xml", `<cross-domain-policy><allow-access-from domain="www.partner.example"/></cross-domain-policy>`, 0},
	} {
		file := filepath.Join(dir, tt.name)
		require.NoError(t, os.WriteFile(file, []byte(tt.body), 0o644))
		code, stdout, stderr := runCLI("lint", "-trust", list, "-fail-on", "medium", file)
		assert.Equal(t, strings.Count(stdout, "untrusted-caller"), tt.want, "%s: %s", tt.name, stdout)
		if tt.want > 0 {
			assert.Equal(t, 1, code, "%s: %s", tt.name, stderr)
		}
	}
	code, _, stderr := runCLI("lint", "-trust", filepath.Join(dir, "none.txt"), filepath.Join(dir, "safe.xml"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-trust: open")
	bad := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(bad, []byte("ok.example\nwww.*.example\n"), 0o644))
	code, _, stderr = runCLI("lint", "-trust", bad, filepath.Join(dir, "safe.xml"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "line 2")
}
