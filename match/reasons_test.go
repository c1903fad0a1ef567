package match

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/reasons.golden")

// TestReasonsGolden pins the text of decisions over generated policies and
// requests: every code, with and without positions, texts and ignored
// entries. Reasons are built on demand from what Decide recorded; this
// keeps them byte for byte what they were. Run with -update to accept a
// deliberate change.
func TestReasonsGolden(t *testing.T) {
	var b strings.Builder
	seed := uint64(7)
	seen := map[string]bool{}
	for i := range 4000 {
		g := seeded(&seed)
		p := g.policy()
		decorate(p, i)
		for range 3 {
			d := p.Decide(g.request())
			line := fmt.Sprintf("%s %s", d.Code, d)
			if !seen[line] {
				seen[line] = true
				b.WriteString(line + "\n")
			}
		}
	}
	const golden = "testdata/reasons.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("reasons changed (-want +got):\n%s", d)
	}
}

// decorate gives some of p's entries the positions, texts and notes the
// formats set, so the golden covers their reasons too.
func decorate(p *Policy, i int) {
	if i%3 == 0 {
		p.Source = ""
	}
	if i%5 == 0 {
		p.Ignored = []string{`<allow type="SOAP"> at 3:3: type "SOAP" is not a type`, "x at 4:4", "y at 5:5"}[:i%4]
	}
	if i%17 == 0 {
		p.Disabled = "a meta-policy says none"
	}
	for r := range p.Rules {
		rule := &p.Rules[r]
		if (i+r)%2 == 0 {
			rule.Name = ""
			rule.Pos = Pos{r + 2, 3}
		}
		for c := range rule.Callers {
			if (i+c)%2 == 1 {
				rule.Callers[c].Pos = Pos{r + 2, c + 5}
			}
		}
		for s := range rule.Paths {
			switch (i + s) % 3 {
			case 1:
				rule.Paths[s].Pos = Pos{r + 2, s + 9}
			case 2:
				rule.Paths[s].Text = fmt.Sprintf("%q as written", rule.Paths[s].Path)
			}
		}
		if i%4 == 1 && !rule.Ports.Empty() {
			rule.PortsText = rule.Ports.String()
		}
	}
	for h := range p.HeaderRules {
		if (i+h)%2 == 0 {
			p.HeaderRules[h].Name = ""
			p.HeaderRules[h].Pos = Pos{h + 20, 3}
		}
	}
}
