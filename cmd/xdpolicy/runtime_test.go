package main

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func utf16LE(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// TestNamedRuntimeReadsItsWay: with -runtime, the bytes are read the way
// that runtime read them. What it cannot read is a denial (check, exit 1)
// or a rejection (lint, exit 1) with its reason, never a usage error.
func TestNamedRuntimeReadsItsWay(t *testing.T) {
	for _, tt := range []struct {
		name, body, reason string
	}{
		{"empty", "", "no root element"},
		{"only a comment", "<!-- <cross-domain-policy/> -->", "no root element"},
		{"not XML", "allow everyone", "not well-formed XML"},
		{"a wrong root", "<html><body/></html>", "root element is <html>, not <cross-domain-policy>"},
		{"a namespaced root", `<f:cross-domain-policy xmlns:f="urn:f"/>`, "f:cross-domain-policy"},
		{"clientaccesspolicy.xml", rejected, "root element is <access-policy>, not <cross-domain-policy>"},
		{"UTF-16 without a BOM", utf16LE(`<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, "policy.xml", tt.body)
			code, stdout, stderr := runCLI("check", "-runtime", "flash", "-origin", "http://evil.example/x.swf", "-target", "http://victim.example/", file)
			assert.Equal(t, 1, code, "%s%s", stdout, stderr)
			assert.Contains(t, stdout, "deny: the flash runtime rejects "+file+": ")
			assert.Contains(t, stdout, tt.reason)
			assert.Empty(t, stderr)

			code, stdout, stderr = runCLI("lint", "-runtime", "flash", "-json", file)
			assert.Equal(t, 1, code, "%s%s", stdout, stderr)
			var got []lintFile
			require.NoError(t, json.Unmarshal([]byte(stdout), &got))
			require.Len(t, got, 1)
			assert.False(t, got[0].Accepted, "rejected")
			assert.Equal(t, "crossdomain", got[0].Format)
			assert.Empty(t, stderr)
		})
	}
}

// TestDetection: without -runtime or -format, the root element found by
// tokenizing decides, then the file name; a file that says neither is a
// usage error asking for -runtime.
func TestDetection(t *testing.T) {
	const silver = `<access-policy><cross-domain-access><policy><allow-from><domain uri="*"/></allow-from><grant-to><resource path="/" include-subpaths="true"/></grant-to></policy></cross-domain-access></access-policy>`
	for _, tt := range []struct {
		name, file, body, runtime, format string
	}{
		{"a mailto in a leading comment", "p.xml", "<!-- ask <mailto:admin@example.com> -->\n" + silver, "silverlight", "clientaccess"},
		{"UTF-16LE with a BOM", "p.xml", "\xff\xfe" + utf16LE(silver), "silverlight", "clientaccess"},
		{"UTF-16LE without one", "p.xml", utf16LE(silver), "silverlight", "clientaccess"},
		{"garbage named crossdomain.xml", "crossdomain.xml", "<<<", "flash", "crossdomain"},
		{"garbage named clientaccesspolicy.xml", "clientaccesspolicy.xml", "", "silverlight", "clientaccess"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, tt.file, tt.body)
			_, stdout, stderr := runCLI("lint", "-json", file)
			var got []lintFile
			require.NoError(t, json.Unmarshal([]byte(stdout), &got), stderr)
			require.Len(t, got, 1)
			assert.Equal(t, tt.runtime, got[0].Runtime)
			assert.Equal(t, tt.format, got[0].Format)
		})
	}
	file := writeFile(t, "policy.xml", "<html/>")
	code, _, stderr := runCLI("check", "-origin", "http://a.example/", "-target", "http://b.example/", file)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "cannot tell the format: root element <html> is not a policy file's, and the name \"policy.xml\" is not one the runtimes look for; name the runtime with -runtime")
}

// TestSocketFraming: a file that ends in a NUL once decoded is a socket
// policy reply; a UTF-16LE file only ends in a zero byte.
func TestSocketFraming(t *testing.T) {
	const flash = `<cross-domain-policy><allow-access-from domain="*" to-ports="80"/></cross-domain-policy>`
	_, stdout, _ := runCLI("lint", writeFile(t, "p.xml", flash+"\x00"))
	assert.NotContains(t, stdout, "to-ports is ignored in an HTTP policy", "read as a socket policy")
	_, stdout, _ = runCLI("lint", writeFile(t, "p.xml", "\xff\xfe"+utf16LE(flash)))
	assert.Contains(t, stdout, "to-ports is ignored in an HTTP policy", "read as an HTTP policy")
}

// TestOutputIsSafe: what comes from the input is quoted and clipped in
// what xdpolicy prints: a 900 KB attribute is not printed whole, and bytes
// a terminal would act on are escaped.
func TestOutputIsSafe(t *testing.T) {
	huge := `<cross-domain-policy><allow-access-from domain="` + strings.Repeat("a", 900_000) + `.*.example"/></cross-domain-policy>`
	file := writeFile(t, "crossdomain.xml", huge)
	for _, args := range [][]string{
		{"check", "-origin", "http://evil.example/x.swf", "-target", "http://victim.example/", file},
		{"lint", file},
		{"lint", "-json", file},
	} {
		_, stdout, stderr := runCLI(args...)
		assert.Less(t, len(stdout)+len(stderr), 4000, "%v printed %d bytes", args, len(stdout)+len(stderr))
		assert.Contains(t, stdout, " bytes)", args)
	}

	for _, body := range []string{
		"<cross-domain-policy><allow-access-from domain=\"a\x1b[2J\"/></cross-domain-policy>",
		"\x1b]0;owned\x07<cross-domain-policy/>",
		"<cross-domain-policy>\xff\xfe\x01</cross-domain-policy>",
		"<\x1b[31mroot/>",
	} {
		file := writeFile(t, "crossdomain.xml", body)
		for _, args := range [][]string{
			{"check", "-runtime", "flash", "-origin", "http://evil.example/x.swf", "-target", "http://victim.example/", file},
			{"lint", "-runtime", "flash", file},
		} {
			_, stdout, stderr := runCLI(args...)
			out := stdout + stderr
			assert.True(t, utf8.ValidString(out), "%q: %q", body, out)
			for _, c := range []byte(out) {
				if c < 0x20 && c != '\n' && c != '\t' {
					t.Errorf("%v on %q printed a control byte %#x: %q", args, body, c, out)
					break
				}
			}
		}
	}
}
