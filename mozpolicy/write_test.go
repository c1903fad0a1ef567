package mozpolicy

import (
	"bytes"
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
		Namespace: Namespace,
		Allow: []Allow{
			{Type: TypeXML, From: "*.foo.com", Delegate: "true"},
			{Type: TypeLoad, From: "partner.example", To: `feeds & "news"/`},
			{},
		},
	}
	b, err := pol.Marshal()
	require.NoError(t, err)
	want := `<?xml version="1.0" encoding="utf-8"?>
<cross-domain-policy xmlns="http://somedomain/2005/cross-domain-policy">
  <allow type="xml" from="*.foo.com" delegate="true"/>
  <allow type="load" from="partner.example" to="feeds &amp; &#34;news&#34;/"/>
  <allow/>
</cross-domain-policy>
`
	assert.Equal(t, want, string(b))

	// The strict reading accepts what was written, without a finding, and
	// reads back the same policy.
	back, ds, err := ParseStrict(b)
	require.NoError(t, err)
	assert.Empty(t, ds)
	if diff := cmp.Diff(pol, back, ignorePos); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	var buf bytes.Buffer
	n, err := pol.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(want)), n)
	assert.Equal(t, want, buf.String())

	empty, err := (&Policy{}).Marshal()
	require.NoError(t, err)
	assert.Equal(t, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<cross-domain-policy/>\n", string(empty))
}

func TestValidate(t *testing.T) {
	pol := &Policy{
		Namespace: "urn:other",
		Allow: []Allow{
			{Type: "SOAP"},
			{From: "www.*.com"},
			{To: "../up/"},
			{Delegate: "yes"},
			{To: "service"},
			{Type: TypeSave, From: "a.example", To: "x/", Delegate: "false"},
		},
	}
	err := pol.Validate()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{
		`namespace "urn:other" is neither none nor the draft's "http://somedomain/2005/cross-domain-policy"`,
		`allow #1: type "SOAP" is not any, xml, soap, load or save`,
		`allow #2: from "www.*.com" never matches: a wildcard is allowed only as "*" or a leading "*." label`,
		`allow #3: to "../up/" never matches: it climbs out of the policy file's directory with ".."`,
		`allow #4: delegate "yes" is neither true nor false`,
		`allow #5: to "service" names a directory and must end in "/"`,
	}, ve.Messages())
	_, err = pol.Marshal()
	require.ErrorAs(t, err, &ve)
	_, err = pol.WriteTo(&bytes.Buffer{})
	require.ErrorAs(t, err, &ve)
}
