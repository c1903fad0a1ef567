package crossdomain

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xdpolicy/xdpolicy/internal/readingtest"
	"github.com/xdpolicy/xdpolicy/match"
)

// addSeeds adds the crossdomain files in ../testdata and the policies of
// the Flash conformance vectors to the seed corpus; what the fuzzer found
// interesting is kept in testdata/fuzz.
func addSeeds(f *testing.F) {
	files, sockets := readingtest.Seeds(f, "flash.json", "../testdata/realworld/flash/*.xml")
	for _, b := range files {
		f.Add(b, false)
	}
	for _, b := range sockets {
		f.Add(b, true)
	}
}

var fuzzRequests = func() []match.Request {
	var out []match.Request
	for _, p := range [][3]string{
		{"http://www.foo.com/a.swf", "http://data.example.com/x", ""},
		{"https://a.example.com/a.swf", "https://data.example.com/x", "SOAPAction"},
		{"file:///C:/a.swf", "xmlsocket://data.example.com:507", ""},
	} {
		req, err := match.NewRequest(p[0], p[1])
		if err != nil {
			panic(err)
		}
		if p[2] != "" {
			req.Headers = []string{p[2]}
		}
		out = append(out, req)
	}
	return out
}()

// FuzzParse: Flash Player's reading never panics, positions every
// diagnostic, and what it accepts compiles, decides and survives
// parse-write-parse.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte, socket bool) {
		kind := Master
		if socket {
			kind = SocketMaster
		}
		pol, ds, err := Parser{Kind: kind}.Parse(b)
		readingtest.CheckDiagnostics(t, ds, err)
		if err != nil {
			return
		}
		mp := pol.Compile(CompileOptions{Kind: kind})
		for _, req := range fuzzRequests {
			if mp.Decide(req).Reason() == "" {
				t.Fatal("decision without a reason")
			}
		}
		roundTrip(t, b, kind)
	})
}

// FuzzParseStrict: the strict reading returns the runtime reading's model
// and accepts only what the runtime reads without a warning.
func FuzzParseStrict(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte, socket bool) {
		kind := Master
		if socket {
			kind = SocketMaster
		}
		strict, sds, serr := Parser{Kind: kind, Strict: true}.Parse(b)
		readingtest.CheckDiagnostics(t, sds, serr)
		rt, rds, rerr := Parser{Kind: kind}.Parse(b)
		if d := cmp.Diff(rt, strict); d != "" {
			t.Fatalf("strict and runtime models differ:\n%s", d)
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

// FuzzToPorts: to-ports parsing never panics, and a list it accepts holds
// only ports 1-65535 and writes back to a list it reads the same.
func FuzzToPorts(f *testing.F) {
	for _, s := range []string{"507", "507,516-523", "*", " 80 , 443 ", "0", "70000", "1-2-3", "523-516", "", ",", "80,*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := match.ParsePortList(s)
		if err != nil {
			return
		}
		for _, r := range set.Ranges() {
			if r.Lo < 1 || r.Hi > 65535 || r.Lo > r.Hi {
				t.Fatalf("%q gave range %v", s, r)
			}
		}
		again, err := match.ParsePortList(set.String())
		if err != nil || !cmp.Equal(set.Ranges(), again.Ranges()) {
			t.Fatalf("%q: %q reads back as %v (%v)", s, set.String(), again.Ranges(), err)
		}
	})
}
