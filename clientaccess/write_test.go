package clientaccess

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

func TestMarshal(t *testing.T) {
	pol := &Policy{CrossDomainAccess: []CrossDomainAccess{{Policies: []Rule{{
		AllowFrom: []AllowFrom{{
			HTTPRequestHeaders: "SOAPAction, X-API-*",
			HTTPMethods:        "PUT,DELETE",
			Domains:            []Domain{{URI: "http://app.example.net"}, {URI: `https://a.*.example`}},
		}},
		GrantTo: []GrantTo{{
			Resources:       []Resource{{Path: "/data", IncludeSubpaths: true}, {Path: `/q"x`}},
			SocketResources: []SocketResource{{Port: match.PortRange{Lo: 4502, Hi: 4510}}},
		}},
	}}}}}
	// A wildcard inside a name can never match; Validate says so.
	_, err := pol.Marshal()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Messages(), 1)
	assert.Contains(t, ve.Messages()[0], "a.*.example")

	pol.CrossDomainAccess[0].Policies[0].AllowFrom[0].Domains[1].URI = "https://*.partner.example"
	b, err := pol.Marshal()
	require.NoError(t, err)
	want := `<?xml version="1.0" encoding="utf-8"?>
<access-policy>
  <cross-domain-access>
    <policy>
      <allow-from http-request-headers="SOAPAction, X-API-*" http-methods="PUT,DELETE">
        <domain uri="http://app.example.net"/>
        <domain uri="https://*.partner.example"/>
      </allow-from>
      <grant-to>
        <resource path="/data" include-subpaths="true"/>
        <resource path="/q&#34;x"/>
        <socket-resource port="4502-4510" protocol="tcp"/>
      </grant-to>
    </policy>
  </cross-domain-access>
</access-policy>
`
	assert.Equal(t, want, string(b))

	// Silverlight accepts what was written, without a single warning, and
	// reads back the same policy.
	back, ds, err := ParseStrict(b)
	require.NoError(t, err)
	assert.Empty(t, ds)
	pol.CrossDomainAccess[0].Policies[0].GrantTo[0].SocketResources[0].Protocol = "tcp"
	if d := cmp.Diff(pol, back, ignorePos); d != "" {
		t.Errorf("round trip (-built +read):\n%s", d)
	}

	var buf bytes.Buffer
	n, err := pol.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(want)), n)
	assert.Equal(t, want, buf.String())
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		pol  *Policy
		want []string
	}{
		{"empty", &Policy{}, []string{"no <cross-domain-access>"}},
		{"no policy", &Policy{CrossDomainAccess: []CrossDomainAccess{{}}}, []string{"has no policy"}},
		{"empty policy", &Policy{CrossDomainAccess: []CrossDomainAccess{{Policies: []Rule{{}}}}}, []string{"no allow-from", "no grant-to"}},
		{"bad pieces", &Policy{CrossDomainAccess: []CrossDomainAccess{{Policies: []Rule{{
			AllowFrom: []AllowFrom{{}, {Domains: []Domain{{URI: "example.com"}}}},
			GrantTo: []GrantTo{{}, {
				Resources:       []Resource{{Path: ""}, {Path: "data"}},
				SocketResources: []SocketResource{{Port: match.PortRange{Lo: 80, Hi: 80}}, {Port: match.PortRange{Lo: 4502, Hi: 4502}, Protocol: "udp"}},
			}},
		}}}}}, []string{
			"policy #1.1: an allow-from has no domain",
			"policy #1.1: domain uri",
			"policy #1.1: a grant-to grants nothing",
			`resource path "" must start with "/"`,
			`resource path "data" must start with "/"`,
			"socket port range 80-80 is not within 4502-4534",
			`socket protocol "udp" is not tcp`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.pol.Validate()
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Messages(), len(tt.want), "%v", ve.Messages())
			for i, w := range tt.want {
				assert.Contains(t, ve.Messages()[i], w)
			}
			_, err = tt.pol.Marshal()
			assert.ErrorAs(t, err, &ve, "Marshal validates")
		})
	}
}

func TestAllowAll(t *testing.T) {
	b, err := AllowAll().Marshal()
	require.NoError(t, err)
	pol, ds, err := Parse(b)
	require.NoError(t, err)
	assert.Empty(t, ds)
	d := pol.Compile(CompileOptions{}).Decide(request(t, "http://a.example/a.xap", "http://b.example/x/%41", "POST", "Authorization"))
	assert.True(t, d.Allowed, "%s", d)
}

// TestRoundTripFiles parses every clientaccesspolicy file in testdata,
// writes it and reads it back: the policy is the same.
func TestRoundTripFiles(t *testing.T) {
	files, err := filepath.Glob("../testdata/*/*.xml")
	require.NoError(t, err)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if !bytes.Contains(b, []byte("access-policy")) {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			roundTrip(t, b)
		})
		n++
	}
	assert.GreaterOrEqual(t, n, 3)
}

// roundTrip checks parse-write-parse for b; it is shared with the fuzz
// target. It reports whether b was written.
func roundTrip(t *testing.T, b []byte) bool {
	pol, _, err := Parse(b)
	if err != nil || pol.Validate() != nil {
		return false
	}
	out, err := pol.Marshal()
	require.NoError(t, err)
	back, ds, err := Parse(out)
	require.NoError(t, err, "written file rejected: %v\n%s", ds, out)
	if d := cmp.Diff(normalize(pol), back, ignorePos); d != "" {
		t.Fatalf("parse-write-parse changed the policy (-first +second):\n%s\nwritten:\n%s", d, out)
	}
	out2, err := back.Marshal()
	require.NoError(t, err)
	require.Equal(t, string(out), string(out2), "writing is stable")
	return true
}

// normalize returns what the writer makes of p: protocol "tcp" spelled
// out.
func normalize(p *Policy) *Policy {
	for i := range p.CrossDomainAccess {
		for j := range p.CrossDomainAccess[i].Policies {
			for k := range p.CrossDomainAccess[i].Policies[j].GrantTo {
				g := &p.CrossDomainAccess[i].Policies[j].GrantTo[k]
				for l := range g.SocketResources {
					g.SocketResources[l].Protocol = "tcp"
				}
			}
		}
	}
	return p
}

func TestRealWorld(t *testing.T) {
	tests := []struct {
		file      string
		rejected  bool
		want      []diag
		mentions  string
		allows    bool // a GET of /x from any http caller
		readCross bool // Silverlight's reading of crossdomain.xml
	}{
		{file: "29_namanupmanyu_bWAPP-Assignment_ClientAccessPolicy.xml", rejected: true,
			want: []diag{{1, 2, match.Error, "syntax"}}, mentions: "merge-conflict marker"},
		{file: "32_namanupmanyu_bWAPP-Assignment_crossdomain.xml", readCross: true, rejected: true,
			want: []diag{{1, 2, match.Error, "syntax"}}, mentions: "merge-conflict marker"},
		{file: "50_cadusousa_FI_CS_HM_baw_clientaccesspolicy.xml",
			want:     []diag{{6, 9, match.Warning, "missing-attribute"}, {6, 17, match.Warning, "unknown-attribute"}},
			mentions: "did you mean uri?"},
		{file: "51_cadusousa_FI_CS_HM_baw_crossdomain.xml", readCross: true,
			want:     []diag{{4, 1, match.Warning, "empty"}},
			mentions: "no <allow-access-from>"},
		{file: "52_roycezhc_AppInOneBPM_clientaccesspolicy.xml", want: []diag{}, allows: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "testdata", "realworld", tt.file))
			require.NoError(t, err)
			var ds []match.Diagnostic
			var mp *match.Policy
			if tt.readCross {
				p, d, e := ParseCrossDomain(b)
				ds, err = d, e
				if err == nil {
					mp = CompileCrossDomain(p, CompileOptions{})
				}
			} else {
				p, d, e := Parse(b)
				ds, err = d, e
				if err == nil {
					mp = p.Compile(CompileOptions{})
				}
			}
			assert.Equal(t, tt.rejected, err != nil, "%v", err)
			assert.Equal(t, tt.want, diags(ds), "%v", ds)
			var all []string
			for _, d := range ds {
				all = append(all, d.Message)
			}
			assert.Contains(t, strings.Join(all, "\n"), tt.mentions)
			if mp != nil {
				d := mp.Decide(request(t, "http://caller.example/a.xap", "http://site.example/x", "GET"))
				assert.Equal(t, tt.allows, d.Allowed, "%s", d)
			}
		})
	}
}
