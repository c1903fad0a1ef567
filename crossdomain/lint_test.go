package crossdomain

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/finding"
)

func TestLint(t *testing.T) {
	const safe = `<cross-domain-policy>
  <site-control permitted-cross-domain-policies="master-only"/>
  <allow-access-from domain="www.partner.example"/>
  <allow-http-request-headers-from domain="www.partner.example" headers="SOAPAction"/>
</cross-domain-policy>`
	const safeSocket = `<cross-domain-policy><allow-access-from domain="www.partner.example" to-ports="5000"/></cross-domain-policy>`
	for _, tt := range []struct {
		name   string
		kind   Kind
		policy string
		want   []string // "code level line:col"
	}{
		{"safe master", Master, safe, nil},
		{"safe socket policy", SocketMaster, safeSocket, nil},
		{"safe non-master", NonMaster, `<cross-domain-policy><allow-access-from domain="a.example"/></cross-domain-policy>`, nil},
		{"open access", Master, `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`,
			[]string{"open-access high 1:22"}},
		{"open socket", SocketMaster, `<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>`,
			[]string{"open-socket high 1:22"}},
		{"a named socket caller on every port is not open", SocketMaster, `<cross-domain-policy><allow-access-from domain="a.example" to-ports="*"/></cross-domain-policy>`, nil},
		{"open headers", Master, `<cross-domain-policy><allow-http-request-headers-from domain="*" headers="X-Token"/></cross-domain-policy>`,
			[]string{"open-headers medium 1:22"}},
		{"internal address", Master, `<cross-domain-policy><allow-access-from domain="192.168.1.10"/></cross-domain-policy>`,
			[]string{"internal-host low 1:22"}},
		{"a URL domain is its host", Master, `<cross-domain-policy><allow-access-from domain="http://*.co.uk/"/></cross-domain-policy>`,
			[]string{"suffix-wildcard high 1:22"}},
		{"an internal address as a URL", Master, `<cross-domain-policy><allow-access-from domain="http://10.0.0.5/"/></cross-domain-policy>`,
			[]string{"internal-host low 1:22"}},
		{"single-label name", Master, `<cross-domain-policy><allow-access-from domain="intranet"/></cross-domain-policy>`,
			[]string{"internal-host low 1:22"}},
		{"internal header caller", Master, `<cross-domain-policy><allow-http-request-headers-from domain="build.lan" headers="X-A"/></cross-domain-policy>`,
			[]string{"internal-host low 1:22"}},
		{"insecure", Master, `<cross-domain-policy><allow-access-from domain="a.example" secure="false"/></cross-domain-policy>`,
			[]string{"insecure medium 1:22"}},
		{"insecure headers", Master, `<cross-domain-policy><allow-http-request-headers-from domain="a.example" headers="X-A" secure="false"/></cross-domain-policy>`,
			[]string{"insecure medium 1:22"}},
		{"site-control all", Master, `<cross-domain-policy><site-control permitted-cross-domain-policies="all"/></cross-domain-policy>`,
			[]string{"permissive-site-control medium 1:22"}},
		{"site-control by-content-type", Master, `<cross-domain-policy><site-control permitted-cross-domain-policies="by-content-type"/></cross-domain-policy>`,
			[]string{"permissive-site-control medium 1:22"}},
		{"site-control all is a socket master's default", SocketMaster, `<cross-domain-policy><site-control permitted-cross-domain-policies="all"/></cross-domain-policy>`, nil},
		// Under none the master grants nothing (Compile disables it): its
		// grants are dead, whatever they would open.
		{"grants under site-control none", Master, `<cross-domain-policy>
<site-control permitted-cross-domain-policies="none"/>
<allow-access-from domain="*"/>
<allow-http-request-headers-from domain="*" headers="*"/>
</cross-domain-policy>`, []string{"dead-entry info 3:1", "dead-entry info 4:1"}},
		{"grants under an unknown site-control (read as none)", Master, `<cross-domain-policy><site-control permitted-cross-domain-policies="None"/><allow-access-from domain="a.example"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:76"}},
		{"a socket master under none", SocketMaster, `<cross-domain-policy><site-control permitted-cross-domain-policies="none"/><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:76"}},
		{"none in a non-master is ignored, so its grants count", NonMaster, `<cross-domain-policy><site-control permitted-cross-domain-policies="none"/><allow-access-from domain="*"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22", "open-access high 1:76"}},
		// A socket master reads by-content-type and by-ftp-filename as
		// master-only: not permissive, and the value means nothing.
		{"by-content-type in a socket master", SocketMaster, `<cross-domain-policy><site-control permitted-cross-domain-policies="by-content-type"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"by-ftp-filename in a socket master", SocketMaster, `<cross-domain-policy><site-control permitted-cross-domain-policies="by-ftp-filename"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"public-suffix wildcard", Master, `<cross-domain-policy><allow-access-from domain="*.co.uk"/></cross-domain-policy>`,
			[]string{"suffix-wildcard high 1:22"}},
		{"public-suffix wildcard with a scheme", Master, `<cross-domain-policy><allow-access-from domain="https://*.github.io"/></cross-domain-policy>`,
			[]string{"suffix-wildcard high 1:22"}},
		{"wide wildcard", Master, `<cross-domain-policy><allow-access-from domain="*.example.com"/></cross-domain-policy>`,
			[]string{"wide-wildcard low 1:22"}},
		{"never matches", Master, `<cross-domain-policy><allow-access-from domain="www.*.com"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"to-ports over HTTP", Master, `<cross-domain-policy><allow-access-from domain="a.example" to-ports="80"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"site-control outside the master", NonMaster, `<cross-domain-policy><site-control permitted-cross-domain-policies="master-only"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"a header Flash never sends", Master, `<cross-domain-policy><allow-http-request-headers-from domain="a.example" headers="X-A, Referer"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"no to-ports in a socket policy", SocketMaster, `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"header rules in a socket policy", SocketMaster, `<cross-domain-policy><allow-http-request-headers-from domain="a.example" headers="X-A"/></cross-domain-policy>`,
			[]string{"dead-entry info 1:22"}},
		{"several at once", Master, `<cross-domain-policy>
<allow-access-from domain="*" secure="false"/>
<allow-http-request-headers-from domain="*" headers="*"/>
</cross-domain-policy>`, []string{"insecure medium 2:1", "open-access high 2:1", "open-headers medium 3:1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, _, err := Parser{Kind: tt.kind}.Parse([]byte(tt.policy))
			require.NoError(t, err)
			var got []string
			for _, f := range pol.Lint(LintOptions{Kind: tt.kind, File: "f.xml"}) {
				got = append(got, f.Code+" "+f.Level.String()+" "+f.Pos.String())
				assert.Equal(t, "f.xml", f.File)
				assert.NotEmpty(t, f.Message)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFindingString(t *testing.T) {
	pol, _, err := Parse([]byte(`<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`))
	require.NoError(t, err)
	f := pol.Lint(LintOptions{File: "crossdomain.xml"})
	require.Len(t, f, 1)
	assert.Equal(t, "crossdomain.xml:1:22: high: open-access: any caller may read everything this file governs, with the user's cookies", f[0].String())
	assert.Equal(t, finding.High, f[0].Level)
}

// TestLintCommentsGrantNothing: a wildcard in a comment is not an entry;
// a scanner that matches the text flags it, the runtime does not read it.
func TestLintCommentsGrantNothing(t *testing.T) {
	pol, _, err := Parse([]byte(`<cross-domain-policy><!-- <allow-access-from domain="*"/> --><allow-access-from domain="www.partner.example"/></cross-domain-policy>`))
	require.NoError(t, err)
	assert.Empty(t, pol.Lint(LintOptions{Kind: Master, File: "crossdomain.xml"}))
}

// TestLintTrustURLDomain: a domain written as a URL is held to the
// allowlist by its host, as Flash Player reads it.
func TestLintTrustURLDomain(t *testing.T) {
	a, err := finding.ParseAllowlist(strings.NewReader("www.partner.example\n"))
	require.NoError(t, err)
	pol, _, err := Parse([]byte(`<cross-domain-policy><allow-access-from domain="http://evil.com/"/></cross-domain-policy>`))
	require.NoError(t, err)
	var codes []string
	for _, f := range pol.Lint(LintOptions{Kind: Master, Trust: a}) {
		codes = append(codes, f.Code)
	}
	assert.Contains(t, codes, finding.UntrustedCaller)
}
