package clientaccess

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLint(t *testing.T) {
	doc := func(allowFrom, grantTo string) string {
		return fmt.Sprintf(`<access-policy><cross-domain-access><policy>
<allow-from%s
</allow-from>
<grant-to>%s
</grant-to>
</policy></cross-domain-access></access-policy>`, allowFrom, grantTo)
	}
	for _, tt := range []struct {
		name          string
		from, grantTo string
		want          []string
	}{
		{"safe", `><domain uri="https://app.example.com"/>`, `<resource path="/api" include-subpaths="true"/>`, nil},
		{"anyone, narrow paths", `><domain uri="*"/>`, `<resource path="/public"/>`, nil},
		{"open access", `><domain uri="*"/>`, `<resource path="/" include-subpaths="true"/>`, []string{"open-access high 4:11"}},
		{"open access to http callers", `><domain uri="http://*"/>`, `<resource path="/" include-subpaths="true"/>`, []string{"open-access high 4:11"}},
		{"path / alone is not everything", `><domain uri="*"/>`, `<resource path="/"/>`, nil},
		{"open socket", `><domain uri="*"/>`, `<socket-resource port="4502-4534" protocol="tcp"/>`, []string{"open-socket high 4:11"}},
		{"one port is not open", `><domain uri="*"/>`, `<socket-resource port="4502" protocol="tcp"/>`, nil},
		{"open headers", ` http-request-headers="*"><domain uri="*"/>`, `<resource path="/public"/>`, []string{"open-headers medium 2:1"}},
		{"named headers for a named caller", ` http-request-headers="X-A"><domain uri="https://a.example"/>`, `<resource path="/public"/>`, nil},
		{"suffix wildcard", `><domain uri="https://*.co.uk"/>`, `<resource path="/api"/>`, []string{"suffix-wildcard high 2:13"}},
		{"wide wildcard", `><domain uri="https://*.example.com:8443/"/>`, `<resource path="/api"/>`, []string{"wide-wildcard low 2:13"}},
		{"internal address", `><domain uri="http://10.0.0.5:8080/"/>`, `<resource path="/api"/>`, []string{"internal-host low 2:13"}},
		{"localhost", `><domain uri="http://localhost"/>`, `<resource path="/api"/>`, []string{"internal-host low 2:13"}},
		{"never matches", `><domain uri="example.com"/>`, `<resource path="/api"/>`, []string{"dead-entry info 2:13"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, _, err := Parse([]byte(doc(tt.from, tt.grantTo)))
			require.NoError(t, err)
			var got []string
			for _, f := range pol.Lint(LintOptions{File: "clientaccesspolicy.xml"}) {
				got = append(got, f.Code+" "+f.Level.String()+" "+f.Pos.String())
				assert.Equal(t, "clientaccesspolicy.xml", f.File)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
