package policyfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/match"
)

// Vector is one conformance vector (testdata/conformance/README.md).
type Vector struct {
	Name        string            `json:"name"`
	Source      string            `json:"source"`
	Note        string            `json:"note"`
	Runtime     string            `json:"runtime"`
	Mode        string            `json:"mode"`
	Origin      string            `json:"origin"`
	Target      string            `json:"target"`
	Socket      bool              `json:"socket"`
	Method      string            `json:"method"`
	Headers     []string          `json:"headers"`
	Type        string            `json:"type"`
	Policy      string            `json:"policy"`
	PolicyFiles []string          `json:"policy_files"`
	HTTP        map[string]any    `json:"http"`
	Sockets     map[string]string `json:"sockets"`
	Expect      string            `json:"expect"`
}

func loadVectors(t *testing.T, name string) []Vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", name))
	require.NoError(t, err)
	var vs []Vector
	require.NoError(t, json.Unmarshal(b, &vs))
	require.NotEmpty(t, vs)
	return vs
}

// runFileVector answers a "file" or "lint" vector through the same path
// `xdpolicy check` and `xdpolicy lint` take.
func runFileVector(t *testing.T, v Vector) {
	t.Helper()
	f, err := Detect([]byte(v.Policy))
	require.NoError(t, err)
	rd, err := Read([]byte(v.Policy), f, Runtime(v.Runtime), false)
	require.NoError(t, err)
	switch v.Mode {
	case "lint":
		got := "accepted"
		if rd.Err != nil {
			got = "rejected"
		}
		assert.Equal(t, v.Expect, got, "diagnostics: %v", rd.Diags)
	case "file":
		req, err := match.NewRequest(v.Origin, v.Target)
		require.NoError(t, err)
		req.Method, req.Headers, req.Type = v.Method, v.Headers, v.Type
		d := rd.Decide("policy", req)
		got := "deny"
		if d.Allowed {
			got = "allow"
		}
		assert.Equal(t, v.Expect, got, "%s\n%s", d, v.Policy)
	default:
		t.Fatalf("mode %q is not a single-file mode", v.Mode)
	}
}

// TestSilverlightConformance runs every vector of silverlight.json, which
// comes from Moonlight's unit tests (mono/moon test/2.0/moon-unit/security).
func TestSilverlightConformance(t *testing.T) {
	vs := loadVectors(t, "silverlight.json")
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			require.Equal(t, "silverlight", v.Runtime)
			runFileVector(t, v)
		})
	}
}
