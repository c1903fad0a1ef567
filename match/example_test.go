package match_test

import (
	"fmt"

	"github.com/xdpolicy/xdpolicy/match"
)

// Build a policy by hand (the format packages compile files into the same
// thing) and judge requests against it.
func ExamplePolicy_Decide() {
	partner, _ := match.ParseHostPattern("*.partner.example", match.WildcardWithApex)
	p := &match.Policy{
		Source:  "policy.xml",
		Runtime: "example",
		Rules: []match.Rule{{
			Name:    "partners",
			Pos:     match.Pos{Line: 3, Col: 3},
			Callers: []match.Caller{{Scheme: "https", Host: partner, Port: 443, Text: "https://*.partner.example"}},
			Methods: match.Methods("GET", "POST"),
			Headers: match.ParseHeaderList("X-API-*"),
			Paths:   []match.PathScope{{Path: "/data", Subpaths: true, Text: "/data/*"}},
		}},
	}

	req, _ := match.NewRequest("https://app.partner.example/app.swf", "https://api.example.com/data/feed.xml")
	req.Headers = []string{"X-API-Key"}
	fmt.Println(p.Decide(req))

	req, _ = match.NewRequest("https://app.partner.example/app.swf", "https://api.example.com/admin")
	fmt.Println(p.Decide(req))

	req, _ = match.NewRequest("https://evil.example/app.swf", "https://api.example.com/data/feed.xml")
	d := p.Decide(req)
	fmt.Println(d.Allowed, d.Code)
	// Output:
	// allow: partners in policy.xml admits https://app.partner.example/app.swf by "https://*.partner.example" and grants /data/*
	// deny: partners in policy.xml admits https://app.partner.example/app.swf but does not grant /admin (it grants /data/*)
	// false no-caller
}

// Origins are normalized: lower case, ASCII (IDNA), default ports.
func ExampleParseOrigin() {
	o, err := match.ParseOrigin("HTTP://Bücher.Example/shop/app.xap")
	if err != nil {
		panic(err)
	}
	fmt.Println(o.Scheme, o.Host, o.Port, o.Path)
	// Output: http xn--bcher-kva.example 80 /shop/app.xap
}

// Host patterns are compiled once; a pattern that can never match is an
// error that says why.
func ExampleParseHostPattern() {
	p, _ := match.ParseHostPattern("*.example.com", match.WildcardWithApex)
	fmt.Println(p.Match("example.com"), p.Match("a.b.example.com"), p.Match("evilexample.com"))

	_, err := match.ParseHostPattern("a.*.example.com", match.WildcardWithApex)
	fmt.Println(err)
	// Output:
	// true true false
	// "a.*.example.com" never matches: a wildcard is allowed only as "*" or a leading "*." label
}

func ExamplePathScope_Contains() {
	data := match.PathScope{Path: "/data", Subpaths: true}
	fmt.Println(data.Contains("/data"), data.Contains("/data/x"), data.Contains("/database"))
	fmt.Println(match.RemoveDotSegments("/data/../admin"))
	// Output:
	// true true false
	// /admin
}
