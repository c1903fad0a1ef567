package crossdomain_test

import (
	"fmt"

	"github.com/xdpolicy/xdpolicy/crossdomain"
)

// Read a file as Flash Player did: what it dropped is in the diagnostics;
// a file it rejected whole is the error, with its position.
func ExampleParse() {
	pol, diags, err := crossdomain.Parse([]byte(`<?xml version="1.0"?>
<cross-domain-policy>
  <allow-access-from domain="*.example.com" colour="red"/>
</cross-domain-policy>`))
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	for _, d := range diags {
		fmt.Println(d)
	}
	fmt.Println(len(pol.AllowAccessFrom), "allow-access-from:", pol.AllowAccessFrom[0].Domain)

	_, _, err = crossdomain.Parse([]byte(`<cross-domain-policy><allow-access-from domain="*">`))
	fmt.Println("rejected:", err)
	// Output:
	// 3:45: warning: attribute colour on <allow-access-from> is not part of the format; Flash Player ignores it
	// 1 allow-access-from: *.example.com
	// rejected: 1:52: not well-formed XML: unexpected end of file: <allow-access-from> at 1:22 is not closed
}

// Lint a master policy: what an audit would say of it.
func ExamplePolicy_Lint() {
	pol, _, _ := crossdomain.Parse([]byte(`<cross-domain-policy>
  <site-control permitted-cross-domain-policies="all"/>
  <allow-access-from domain="*" secure="false"/>
</cross-domain-policy>`))
	for _, f := range pol.Lint(crossdomain.LintOptions{Kind: crossdomain.Master, File: "crossdomain.xml"}) {
		fmt.Println(f)
	}
	// Output:
	// crossdomain.xml:2:3: medium: permissive-site-control: site-control "all" lets other policy files on the site grant access; anyone who can place a file there can open the site
	// crossdomain.xml:3:3: medium: insecure: secure="false" lets callers on plain HTTP read the HTTPS site
	// crossdomain.xml:3:3: high: open-access: any caller may read everything this file governs, with the user's cookies
}
