package mozpolicy

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// addSeeds adds the policy files in ../testdata and the policies of the
// Mozilla conformance vectors to the seed corpus; the corpus of inputs the
// fuzzer found interesting is in testdata/fuzz.
func addSeeds(f *testing.F) {
	files, _ := readingtest.Seeds(f, "mozilla.json")
	for _, b := range files {
		f.Add(b)
	}
}

// fuzzRequests are judged against every policy the fuzzer finds.
var fuzzRequests = func() []match.Request {
	var out []match.Request
	for _, p := range [][3]string{
		{"http://bar.foo.com/p", "http://www.company.com/service/foo.xml", TypeXML},
		{"https://xn--bcher-kva.example/", "https://www.company.com/a%20b/../c", TypeLoad},
		{"file:///C:/page.html", "http://www.company.com/", ""},
	} {
		req, err := match.NewRequest(p[0], p[1])
		if err != nil {
			panic(err)
		}
		req.Type = p[2]
		out = append(out, req)
	}
	return out
}()

// FuzzParse: the client's reading never panics, every diagnostic has a
// position, what it accepts compiles to a policy that decides with a
// reason, and a valid policy survives write-parse unchanged.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	loc, err := match.ParseTarget("http://www.company.com/cross-domain-policy.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pol, ds, err := Parse(b)
		readingtest.CheckDiagnostics(t, ds, err)
		if err != nil {
			return
		}
		mp := pol.Compile(CompileOptions{Location: loc})
		for _, req := range fuzzRequests {
			d := mp.Decide(req)
			if d.Reason() == "" {
				t.Fatal("decision without a reason")
			}
			if d.Code == match.Delegated && d.Next == "" {
				t.Fatal("delegation without a next file")
			}
		}
		if pol.Validate() != nil {
			return
		}
		out, err := pol.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a valid policy: %v", err)
		}
		back, ds, err := ParseStrict(out)
		if err != nil {
			t.Fatalf("the strict reading rejects what Marshal wrote: %v %v\n%s", err, ds, out)
		}
		if diff := cmp.Diff(pol, back, ignorePos); diff != "" {
			t.Fatalf("parse-write-parse changed the policy (-first +second):\n%s", diff)
		}
	})
}

// FuzzParseStrict: the strict reading never panics, returns the model the
// client's reading returns, and accepts only files the client accepts
// without ignoring anything.
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
				t.Fatalf("strict accepts what the client rejects: %v", rerr)
			}
			if len(rds) != len(sds) {
				t.Fatalf("strict accepts a file the client reads with warnings: %v", rds)
			}
		}
	})
}

// FuzzParseTo: ParseTo never panics, and what it accepts is relative, free
// of dot-segments and ends in "/".
func FuzzParseTo(f *testing.F) {
	for _, s := range []string{"service/", "a/../b", "%2e%2e/", "./", "a//b/", "/x/", "http://x/", "my%20dir"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, to string) {
		rel, err := ParseTo(to)
		if fast, ok := plainTo(to); ok {
			if slow, err := parseTo(to); err != nil || slow != fast {
				t.Fatalf("plainTo(%q) = %q, but the full path gives %q, %v", to, fast, slow, err)
			}
		}
		if err != nil || rel == "" {
			return
		}
		if rel[0] == '/' || rel[len(rel)-1] != '/' {
			t.Fatalf("ParseTo(%q) = %q", to, rel)
		}
		if got := match.RemoveDotSegments("/" + rel); got != "/"+rel {
			t.Fatalf("ParseTo(%q) = %q keeps dot-segments", to, rel)
		}
	})
}

// TestPlainTo checks ParseTo's fast path against its full path on every
// to of up to six characters over an alphabet that reaches each rule.
func TestPlainTo(t *testing.T) {
	const alphabet = "a./%:~"
	taken := 0
	var walk func(to string)
	walk = func(to string) {
		if fast, ok := plainTo(to); ok {
			taken++
			if slow, err := parseTo(to); err != nil || slow != fast {
				t.Fatalf("plainTo(%q) = %q, but the full path gives %q, %v", to, fast, slow, err)
			}
		}
		if len(to) == 6 {
			return
		}
		for i := range len(alphabet) {
			walk(to + alphabet[i:i+1])
		}
	}
	walk("")
	if taken == 0 {
		t.Fatal("the fast path took nothing")
	}
	for _, to := range []string{"service/", "svc.v2/", "a//b/", "api-1/x_y/"} {
		_, ok := plainTo(to)
		if !ok {
			t.Errorf("plainTo(%q) is not taken", to)
		}
	}
}
