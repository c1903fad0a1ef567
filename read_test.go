package xdpolicy

import (
	"context"
	"errors"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

func utf16le(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16be(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFE, 0xFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

const (
	flashFile  = `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`
	silverFile = `<access-policy><cross-domain-access><policy><allow-from><domain uri="*"/></allow-from><grant-to><resource path="/" include-subpaths="true"/></grant-to></policy></cross-domain-access></access-policy>`
	mozFile    = `<cross-domain-policy><allow from="*"/></cross-domain-policy>`
)

func TestDetect(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    []byte
		file string
		want Format
		err  string
	}{
		{"flash", []byte(flashFile), "", CrossDomain, ""},
		{"silverlight", []byte(silverFile), "", ClientAccess, ""},
		{"mozilla by its allow", []byte(mozFile), "", MozPolicy, ""},
		{"mozilla by its namespace", []byte(`<cross-domain-policy xmlns="http://somedomain/2005/cross-domain-policy"/>`), "", MozPolicy, ""},
		{"an empty root is Flash's", []byte(`<cross-domain-policy/>`), "x.xml", CrossDomain, ""},
		{"an empty root named as the draft's", []byte(`<cross-domain-policy/>`), "/srv/cross-domain-policy.xml", MozPolicy, ""},
		{"declaration, comments, PI and DOCTYPE skipped", []byte(`<?xml version="1.0"?>
<!-- <access-policy> would be a root, were it not in a comment -->
<?xml-stylesheet href="x"?>
<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">
<cross-domain-policy><!-- <allow/> --><site-control permitted-cross-domain-policies="none"/></cross-domain-policy>`), "", CrossDomain, ""},
		{"a mailto in a leading comment is not a root", []byte("<!-- contact <mailto:admin@example.com> -->\n" + silverFile), "", ClientAccess, ""},
		{"UTF-16LE with a BOM", utf16le(silverFile, true), "", ClientAccess, ""},
		{"UTF-16LE without one", utf16le(silverFile, false), "", ClientAccess, ""},
		{"UTF-16BE with a BOM", utf16be(mozFile, true), "", MozPolicy, ""},
		{"UTF-16BE without one", utf16be(flashFile, false), "", CrossDomain, ""},
		{"UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, flashFile...), "", CrossDomain, ""},
		{"broken after the root", []byte(`<access-policy><cross-domain-access>`), "", ClientAccess, ""},
		{"not XML, named", []byte("not xml"), "site/crossdomain.xml", CrossDomain, ""},
		{"empty, named", nil, `C:\www\clientaccesspolicy.xml`, ClientAccess, ""},
		{"another root, named", []byte(`<html/>`), "cross-domain-policy.xml", MozPolicy, ""},
		{"only a comment", []byte(`<!-- nothing -->`), "policy.xml", 0, `no root element found, and the name "policy.xml" is not one the runtimes look for`},
		{"another root", []byte(`<html><body/></html>`), "", 0, "root element <html> is not a policy file's"},
		{"a namespaced root", []byte(`<x:cross-domain-policy xmlns:x="urn:x"/>`), "", 0, "root element <x:cross-domain-policy> is not a policy file's"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(tt.b, tt.file)
			if tt.err != "" {
				var fe *FormatError
				require.True(t, errors.As(err, &fe), "%v", err)
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSocketReply(t *testing.T) {
	assert.True(t, SocketReply([]byte(flashFile+"\x00")))
	assert.False(t, SocketReply([]byte(flashFile)))
	le := utf16le(flashFile, true)
	require.Equal(t, byte(0), le[len(le)-1])
	assert.False(t, SocketReply(le), "a UTF-16LE file ends in a zero byte without ending in a NUL")
	assert.False(t, SocketReply(utf16le(flashFile, false)))
	assert.True(t, SocketReply(utf16le(flashFile+"\x00", false)))
	assert.False(t, SocketReply(nil))
}

// TestReadNamedRuntime: a runtime named reads the bytes its own way, so
// what it cannot read is rejected with its reason, never read by another
// runtime's rules.
func TestReadNamedRuntime(t *testing.T) {
	req, err := match.NewRequest("http://evil.example/x.swf", "http://victim.example/data")
	require.NoError(t, err)
	for _, tt := range []struct {
		name   string
		rt     Runtime
		b      []byte
		format Format
		reason string
	}{
		{"empty", Flash, nil, CrossDomain, "no root element"},
		{"only a comment", Flash, []byte("<!-- x -->"), CrossDomain, "no root element"},
		{"not XML", Flash, []byte("{\"allow\": \"*\"}"), CrossDomain, ""},
		{"another root", Flash, []byte("<html/>"), CrossDomain, "root element is <html>, not <cross-domain-policy>"},
		{"a namespaced root", Flash, []byte(`<x:cross-domain-policy xmlns:x="urn:x"><x:allow-access-from domain="*"/></x:cross-domain-policy>`), CrossDomain, ""},
		{"clientaccesspolicy.xml", Flash, []byte(silverFile), CrossDomain, "root element is <access-policy>, not <cross-domain-policy>; Flash Player rejects the file"},
		{"UTF-16 without a BOM", Flash, utf16le(flashFile, false), CrossDomain, ""},
		{"the draft's file", Silverlight, []byte(mozFile), CrossDomain, "Silverlight"},
		{"Silverlight, not XML", Silverlight, []byte("garbage"), ClientAccess, ""},
		{"crossdomain.xml for the draft", Mozilla, []byte(`<cross-domain-policy xmlns="urn:x"/>`), MozPolicy, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := Read(tt.rt, tt.b, ReadOptions{Name: "policy.xml"})
			require.NoError(t, err)
			require.Error(t, rd.Err, "the %s runtime accepted %q", tt.rt, tt.b)
			var diag *match.Diagnostic
			assert.True(t, errors.As(rd.Err, &diag))
			assert.Equal(t, tt.format, rd.Format)
			assert.Nil(t, rd.Policy)
			d := rd.Decide(req)
			assert.False(t, d.Allowed)
			assert.Equal(t, match.Rejected, d.Code)
			assert.Contains(t, d.Reason(), "the "+tt.rt.String()+" runtime rejects policy.xml: ")
			assert.Contains(t, d.Reason(), tt.reason)
			assert.Empty(t, rd.Lint())
		})
	}

	// What each runtime reads, it reads.
	for _, tt := range []struct {
		rt     Runtime
		b      string
		format Format
	}{
		{Flash, flashFile, CrossDomain},
		{Silverlight, silverFile, ClientAccess},
		{Silverlight, flashFile, CrossDomain},
		{Mozilla, mozFile, MozPolicy},
	} {
		rd, err := Read(tt.rt, []byte(tt.b), ReadOptions{})
		require.NoError(t, err)
		require.NoError(t, rd.Err)
		assert.Equal(t, tt.format, rd.Format)
		assert.True(t, rd.Decide(req).Allowed, "%s reading %s", tt.rt, tt.format)
		assert.NotEmpty(t, rd.Lint(), "every one opens everything")
	}

	// A format the runtime does not read, forced, is a misuse.
	_, err = Read(Flash, []byte(silverFile), ReadOptions{Format: ClientAccess})
	var ue *UnsupportedError
	require.True(t, errors.As(err, &ue))
	assert.EqualError(t, err, "Flash Player does not read clientaccesspolicy.xml files; it reads crossdomain.xml")
	_, err = Read(0, nil, ReadOptions{})
	assert.Error(t, err)
}

func TestRuntimeAndFormatNames(t *testing.T) {
	for _, rt := range Runtimes {
		got, err := ParseRuntime(rt.String())
		require.NoError(t, err)
		assert.Equal(t, rt, got)
		assert.Equal(t, rt, rt.Formats()[0].Runtime(), "a runtime's own format comes first")
	}
	for _, f := range Formats {
		got, err := ParseFormat(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, got)
		assert.True(t, f.Runtime().Reads(f))
	}
	_, err := ParseRuntime("Flash")
	assert.EqualError(t, err, `unknown runtime "Flash"; want flash, silverlight or mozilla`)
	_, err = ParseFormat("xml")
	assert.EqualError(t, err, `unknown format "xml"; want crossdomain, clientaccess, mozpolicy`)
	assert.True(t, Silverlight.Reads(CrossDomain))
	assert.False(t, Flash.Reads(ClientAccess))
}

// TestReadLocation: where the file was found says what it is to the
// runtime and what it governs.
func TestReadLocation(t *testing.T) {
	loc, err := match.ParseTarget("http://victim.example/api/crossdomain.xml")
	require.NoError(t, err)
	rd, err := Read(Flash, []byte(`<cross-domain-policy><site-control permitted-cross-domain-policies="all"/><allow-access-from domain="*"/></cross-domain-policy>`), ReadOptions{Location: loc})
	require.NoError(t, err)
	require.NoError(t, rd.Err)
	assert.Contains(t, rd.Diagnostics[0].Message, "<site-control> in a non-master policy is ignored")
	assert.Equal(t, "http://victim.example/api/crossdomain.xml", rd.Source)
	in, _ := match.NewRequest("http://evil.example/x.swf", "http://victim.example/api/feed")
	out, _ := match.NewRequest("http://evil.example/x.swf", "http://victim.example/secret")
	assert.True(t, rd.Decide(in).Allowed)
	assert.Equal(t, match.OutOfScope, rd.Decide(out).Code)
}

// TestRuntimeNamesAgree: the format packages name their runtime in
// decisions as Runtime.String does.
func TestRuntimeNamesAgree(t *testing.T) {
	req, err := match.NewRequest("http://a.example/", "http://b.example/")
	require.NoError(t, err)
	for rt, body := range map[Runtime]string{Flash: flashFile, Silverlight: silverFile, Mozilla: mozFile} {
		rd, err := Read(rt, []byte(body), ReadOptions{})
		require.NoError(t, err)
		assert.Equal(t, rt.String(), rd.Decide(req).Runtime)
		c, err := NewClient(rt, ClientOptions{})
		require.NoError(t, err)
		req.Headers = []string{"bad name"}
		l, err := c.Decide(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, rt.String(), l.Decision.Runtime, "a refusal before any fetch")
		req.Headers = nil
	}
}
