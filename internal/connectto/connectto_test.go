package connectto

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Rule{
		"example.com:443:127.0.0.1:8443": {"example.com", "443", "127.0.0.1", "8443"},
		"Example.COM:80::8080":           {"example.com", "80", "", "8080"},
		"::127.0.0.1:":                   {"", "", "127.0.0.1", ""},
		"[::1]:443:[::1]:8443":           {"::1", "443", "::1", "8443"},
		"a.example:843:[::1]:9843":       {"a.example", "843", "::1", "9843"},
	} {
		got, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "a:1:b", "a:1:b:2:3", "a:x:b:2", "a:1:b:70000", "[::1:443:b:1", "a:0:b:1"} {
		_, err := Parse(bad)
		assert.Error(t, err, bad)
	}
}

func TestMap(t *testing.T) {
	d := &Dialer{Rules: []Rule{
		{"api.example", "443", "127.0.0.1", "8443"},
		{"api.example", "", "127.0.0.2", ""},
		{"", "843", "127.0.0.3", "9843"},
	}}
	for in, want := range map[string]string{
		"api.example:443": "127.0.0.1:8443",
		"API.example:443": "127.0.0.1:8443",
		"api.example:80":  "127.0.0.2:80",
		"other:843":       "127.0.0.3:9843",
		"other:80":        "other:80",
		"[::1]:843":       "127.0.0.3:9843",
	} {
		assert.Equal(t, want, d.Map(in), in)
	}
}
