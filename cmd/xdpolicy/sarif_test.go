package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xdpolicy/xdpolicy/finding"
)

// The official SARIF 2.1.0 JSON schema (OASIS, as the schema store and
// Microsoft's SARIF tools ship it: sarif-2.1.0-rtm.5), kept in testdata so
// the tests read no network.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("sarif-schema-2.1.0.json")
})

// checkSARIF validates a SARIF log against the official schema and checks
// what GitHub code scanning requires on top: a driver name and version;
// every rule with a short and a full description, help as text and
// Markdown, a helpUri and tags, and a security-severity only when it is a
// security alert (never a note); every result with a rule, a message and a
// location whose URI is relative or has a scheme.
func checkSARIF(t *testing.T, b []byte) sarifLog {
	t.Helper()
	schema, err := sarifSchema()
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(doc), "the SARIF 2.1.0 schema")

	var log sarifLog
	require.NoError(t, json.Unmarshal(b, &log))
	for _, run := range log.Runs {
		d := run.Tool.Driver
		assert.NotEmpty(t, d.Name)
		assert.NotEmpty(t, d.Version, "driver.version")
		for _, r := range d.Rules {
			assert.NotEmpty(t, r.ShortDescription.Text, r.ID)
			if assert.NotNil(t, r.FullDescription, r.ID) {
				assert.NotEmpty(t, r.FullDescription.Text, r.ID)
			}
			if assert.NotNil(t, r.Help, r.ID) {
				assert.NotEmpty(t, r.Help.Text, r.ID)
				assert.NotEmpty(t, r.Help.Markdown, r.ID)
			}
			assert.True(t, strings.HasPrefix(r.HelpURI, "https://"), "%s helpUri %q", r.ID, r.HelpURI)
			if assert.NotNil(t, r.Properties, r.ID) {
				assert.NotEmpty(t, r.Properties.Tags, r.ID)
				if r.DefaultConfiguration != nil && r.DefaultConfiguration.Level == "note" {
					assert.Empty(t, r.Properties.SecuritySeverity, "%s: a note is not a security alert", r.ID)
				}
			}
		}
		for _, res := range run.Results {
			assert.NotEmpty(t, res.RuleID)
			assert.NotEmpty(t, res.Message.Text)
			for _, l := range res.Locations {
				uri := l.PhysicalLocation.ArtifactLocation.URI
				assert.False(t, strings.HasPrefix(uri, "/"), "an absolute path is a file:// URI, not %q", uri)
				assert.NotContains(t, uri, " ")
			}
		}
	}
	return log
}

// TestSARIFValid: every SARIF lint writes passes the schema and GitHub's
// rules: findings and reading diagnostics, an absolute path with a space,
// a file that cannot be read.
func TestSARIFValid(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my site")
	require.NoError(t, os.Mkdir(dir, 0o755))
	abs := filepath.Join(dir, "crossdomain.xml")
	require.NoError(t, os.WriteFile(abs, []byte(openFlash), 0o644))
	missing := filepath.Join(dir, "missing.xml")

	var stdout, stderr bytes.Buffer
	code := run([]string{"lint", "-sarif", "-strict", "-", abs, missing, flashExample}, strings.NewReader(openFlash), &stdout, &stderr)
	assert.Equal(t, 2, code, "a file that cannot be read: %s", stderr.String())
	log := checkSARIF(t, stdout.Bytes())
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, sarifVersion(toolVersion()), run.Tool.Driver.Version)
	assert.Regexp(t, `^[0-9]`, run.Tool.Driver.Version, "a version SARIF consumers can compare starts with a number")

	var uris []string
	for _, r := range run.Results {
		uris = append(uris, r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	}
	assert.Contains(t, uris, "file://"+filepath.ToSlash(dir)[:len(filepath.ToSlash(dir))-len("my site")]+"my%20site/crossdomain.xml")
	assert.Contains(t, uris, "stdin")
	assert.Contains(t, uris, "../../testdata/examples/crossdomain.xml")

	require.Len(t, run.Invocations, 1)
	inv := run.Invocations[0]
	assert.False(t, inv.ExecutionSuccessful, "a file could not be read")
	require.Len(t, inv.ToolExecutionNotifications, 1)
	assert.Contains(t, inv.ToolExecutionNotifications[0].Message.Text, "missing.xml")

	rules := map[string]sarifRule{}
	for _, r := range run.Tool.Driver.Rules {
		rules[r.ID] = r
	}
	assert.Equal(t, "note", rules["dead-entry"].DefaultConfiguration.Level)
	assert.Empty(t, rules["dead-entry"].Properties.SecuritySeverity, "info findings are notes, not security alerts")
	assert.Equal(t, "8.0", rules["open-access"].Properties.SecuritySeverity)
	assert.Contains(t, rules["open-access"].Properties.Tags, "security")
	if r, ok := rules["unknown-attribute"]; assert.True(t, ok) {
		assert.Contains(t, r.HelpURI, "#ReadingDocs")
		assert.NotContains(t, r.Properties.Tags, "security")
	}
}

// TestVersion: "xdpolicy version" and -version print the binary's
// version, the one the SARIF driver carries.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "-version", "--version"} {
		code, stdout, stderr := runCLI(arg)
		assert.Equal(t, 0, code, stderr)
		assert.Equal(t, "xdpolicy "+toolVersion()+"\n", stdout)
	}
	code, _, stderr := runCLI("version", "extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "takes no arguments")
	assert.NotEmpty(t, toolVersion())
}

// TestSARIFClassification: every rule carries its CWE and the WSTG test
// as tags, and a finding's result quotes the entry as written.
func TestSARIFClassification(t *testing.T) {
	code, stdout, stderr := runCLI("lint", "-sarif", flashExample)
	require.Equal(t, 0, code, stderr)
	log := checkSARIF(t, []byte(stdout))
	run := log.Runs[0]
	for _, r := range run.Tool.Driver.Rules[:len(finding.Docs)] {
		assert.Contains(t, r.Properties.Tags, "external/cwe/"+strings.ToLower(finding.CWE(r.ID)), r.ID)
		assert.Contains(t, r.Properties.Tags, "external/owasp/wstg-conf-08", r.ID)
	}
	snippets := 0
	for _, r := range run.Results {
		if reg := r.Locations[0].PhysicalLocation.Region; reg != nil && reg.Snippet != nil {
			assert.True(t, strings.HasPrefix(reg.Snippet.Text, "<"), reg.Snippet.Text)
			snippets++
		}
	}
	assert.Positive(t, snippets, "findings quote their entry")
}

func TestSARIFVersion(t *testing.T) {
	assert.Equal(t, "1.2.3", sarifVersion("v1.2.3"))
	assert.Equal(t, "0.0.0-20261202-abc", sarifVersion("v0.0.0-20261202-abc"))
	assert.Equal(t, "0.0.0-devel", sarifVersion("devel"))
	assert.Equal(t, "0.0.0-devel+3d9e1c6", sarifVersion("devel+3d9e1c6"))
}
