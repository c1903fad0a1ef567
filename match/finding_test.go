package match

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLevel(t *testing.T) {
	for _, l := range []Level{Info, Low, Medium, High} {
		got, err := ParseLevel(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, got)
	}
	got, err := ParseLevel("HIGH")
	require.NoError(t, err)
	assert.Equal(t, High, got)
	_, err = ParseLevel("critical")
	assert.EqualError(t, err, `unknown level "critical": want info, low, medium or high`)
	assert.Equal(t, "Level(9)", Level(9).String())
	assert.True(t, Info < Low && Low < Medium && Medium < High)
}

func TestFindingString(t *testing.T) {
	f := Finding{Code: "open-access", Level: High, Message: "m", File: "f.xml", Pos: Pos{Line: 2, Col: 3}}
	assert.Equal(t, "f.xml:2:3: high: open-access: m", f.String())
	f.File, f.Pos = "", Pos{}
	assert.Equal(t, "high: open-access: m", f.String())
}

func TestWildcardFinding(t *testing.T) {
	for _, tt := range []struct {
		host, code string
	}{
		{"*.co.uk", FindingSuffixWildcard},
		{"*.CO.UK", FindingSuffixWildcard},
		{"*.github.io", FindingSuffixWildcard},
		{"*.com", FindingSuffixWildcard},
		{"*.example.co.uk", FindingWideWildcard},
		{"*.example.com", FindingWideWildcard},
		{"example.com", ""},
		{"*", ""},
		{"*.", ""},
		{"www.example.com", ""},
	} {
		f, ok := WildcardFinding(tt.host, tt.host)
		assert.Equal(t, tt.code != "", ok, tt.host)
		assert.Equal(t, tt.code, f.Code, tt.host)
	}
}
