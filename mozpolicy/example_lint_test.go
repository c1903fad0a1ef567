package mozpolicy_test

import (
	"fmt"

	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// Read a file as the draft's client did: what it ignored is in the
// diagnostics, and the <allow> elements that still match are in the
// model.
func ExampleParse() {
	pol, diags, err := mozpolicy.Parse([]byte(`<cross-domain-policy>
  <allow type="SOAP" from="*"/>
  <allow type="load" from="*.example.com" to="feeds/"/>
</cross-domain-policy>`))
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	for _, d := range diags {
		fmt.Println(d)
	}
	fmt.Println(len(pol.Allow), "allow elements")
	// Output:
	// 2:10: warning: type "SOAP" is not any, xml, soap, load or save (case-sensitive); this <allow> matches no request (did you mean soap?)
	// 2 allow elements
}

// Lint a draft policy: what an audit would say of it.
func ExamplePolicy_Lint() {
	pol, _, _ := mozpolicy.Parse([]byte(`<cross-domain-policy><allow from="*.co.uk"/><allow/></cross-domain-policy>`))
	for _, f := range pol.Lint(mozpolicy.LintOptions{File: "cross-domain-policy.xml"}) {
		fmt.Println(f)
	}
	// Output:
	// cross-domain-policy.xml:1:22: high: suffix-wildcard: "*.co.uk" trusts every site registered under the public suffix co.uk
	// cross-domain-policy.xml:1:45: high: open-access: any caller may make every kind of request to everything this file governs, with the user's cookies
}
