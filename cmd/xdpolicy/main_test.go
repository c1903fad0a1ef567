package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	example       = "../../testdata/examples/clientaccesspolicy.xml"
	flashExample  = "../../testdata/examples/crossdomain.xml"
	socketExample = "../../testdata/examples/socketpolicy.xml"
	mozExample    = "../../testdata/examples/cross-domain-policy.xml"
)

const mozBroken = `<cross-domain-policy xmlns="http://somedomain/2005/cross-domain-policy">
  <allow type="SOAP" from="*.*.example" to="../admin/"/>
  <allow type="load" to="feeds"/>
</cross-domain-policy>
`

// writeFile writes a policy into a temporary directory and returns its path.
func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

const rejected = `<access-policy>
  <cross-domain-access>
    <policy>
      <allow-from><domain uri="*"/></allow-from>
      <grant-to><resource path="/" include-subpaths="yes"/></grant-to>
    </policy>
  </cross-domain-access>
</access-policy>
`

const dropped = `<access-policy>
  <cross-domain-access>
    <policy>
      <allow-from><domain url="*"/></allow-from>
      <grant-to><resource path="/"/></grant-to>
    </policy>
  </cross-domain-access>
</access-policy>
`

const silverlightCrossDomain = `<?xml version="1.0"?>
<cross-domain-policy>
  <allow-access-from domain="*"/>
</cross-domain-policy>
`

func TestRun(t *testing.T) {
	rej := writeFile(t, "rejected.xml", rejected)
	drop := writeFile(t, "dropped.xml", dropped)
	cd := writeFile(t, "crossdomain.xml", silverlightCrossDomain)
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string // substrings of standard output
		stderr []string // substrings of standard error
	}{
		{name: "allowed", args: []string{"check", "-origin", "http://app.example.net/app.xap", "-target", "http://api.example.com/data/feed.xml", example},
			code: 0, stdout: []string{"allow: <policy> at 6:5 in " + example}},
		{name: "flags after the file", args: []string{"check", example, "-origin", "http://app.example.net/app.xap", "-target", "http://api.example.com/data/feed.xml"},
			code: 0, stdout: []string{"allow: "}},
		{name: "denied", args: []string{"check", "-origin", "http://evil.example/app.xap", "-target", "http://api.example.com/data/feed.xml", example},
			code: 1, stdout: []string{"deny: no rule in " + example + " admits http://evil.example/app.xap"}},
		{name: "denied header", args: []string{"check", "-origin", "http://app.example.net/app.xap", "-target", "http://api.example.com/data/x", "-method", "POST", "-header", "X-API-Key", "-header", "Authorization", example},
			code: 1, stdout: []string{"but not request header Authorization"}},
		{name: "denied method", args: []string{"check", "-origin", "http://app.example.net/app.xap", "-target", "http://api.example.com/data/x", "-method", "DELETE", example},
			code: 1, stdout: []string{"not method DELETE"}},
		{name: "socket", args: []string{"check", "-origin", "http://app.example.net/app.xap", "-target", "tcp://api.example.com:4502", example},
			code: 1, stdout: []string{"deny: ", "4502"}},
		{name: "rejected file denies", args: []string{"check", "-origin", "http://a.example/a.xap", "-target", "http://b.example/", rej},
			code: 1, stdout: []string{"deny: the silverlight runtime rejects", `include-subpaths="yes"`}},
		{name: "stdin", args: []string{"check", "-origin", "http://a.example/a.xap", "-target", "http://b.example/", "-"}, stdin: rejected,
			code: 1, stdout: []string{"<stdin>"}},
		{name: "silverlight reading crossdomain.xml", args: []string{"check", "-runtime", "silverlight", "-origin", "http://a.example/a.xap", "-target", "http://b.example/x", cd},
			code: 0, stdout: []string{`allow: <allow-access-from domain="*"> at 3:3`}},
		{name: "missing origin", args: []string{"check", "-target", "http://b.example/", example},
			code: 2, stderr: []string{"-origin is required"}},
		{name: "missing target", args: []string{"check", "-origin", "http://b.example/", example},
			code: 2, stderr: []string{"-target is required"}},
		{name: "network flags with a FILE", args: []string{"check", "-origin", "http://a.example/", "-target", "http://b.example/", "-insecure", example},
			code: 2, stderr: []string{"apply to a lookup, without FILE"}},
		{name: "-timeout at its default with a FILE", args: []string{"check", "-origin", "http://a.example/", "-target", "http://b.example/", "-timeout", "5s", example},
			code: 2, stderr: []string{"apply to a lookup, without FILE"}},
		{name: "two files", args: []string{"check", "-origin", "http://a.example/", "-target", "http://b.example/", example, example},
			code: 2, stderr: []string{"one FILE, got 2"}},
		{name: "bad origin", args: []string{"check", "-origin", "ftp://a.example/", "-target", "http://b.example/", example},
			code: 2, stderr: []string{"ftp"}},
		{name: "bad target", args: []string{"check", "-origin", "http://a.example/", "-target", "b.example", example},
			code: 2, stderr: []string{"b.example"}},
		{name: "unknown runtime", args: []string{"check", "-runtime", "java", "-origin", "http://a.example/", "-target", "http://b.example/", example},
			code: 2, stderr: []string{"java"}},
		{name: "unknown flag", args: []string{"check", "-frobnicate", example},
			code: 2, stderr: []string{"frobnicate"}},
		{name: "unreadable file", args: []string{"check", "-origin", "http://a.example/", "-target", "http://b.example/", filepath.Join(dir, "nope.xml")},
			code: 2, stderr: []string{"nope.xml"}},
		{name: "a directory", args: []string{"check", "-origin", "http://a.example/", "-target", "http://b.example/", dir},
			code: 2, stderr: []string{"is a directory"}},
		{name: "not a policy", args: []string{"check", "-origin", "http://a.example/", "-target", "http://b.example/", "-"}, stdin: "<html/>",
			code: 2, stderr: []string{"-format"}},

		{name: "lint clean", args: []string{"lint", example}, code: 0},
		{name: "lint warnings", args: []string{"lint", drop}, code: 0,
			stdout: []string{drop + ":4:19: warning: <domain> has no uri attribute", "(did you mean uri?)"}},
		{name: "lint strict", args: []string{"lint", "-strict", drop}, code: 1, stdout: []string{drop + ":4:19: error: "}},
		{name: "lint rejected", args: []string{"lint", example, rej}, code: 1, stdout: []string{rej + ":5:36: error: include-subpaths=\"yes\""}},
		{name: "lint unreadable", args: []string{"lint", rej, filepath.Join(dir, "nope.xml")}, code: 2, stdout: []string{rej}, stderr: []string{"nope.xml"}},
		{name: "lint no file", args: []string{"lint"}, code: 2, stderr: []string{"name at least one"}},
		{name: "lint silverlight crossdomain", args: []string{"lint", "-runtime", "silverlight", cd}, code: 0},

		{name: "flash allowed with a header", args: []string{"check", "-origin", "https://www.partner.example/app.swf", "-target", "https://api.example.com/feed", "-header", "SOAPAction", flashExample},
			code: 0, stdout: []string{`allow: <allow-http-request-headers-from domain="*.partner.example"> at 9:3`}},
		{name: "flash secure", args: []string{"check", "-origin", "http://www.partner.example/app.swf", "-target", "https://api.example.com/feed", flashExample},
			code: 1, stdout: []string{"only over HTTPS"}},
		{name: "flash secure=false", args: []string{"check", "-origin", "http://app.example.net/app.swf", "-target", "https://api.example.com/feed", flashExample},
			code: 0, stdout: []string{`allow: <allow-access-from domain="app.example.net"> at 8:3`}},
		{name: "flash socket", args: []string{"check", "-origin", "http://www.example.com/chat.swf", "-target", "xmlsocket://chat.example.com:9001", socketExample},
			code: 0, stdout: []string{"grants port 9001"}},
		{name: "flash socket outside to-ports", args: []string{"check", "-origin", "http://www.example.com/chat.swf", "-target", "xmlsocket://chat.example.com:80", socketExample},
			code: 1, stdout: []string{"does not grant port 80"}},
		{name: "flash HTTP policy for a socket", args: []string{"check", "-runtime", "flash", "-origin", "http://www.partner.example/a.swf", "-target", "xmlsocket://api.example.com:9001", flashExample},
			code: 1, stdout: []string{"deny: "}},
		{name: "flash never sends Cookie", args: []string{"check", "-origin", "https://www.partner.example/app.swf", "-target", "https://api.example.com/feed", "-header", "Cookie", flashExample},
			code: 1, stdout: []string{"never sends request header Cookie"}},
		{name: "flash lint", args: []string{"lint", flashExample, socketExample}, code: 0},
		{name: "flash lint strict", args: []string{"lint", "-strict", "../../testdata/realworld/flash/07-xsi-schema.xml"}, code: 1, stdout: []string{"07-xsi-schema.xml:4:3: error: "}},
		{name: "flash lint rejected", args: []string{"lint", "../../testdata/realworld/flash/20-unclosed.xml"}, code: 1, stdout: []string{"20-unclosed.xml:4:1: error: not well-formed XML"}},
		{name: "flash lint -socket", args: []string{"lint", "-socket", "../../testdata/realworld/flash/11-socket-all-ports.xml"}, code: 0},
		{name: "flash lint without -socket", args: []string{"lint", "../../testdata/realworld/flash/11-socket-all-ports.xml"}, code: 0, stdout: []string{"to-ports is ignored in an HTTP policy"}},
		// A runtime named reads the bytes its way: Flash Player rejects a
		// clientaccesspolicy.xml, and the draft's client finds no <allow>
		// in a crossdomain.xml.
		{name: "flash rejects clientaccesspolicy.xml", args: []string{"lint", "-runtime", "flash", example}, code: 1,
			stdout: []string{"clientaccesspolicy.xml:4:1: error: root element is <access-policy>, not <cross-domain-policy>; Flash Player rejects the file"}},
		{name: "flash does not read the clientaccess format", args: []string{"lint", "-runtime", "flash", "-format", "clientaccess", example}, code: 2,
			stderr: []string{"Flash Player does not read clientaccesspolicy.xml files; it reads crossdomain.xml"}},

		{name: "mozilla allowed", args: []string{"check", "-type", "load", "-origin", "http://anyone.example/page.html", "-target", "http://www.example.org/feeds/news.xml", mozExample},
			code: 0, stdout: []string{`allow: <allow type="load" from="*" to="feeds/"> at 4:3 in ` + mozExample}},
		{name: "mozilla explicit runtime and format", args: []string{"check", "-runtime", "mozilla", "-format", "mozpolicy", "-type", "soap", "-origin", "https://a.partner.example/", "-target", "http://www.example.org/services/quote", mozExample},
			code: 0, stdout: []string{`allow: <allow type="soap" from="*.partner.example" to="services/"> at 6:3`}},
		{name: "mozilla wrong type", args: []string{"check", "-type", "save", "-origin", "http://anyone.example/page.html", "-target", "http://www.example.org/feeds/news.xml", mozExample},
			code: 1, stdout: []string{"but not type save (it admits load)"}},
		{name: "mozilla no type", args: []string{"check", "-origin", "http://anyone.example/page.html", "-target", "http://www.example.org/feeds/news.xml", mozExample},
			code: 1, stdout: []string{"the request names no type"}},
		{name: "mozilla delegation", args: []string{"check", "-type", "xml", "-origin", "http://anyone.example/page.html", "-target", "http://www.example.org/users/alice/feed.xml", mozExample},
			code: 1, stdout: []string{"deny: ", "delegates the decision to http://www.example.org/users/cross-domain-policy.xml"}},
		{name: "mozilla apex is not under the wildcard", args: []string{"check", "-type", "soap", "-origin", "https://partner.example/", "-target", "http://www.example.org/services/quote", mozExample},
			code: 1, stdout: []string{"deny: ", "does not grant /services/quote"}},
		{name: "mozilla path escape", args: []string{"check", "-type", "load", "-origin", "http://anyone.example/", "-target", "http://www.example.org/feeds/%2e%2e/admin", mozExample},
			code: 1, stdout: []string{"deny: "}},
		{name: "mozilla socket", args: []string{"check", "-type", "xml", "-origin", "http://anyone.example/", "-target", "xmlsocket://www.example.org:9000", mozExample},
			code: 1, stdout: []string{"HTTP and HTTPS only"}},
		{name: "mozilla bad type", args: []string{"check", "-type", "LOAD", "-origin", "http://a.example/", "-target", "http://b.example/", mozExample},
			code: 2, stderr: []string{`-type "LOAD" is not a service type`}},
		{name: "type under flash", args: []string{"check", "-type", "load", "-origin", "http://a.example/", "-target", "http://b.example/", flashExample},
			code: 2, stderr: []string{"-runtime mozilla"}},
		{name: "mozilla finds no allow in crossdomain.xml", args: []string{"check", "-runtime", "mozilla", "-origin", "http://a.example/", "-target", "http://b.example/", flashExample},
			code: 1, stdout: []string{"deny: no rule in " + flashExample + " admits http://a.example/ (it admits no caller at all)"}},
		{name: "mozilla lint", args: []string{"lint", mozExample}, code: 0},
		{name: "mozilla lint warnings", args: []string{"lint", "-"}, stdin: mozBroken, code: 0,
			stdout: []string{`<stdin>:2:10: warning: type "SOAP" is not any`, "<stdin>:2:22: warning: from", `<stdin>:2:41: warning: to "../admin/" never matches`}},
		{name: "mozilla lint strict", args: []string{"lint", "-strict", "-"}, stdin: mozBroken, code: 1,
			stdout: []string{`<stdin>:3:22: error: to names a directory; write "feeds/"`}},
		{name: "mozilla lint rejected", args: []string{"lint", "-format", "mozpolicy", "-"}, stdin: `<cross-domain-policy xmlns="urn:x"><allow/></cross-domain-policy>`, code: 1,
			stdout: []string{`<stdin>:1:1: error: <cross-domain-policy> is in namespace "urn:x"`}},

		{name: "no command", args: nil, code: 2, stderr: []string{"check", "lint"}},
		{name: "unknown command", args: []string{"frob"}, code: 2, stderr: []string{`unknown command "frob"`}},
		{name: "help", args: []string{"help"}, code: 0, stdout: []string{"check", "lint"}},
		{name: "help check", args: []string{"help", "check"}, code: 0, stdout: []string{"-origin", "-target", "-header", "Example"}},
		{name: "check -h", args: []string{"check", "-h"}, code: 0, stdout: []string{"-origin", "Example"}},
		{name: "help lint", args: []string{"help", "lint"}, code: 0, stdout: []string{"-strict", "-sarif", "-fail-on", "Example"}},
		{name: "help findings", args: []string{"help", "findings"}, code: 0, stdout: []string{"open-access (high): ", "\tFlash domain=\"*\"", "missing-meta-policy-header (low): "}},
		{name: "help unknown", args: []string{"help", "frob"}, code: 2, stderr: []string{`unknown topic "frob"`, "findings"}},
		{name: "help help", args: []string{"help", "help"}, code: 0, stdout: []string{"Commands:", "help   explain a command"}},
		{name: "help lint says what -strict fails on", args: []string{"help", "lint"}, code: 0, stdout: []string{"any\n    \tdiagnostic fails (audit findings fail only with -fail-on)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			for _, s := range tt.stdout {
				assert.Contains(t, stdout.String(), s)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, stderr.String(), s)
			}
			if tt.code == 0 || tt.code == 1 {
				if len(tt.stderr) == 0 {
					assert.Empty(t, stderr.String())
				}
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"check", "-json", "-origin", "http://app.example.net/app.xap", "-target", "http://api.example.com/database", example}, nil, &stdout, &stderr)
	require.Equal(t, 1, code, stderr.String())
	var got map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	assert.Equal(t, false, got["allowed"])
	assert.Equal(t, "not-granted", got["code"])
	assert.Equal(t, "silverlight", got["runtime"])
	assert.Equal(t, "clientaccess", got["format"])
	assert.Equal(t, example, got["file"])
	assert.Equal(t, float64(6), got["line"])
	assert.Contains(t, got["reason"], "does not grant /database")

	rej := writeFile(t, "rejected.xml", rejected)
	stdout.Reset()
	code = run([]string{"check", "-json", "-origin", "http://a.example/", "-target", "http://b.example/", rej}, nil, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	assert.Equal(t, "rejected", got["code"])
	assert.Equal(t, float64(5), got["line"], "a rejection points at its reason")
	assert.Equal(t, float64(36), got["column"])
}

func TestLintJSON(t *testing.T) {
	drop := writeFile(t, "dropped.xml", dropped)
	var stdout, stderr bytes.Buffer
	code := run([]string{"lint", "-json", drop, example}, nil, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var got []lintFile
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	require.Len(t, got, 2)
	assert.Equal(t, drop, got[0].File)
	assert.True(t, got[0].Accepted)
	require.Len(t, got[0].Findings, 2)
	assert.Equal(t, lintFinding{Line: 4, Column: 19, Severity: "warning", Code: "missing-attribute", Message: "<domain> has no uri attribute, so it admits no caller"}, got[0].Findings[0])
	assert.Equal(t, []lintFinding{}, got[1].Findings)
}

// TestBinary builds the command and runs it on vectors of the Silverlight
// conformance suite, checking exit codes and output as a script would.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "xdpolicy")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	b, err := os.ReadFile("../../testdata/conformance/silverlight.json")
	require.NoError(t, err)
	var vectors []struct {
		Name, Mode, Origin, Target, Method, Policy, Expect string
		Headers                                            []string
	}
	require.NoError(t, json.Unmarshal(b, &vectors))
	ran := map[string]int{}
	for i, v := range vectors {
		// Every lint vector and every third file vector keep the run short.
		if v.Mode == "fetch" || v.Mode == "file" && i%3 != 0 {
			continue
		}
		args := []string{"lint", "-"}
		want := map[string]int{"accepted": 0, "rejected": 1}[v.Expect]
		if v.Mode == "file" {
			args = []string{"check", "-runtime", "silverlight", "-origin", v.Origin, "-target", v.Target}
			if v.Method != "" {
				args = append(args, "-method", v.Method)
			}
			for _, h := range v.Headers {
				args = append(args, "-header", h)
			}
			args = append(args, "-")
			want = map[string]int{"allow": 0, "deny": 1}[v.Expect]
		}
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(v.Policy)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		assert.Equal(t, want, code, "%s: %v\nstdout: %s\nstderr: %s", v.Name, args, stdout.String(), stderr.String())
		if v.Mode == "file" {
			assert.True(t, strings.HasPrefix(stdout.String(), v.Expect+": "), "%s: %s", v.Name, stdout.String())
		}
		ran[v.Mode]++
	}
	assert.Greater(t, ran["file"], 20)
	assert.Equal(t, 2, ran["lint"])

	// mozilla.json: the vectors one file answers (their site holds only
	// the root file) run through check with that file on standard input.
	b, err = os.ReadFile("../../testdata/conformance/mozilla.json")
	require.NoError(t, err)
	var moz []struct {
		Name, Origin, Target, Type, Expect string
		HTTP                               map[string]struct{ Body string }
	}
	require.NoError(t, json.Unmarshal(b, &moz))
	for _, v := range moz {
		if len(v.HTTP) != 1 {
			continue
		}
		var body string
		for _, r := range v.HTTP {
			body = r.Body
		}
		args := []string{"check", "-runtime", "mozilla", "-format", "mozpolicy", "-type", v.Type, "-origin", v.Origin, "-target", v.Target, "-"}
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(body)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		want := map[string]int{"allow": 0, "deny": 1}[v.Expect]
		assert.Equal(t, want, code, "%s: %v\nstdout: %s\nstderr: %s", v.Name, args, stdout.String(), stderr.String())
		assert.True(t, strings.HasPrefix(stdout.String(), v.Expect+": "), "%s: %s", v.Name, stdout.String())
		ran["mozilla"]++
	}
	assert.Greater(t, ran["mozilla"], 15)
	t.Logf("ran %v vectors through the binary", ran)
}
