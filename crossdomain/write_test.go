package crossdomain

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

var ignorePos = cmpopts.IgnoreTypes(match.Pos{})

func TestMarshal(t *testing.T) {
	pol := &Policy{
		Doctype:         true,
		SiteControl:     []SiteControl{{PermittedCrossDomainPolicies: "master-only"}},
		AllowAccessFrom: []AllowAccessFrom{{Domain: "*.example.com"}, {Domain: "partner.example", Secure: "false"}},
		AllowHTTPRequestHeadersFrom: []AllowHTTPRequestHeadersFrom{
			{Domain: "*.example.com", Headers: "SOAPAction,X-Foo*"},
		},
		AllowAccessFromIdentity: []AllowAccessFromIdentity{{Signatories: []Signatory{{Certificates: []Certificate{{Fingerprint: "01:02", FingerprintAlgorithm: "sha-1"}}}}}},
	}
	b, err := pol.Marshal()
	require.NoError(t, err)
	want := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">
<cross-domain-policy>
  <site-control permitted-cross-domain-policies="master-only"/>
  <allow-access-from domain="*.example.com"/>
  <allow-access-from domain="partner.example" secure="false"/>
  <allow-http-request-headers-from domain="*.example.com" headers="SOAPAction,X-Foo*"/>
  <allow-access-from-identity>
    <signatory>
      <certificate fingerprint="01:02" fingerprint-algorithm="sha-1"/>
    </signatory>
  </allow-access-from-identity>
</cross-domain-policy>
`
	assert.Equal(t, want, string(b))
	back, _, err := ParseStrict(b)
	require.NoError(t, err)
	if d := cmp.Diff(pol, back, ignorePos); d != "" {
		t.Errorf("round trip (-built +read):\n%s", d)
	}
	var buf bytes.Buffer
	n, err := pol.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(want)), n)
}

func TestValidate(t *testing.T) {
	pol := &Policy{
		SiteControl:                 []SiteControl{{PermittedCrossDomainPolicies: "everything"}, {PermittedCrossDomainPolicies: "all"}},
		AllowAccessFrom:             []AllowAccessFrom{{Domain: "www.*.com"}, {Domain: "*", Secure: "yes"}, {Domain: "*", ToPorts: "0"}},
		AllowHTTPRequestHeadersFrom: []AllowHTTPRequestHeadersFrom{{Domain: "*"}},
	}
	err := pol.Validate()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 6, "%v", ve.Messages())
	_, err = pol.Marshal()
	require.ErrorAs(t, err, &ve)

	sock := &Policy{AllowAccessFrom: []AllowAccessFrom{{Domain: "*"}}, AllowHTTPRequestHeadersFrom: []AllowHTTPRequestHeadersFrom{{Domain: "*", Headers: "*"}}}
	require.NoError(t, sock.Validate())
	require.ErrorAs(t, sock.ValidateFor(SocketMaster), &ve)
	assert.Equal(t, []string{"allow-access-from #1: a socket policy entry needs to-ports", "allow-http-request-headers-from #1: header rules mean nothing in a socket policy"}, ve.Messages())
	require.NoError(t, sock.ValidateFor(Master))
	http := &Policy{SiteControl: []SiteControl{{PermittedCrossDomainPolicies: "all"}}, AllowAccessFrom: []AllowAccessFrom{{Domain: "*", ToPorts: "80"}}}
	require.ErrorAs(t, http.ValidateFor(NonMaster), &ve)
	assert.Len(t, ve.Messages(), 2)

	// Grants under none would never be used: Marshal refuses them, as
	// other generators do; none alone is a fine master.
	off := &Policy{SiteControl: []SiteControl{{PermittedCrossDomainPolicies: "none"}}, AllowAccessFrom: []AllowAccessFrom{{Domain: "*"}}}
	_, err = off.Marshal()
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"site-control none switches the master off, so its 1 grant would never be used; remove it, or the site-control"}, ve.Messages())
	require.ErrorAs(t, off.ValidateFor(SocketMaster), &ve)
	require.ErrorAs(t, off.ValidateFor(NonMaster), &ve)
	assert.Equal(t, []string{"site-control in a non-master policy is ignored"}, ve.Messages(), "the grants of a non-master count")
	off.AllowAccessFrom = nil
	_, err = off.Marshal()
	require.NoError(t, err)
}

// roundTrip checks parse-write-parse for b under kind k; shared with the
// fuzz targets.
func roundTrip(t *testing.T, b []byte, k Kind) {
	pol, _, err := Parser{Kind: k}.Parse(b)
	if err != nil || pol.Validate() != nil {
		return
	}
	out, err := pol.Marshal()
	require.NoError(t, err)
	back, ds, err := Parser{Kind: k}.Parse(out)
	require.NoError(t, err, "written file rejected: %v\n%s", ds, out)
	if d := cmp.Diff(pol, back, ignorePos); d != "" {
		t.Fatalf("parse-write-parse changed the policy (-first +second):\n%s\nwritten:\n%s", d, out)
	}
	out2, err := back.Marshal()
	require.NoError(t, err)
	require.Equal(t, string(out), string(out2), "writing is stable")
}

func TestRoundTripFiles(t *testing.T) {
	files, err := filepath.Glob("../testdata/*/*.xml")
	require.NoError(t, err)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if !bytes.Contains(b, []byte("cross-domain-policy")) {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			roundTrip(t, b, Master)
			roundTrip(t, b, SocketMaster)
		})
		n++
	}
	assert.GreaterOrEqual(t, n, 2)
}

// TestValidatePositions: a policy read from a file and then validated says
// where each problem is, in the one error type every format returns.
func TestValidatePositions(t *testing.T) {
	pol, _, err := Parse([]byte("<cross-domain-policy>\n  <allow-access-from domain=\"www.*.com\" secure=\"yes\"/>\n</cross-domain-policy>"))
	require.NoError(t, err)
	err = pol.Validate()
	var ve *match.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "crossdomain", ve.Format)
	require.Len(t, ve.Problems, 2)
	assert.Equal(t, match.Pos{Line: 2, Col: 3}, ve.Problems[0].Pos)
	assert.Equal(t, `2:3: allow-access-from #1: domain "www.*.com" never matches: a wildcard is allowed only as "*" or a leading "*." label`, ve.Problems[0].String())
	assert.Contains(t, err.Error(), `crossdomain: invalid policy: 2:3: allow-access-from #1: domain "www.*.com" never matches`)
}
