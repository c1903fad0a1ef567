package mozpolicy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLint(t *testing.T) {
	for _, tt := range []struct {
		name, allow string
		want        []string
	}{
		{"safe", `<allow from="app.example.com" to="api/"/>`, nil},
		{"anyone, one directory", `<allow from="*" to="public/"/>`, nil},
		{"anyone, everything", `<allow/>`, []string{"open-access high 1:22"}},
		{"anyone, everything, by star", `<allow from="*" type="load"/>`, []string{"open-access high 1:22"}},
		{"anyone, delegated", `<allow from="*" delegate="true"/>`, nil},
		{"suffix wildcard", `<allow from="*.co.uk" to="api/"/>`, []string{"suffix-wildcard high 1:22"}},
		{"wide wildcard", `<allow from="*.example.com" to="api/"/>`, []string{"wide-wildcard low 1:22"}},
		{"internal host", `<allow from="intranet.corp" to="api/"/>`, []string{"internal-host low 1:22"}},
		{"internal wildcard", `<allow from="*.office.lan" to="api/"/>`, []string{"wide-wildcard low 1:22", "internal-host low 1:22"}},
		{"from never matches", `<allow from="http://a.example" to="api/"/>`, []string{"dead-entry info 1:22"}},
		{"to never matches", `<allow from="a.example" to="../up/"/>`, []string{"dead-entry info 1:22"}},
		{"type never matches", `<allow from="a.example" type="SOAP"/>`, []string{"dead-entry info 1:22"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, _, err := Parse([]byte(`<cross-domain-policy>` + tt.allow + `</cross-domain-policy>`))
			require.NoError(t, err)
			var got []string
			for _, f := range pol.Lint(LintOptions{File: "cross-domain-policy.xml"}) {
				got = append(got, f.Code+" "+f.Level.String()+" "+f.Pos.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
