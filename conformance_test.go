package xdpolicy

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/crossdomain"
	"github.com/xdpolicy/xdpolicy/match"
	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// Vector is one conformance vector (testdata/conformance/README.md).
type Vector struct {
	Name        string              `json:"name"`
	Source      string              `json:"source"`
	Note        string              `json:"note"`
	Runtime     string              `json:"runtime"`
	Mode        string              `json:"mode"`
	Origin      string              `json:"origin"`
	Target      string              `json:"target"`
	Socket      bool                `json:"socket"`
	Method      string              `json:"method"`
	Headers     []string            `json:"headers"`
	Type        string              `json:"type"`
	Policy      string              `json:"policy"`
	PolicyFiles []string            `json:"policy_files"`
	HTTP        map[string]Response `json:"http"`
	Sockets     map[string]string   `json:"sockets"`
	Expect      string              `json:"expect"`
}

// Response is what a server answers at one URL in a fetch vector.
type Response struct {
	Status      int               `json:"status"`
	ContentType string            `json:"content_type"`
	Headers     map[string]string `json:"headers"`
	Body        string            `json:"body"`
}

func loadVectors(t *testing.T, name string) []Vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "conformance", name))
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
	rt, err := ParseRuntime(v.Runtime)
	require.NoError(t, err)
	rd, err := Read(rt, []byte(v.Policy), ReadOptions{Socket: v.Socket, Source: "policy"})
	require.NoError(t, err)
	switch v.Mode {
	case "lint":
		got := "accepted"
		if rd.Err != nil {
			got = "rejected"
		}
		assert.Equal(t, v.Expect, got, "diagnostics: %v", rd.Diagnostics)
	case "file":
		req, err := match.NewRequest(v.Origin, v.Target)
		require.NoError(t, err)
		req.Method, req.Headers, req.Type = v.Method, v.Headers, v.Type
		d := rd.Decide(req)
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

// TestFlashConformance runs every vector of flash.json that one policy
// file answers: the vector registers no policy file, and the only file its
// servers hold is the one that decides (the target's master, or a policy
// that does not govern the target), served with status 200 and a policy
// content type. The rest need Flash Player's whole lookup (several files,
// meta-policies across them, content types, registered files) and are run
// by the lookup's tests.
func TestFlashConformance(t *testing.T) {
	vs := loadVectors(t, "flash.json")
	ran := 0
	for _, v := range vs {
		require.Equal(t, "flash", v.Runtime)
		loc, body, header, ok := singleFile(t, v)
		if !ok {
			continue
		}
		ran++
		t.Run(v.Name, func(t *testing.T) {
			req, err := match.NewRequest(v.Origin, v.Target)
			require.NoError(t, err)
			req.Method, req.Headers = v.Method, v.Headers
			require.False(t, req.SameOrigin(), "same-origin vectors belong to the lookup")
			kind := crossdomain.KindOf(loc)
			pol, diags, err := crossdomain.Parser{Kind: kind}.Parse([]byte(body))
			var d match.Decision
			if err != nil {
				d = match.Deny(req, match.Rejected, "flash", loc.String(), err.Error())
			} else {
				d = pol.Compile(crossdomain.CompileOptions{Location: loc, PermittedCrossDomainPolicies: header}).Decide(req)
			}
			got := "deny"
			if d.Allowed {
				got = "allow"
			}
			assert.Equal(t, v.Expect, got, "%s\ndiagnostics: %v\n%s", d, diags, body)
		})
	}
	t.Logf("%d of %d flash vectors answered by one file; the rest need the lookup", ran, len(vs))
	assert.GreaterOrEqual(t, ran, 30)
}

// singleFile returns the one policy file of a fetch vector that one file
// answers, with where it was served and its meta-policy header.
func singleFile(t *testing.T, v Vector) (loc match.Target, body, header string, ok bool) {
	if v.Mode != "fetch" || len(v.PolicyFiles) > 0 || len(v.HTTP)+len(v.Sockets) != 1 {
		return loc, "", "", false
	}
	for u, r := range v.HTTP {
		ct := strings.ToLower(strings.TrimSpace(strings.Split(r.ContentType, ";")[0]))
		if r.Status != 200 || !(strings.HasPrefix(ct, "text/") || ct == "application/xml" || ct == "application/xhtml+xml") {
			return loc, "", "", false
		}
		l, err := match.ParseTarget(u)
		require.NoError(t, err)
		for k, val := range r.Headers {
			if strings.EqualFold(k, "X-Permitted-Cross-Domain-Policies") {
				header = val
			}
		}
		return l, r.Body, header, true
	}
	for hp, reply := range v.Sockets {
		l, err := match.ParseTarget("xmlsocket://" + hp)
		require.NoError(t, err)
		return l, reply, "", true
	}
	return loc, "", "", false
}

// TestMozillaConformance runs every vector of mozilla.json through
// mozpolicy.Resolver, fetching from the vector's own responses: status 200
// counts, any other status or an unlisted URL is no file.
func TestMozillaConformance(t *testing.T) {
	vs := loadVectors(t, "mozilla.json")
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			require.Equal(t, "mozilla", v.Runtime)
			require.Equal(t, "fetch", v.Mode)
			req, err := match.NewRequest(v.Origin, v.Target)
			require.NoError(t, err)
			req.Method, req.Headers, req.Type = v.Method, v.Headers, v.Type
			res := &mozpolicy.Resolver{Fetch: vectorFetch(v)}
			r, err := res.Decide(context.Background(), req)
			require.NoError(t, err)
			got := "deny"
			if r.Decision.Allowed {
				got = "allow"
			}
			var trail []string
			for _, s := range r.Steps {
				trail = append(trail, fmt.Sprintf("%s: %v %v", s.URL, s.Decision.Code, s.Err))
			}
			assert.Equal(t, v.Expect, got, "%s\nsteps: %s", r.Decision, strings.Join(trail, "; "))
			t.Log(r.Decision)
		})
	}
}

// vectorFetch serves a fetch vector's HTTP responses: a 200 is the file,
// any other status or an unlisted URL is none.
func vectorFetch(v Vector) mozpolicy.FetchFunc {
	return func(_ context.Context, url string) ([]byte, error) {
		r, ok := v.HTTP[url]
		switch {
		case !ok || r.Status == 404:
			return nil, fmt.Errorf("GET %s: 404: %w", url, fs.ErrNotExist)
		case r.Status != 200:
			return nil, fmt.Errorf("GET %s: status %d", url, r.Status)
		}
		return []byte(r.Body), nil
	}
}
