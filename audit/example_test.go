package audit_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/xdpolicy/xdpolicy/audit"
)

// Audit a site, here a local test server standing in for the HTTP origin
// of example.com (the client dials it whatever the host).
func ExampleAudit() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/crossdomain.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/x-cross-domain-policy")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Permitted-Cross-Domain-Policies", "master-only")
		fmt.Fprint(w, `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`)
	}))
	defer srv.Close()
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}

	// A URL with its port audits that one origin.
	rep, err := audit.Audit(context.Background(), "http://example.com:80", audit.Config{HTTPClient: client})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings() {
		fmt.Println(f)
	}
	for _, v := range rep.Verdicts {
		fmt.Printf("%s: %s\n", v.Runtime, v.Text)
	}
	// Output:
	// http://example.com/crossdomain.xml:1:22: high: open-access: any caller may read everything this file governs, with the user's cookies
	// flash: any Flash caller may read everything over HTTP
	// silverlight: any Silverlight caller may read everything over HTTP
	// mozilla: no Mozilla-draft caller from another site may read anything over HTTP or HTTPS
}

// Survey a list of sites, here made-up names all served by one local test
// server that opens every site whose name starts with "open".
func ExampleBatch() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/crossdomain.xml" || r.Host[:4] != "open" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/x-cross-domain-policy")
		fmt.Fprint(w, `<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>`)
	}))
	defer srv.Close()
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}

	sites := []string{"http://open1.example:80", "http://shut.example:80", "http://open2.example:80"}
	b := audit.Batch{Config: audit.Config{HTTPClient: client}, Parallel: 2}
	var sum audit.Summary
	err := b.Run(context.Background(), slices.Values(sites), func(r audit.Result) error {
		sum.Add(r)
		if r.Err != nil {
			return r.Err
		}
		fmt.Printf("%d %s: %d findings\n", r.Index, r.Site, len(r.Report.Findings()))
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d of %d sites use a Flash policy; %d have open-access\n", sum.WithPolicy[audit.Flash], sum.Audited, sum.SitesWithFinding["open-access"])
	// Output:
	// 0 http://open1.example:80: 3 findings
	// 1 http://shut.example:80: 0 findings
	// 2 http://open2.example:80: 3 findings
	// 2 of 3 sites use a Flash policy; 2 have open-access
}
