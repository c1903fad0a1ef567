package mozpolicy

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// rules returns n <allow> elements, each for its own partner and type.
func rules(n int) string {
	var body strings.Builder
	types := []string{TypeXML, TypeSOAP, TypeLoad, TypeSave}
	for i := range n {
		body.WriteString(`<allow type="` + types[i%4] + `" from="app` + strconv.Itoa(i) + `.example.com" to="svc` + strconv.Itoa(i%10) + `/"/>` + "\n")
	}
	return file(body.String())
}

// BenchmarkTokens is the baseline of BenchmarkParse: a bare pass of
// encoding/xml's tokenizer over the same bytes. Parse aims at no more
// than 1.5x its time.
func BenchmarkTokens(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		src := []byte(rules(n))
		b.Run(strconv.Itoa(n)+"-rules", func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if err := readingtest.Tokens(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		src := []byte(rules(n))
		b.Run(strconv.Itoa(n)+"-rules", func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			p := Parser{MaxBytes: 4 << 20}
			for b.Loop() {
				if _, _, err := p.Parse(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecide(b *testing.B) {
	pol, _, err := Parser{MaxBytes: 4 << 20}.Parse([]byte(rules(10000)))
	if err != nil {
		b.Fatal(err)
	}
	mp := pol.Compile(CompileOptions{})
	bench := func(name, origin, target, typ string, allowed bool) {
		req, _ := match.NewRequest(origin, target)
		req.Type = typ
		if d := mp.Decide(req); d.Allowed != allowed {
			b.Fatalf("%s: %s", name, d)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mp.Decide(req)
			}
		})
	}
	bench("10k-rules/allow", "http://app9999.example.com/p", "http://www.company.com/svc9/x.xml", TypeSave, true)
	bench("10k-rules/deny-type", "http://app9999.example.com/p", "http://www.company.com/svc9/x.xml", TypeXML, false)
	bench("10k-rules/deny-caller", "http://evil.example/p", "http://www.company.com/svc9/x.xml", TypeSave, false)
}

// BenchmarkResolve follows the longest chain the client allows: the root
// and 16 delegated files, each parsed and compiled on the way.
func BenchmarkResolve(b *testing.B) {
	r := &Resolver{Fetch: FS(chain(16))}
	req, _ := match.NewRequest("http://a.example/", deepTarget(16))
	req.Type = TypeXML
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.Decide(context.Background(), req)
		if err != nil || !res.Decision.Allowed {
			b.Fatal(err, res.Decision)
		}
	}
}
