// Package mozpolicy reads, judges and writes cross-domain-policy.xml, the
// policy file of the Mozilla draft "Cross Domain Access Policies", and
// follows its delegations.
//
// A cross-domain-policy.xml file looks like this:
//
//	<?xml version="1.0"?>
//	<cross-domain-policy xmlns="http://somedomain/2005/cross-domain-policy">
//	  <allow type="load" from="*.partner.example" to="feeds/"/>
//	  <allow type="xml" from="*.example.com" delegate="true"/>
//	</cross-domain-policy>
//
// The client walks the <allow> elements in order; the first whose type,
// from and to match the request decides, and none matching denies.
//
// Typical use: decide a request as the draft's client did, reading the
// root file and any files it delegates to through a FetchFunc (a file
// tree, a map in a test, or HTTP):
//
//	res := &mozpolicy.Resolver{Fetch: mozpolicy.FS(os.DirFS("/srv/www"))}
//	req, _ := match.NewRequest("http://app.example.com/page.html", "http://www.example.org/users/alice/feed.xml")
//	req.Type = mozpolicy.TypeXML
//	r, err := res.Decide(ctx, req)
//	fmt.Println(r.Decision) // allow: … or deny: …, naming the file and the rule
//	for _, s := range r.Steps {
//		fmt.Println(s.URL, s.Decision.Code) // the root file, then each delegated one
//	}
//
// Client does the same over HTTP, with a per-session cache.
//
// Or judge one file alone with Parse, Compile and match's Decide; a
// delegating rule then answers match.Delegated and names the next file in
// Decision.Next.
//
// # Two readings
//
// Parse is the draft client's reading: what rejects the file whole (not
// well-formed XML, a root other than <cross-domain-policy> in no namespace
// or the draft's) is an error, a *match.Diagnostic with line and column;
// every <allow> that can never match and everything ignored is a warning.
// ParseStrict holds the file to the draft and makes every deviation an
// error. Both bound the input (1 MiB and 32 levels by default), never
// expand entities and never fetch a DTD.
//
// # Decisions taken
//
// The draft never shipped in a browser, so where it is silent
// this package denies rather than allows:
//
//   - An <allow> with an unknown type (types are case-sensitive), a from or
//     to that never matches, or a delegate other than "true" or "false"
//     matches nothing, and the next <allow> may decide.
//   - An attribute written empty (from="") reads as absent, as DOM
//     getAttribute of the draft's time returned "" for both; both readings
//     report it.
//   - "*.example.com" needs at least one label: example.com itself does not
//     match. from names a domain: a URL or a port never matches. "*" and an
//     absent from admit every caller, file: pages included.
//   - to is a directory relative to the file's; one that is absolute or
//     climbs out with ".." (or "%2e%2e") never matches. "service" is read
//     as "service/". A rule with to applies Silverlight's path-character
//     rule (a raw path holding '%', "./" or ".." is denied; see
//     match.UnsafePathChars); a rule without it covers the whole file's
//     scope.
//   - A request that names no type (match.Request.Type "") is admitted only
//     by rules of type "any".
//   - The draft has no method, header or secure rules: a matching rule
//     admits every method and request header, over http and https.
//   - Whitespace before the XML declaration is not well-formed, and the
//     client's XML parser rejected it. A declared encoding other than UTF-8
//     is honoured when the file is plain ASCII (it reads the same) and
//     otherwise rejects the file: this reader would not see what the client
//     saw.
//   - A delegation is followed only one directory down toward the target,
//     at most 16 times; the 17th denies.
package mozpolicy
