package clientaccess_test

import (
	"fmt"

	"github.com/xdpolicy/xdpolicy/clientaccess"
)

// Lint a clientaccesspolicy.xml: what an audit would say of it.
func ExamplePolicy_Lint() {
	pol, _, _ := clientaccess.Parse([]byte(`<access-policy><cross-domain-access><policy>
  <allow-from http-request-headers="*"><domain uri="*"/></allow-from>
  <grant-to><resource path="/" include-subpaths="true"/></grant-to>
</policy></cross-domain-access></access-policy>`))
	for _, f := range pol.Lint(clientaccess.LintOptions{File: "clientaccesspolicy.xml"}) {
		fmt.Println(f)
	}
	// Output:
	// clientaccesspolicy.xml:2:3: medium: open-headers: any caller may send any header with the user's cookies
	// clientaccesspolicy.xml:3:13: high: open-access: any caller may read everything on the site, with the user's cookies
}
