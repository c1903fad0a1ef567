package clientaccess

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// addSeeds adds the policy files in ../testdata and the policies of the
// Silverlight conformance vectors to the seed corpus; the corpus of inputs
// the fuzzer found interesting is in testdata/fuzz.
func addSeeds(f *testing.F) {
	files, _ := readingtest.Seeds(f, "silverlight.json")
	for _, b := range files {
		f.Add(b)
	}
}

// fuzzRequests are judged against every policy the fuzzer finds.
var fuzzRequests = func() []match.Request {
	var out []match.Request
	for _, p := range [][2]string{
		{"http://app.example.net/app.xap", "http://api.example.com/data/x%20y"},
		{"https://a.partner.example/a.xap", "https://api.example.com/"},
		{"file:///C:/app.xap", "tcp://api.example.com:4502"},
	} {
		req, err := match.NewRequest(p[0], p[1])
		if err != nil {
			panic(err)
		}
		req.Headers = []string{"SOAPAction"}
		out = append(out, req)
	}
	return out
}()

// FuzzParse: the runtime reading never panics, every diagnostic has a
// position, and what it accepts survives parse-write-parse unchanged and
// compiles to a policy that decides.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		pol, ds, err := Parse(b)
		readingtest.CheckDiagnostics(t, ds, err)
		if err != nil {
			return
		}
		mp := pol.Compile(CompileOptions{Source: "fuzz"})
		for _, req := range fuzzRequests {
			if d := mp.Decide(req); d.Reason() == "" {
				t.Fatal("decision without a reason")
			}
		}
		roundTrip(t, b)
	})
}

// FuzzParseStrict: the strict reading never panics, returns the model the
// runtime reading returns, and accepts only files the runtime accepts
// without dropping or ignoring anything.
func FuzzParseStrict(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		strict, sds, serr := ParseStrict(b)
		readingtest.CheckDiagnostics(t, sds, serr)
		rt, rds, rerr := Parse(b)
		if d := cmp.Diff(rt, strict); d != "" {
			t.Fatalf("strict and runtime models differ (-runtime +strict):\n%s", d)
		}
		if serr == nil {
			if rerr != nil {
				t.Fatalf("strict accepts what the runtime rejects: %v", rerr)
			}
			if len(rds) != len(sds) {
				t.Fatalf("strict accepts a file the runtime reads with warnings: %v", rds)
			}
		}
	})
}

// FuzzParseCrossDomain: Silverlight's reading of crossdomain.xml never
// panics and what it accepts compiles and decides.
func FuzzParseCrossDomain(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		pol, ds, err := ParseCrossDomain(b)
		readingtest.CheckDiagnostics(t, ds, err)
		if err != nil {
			return
		}
		mp := CompileCrossDomain(pol, CompileOptions{})
		for _, req := range fuzzRequests {
			mp.Decide(req)
		}
	})
}
