// Package clientaccess reads, judges and writes clientaccesspolicy.xml,
// the cross-domain policy file of Microsoft Silverlight, and holds
// Silverlight's reading of Flash's crossdomain.xml.
//
// A clientaccesspolicy.xml file looks like this:
//
//	<?xml version="1.0" encoding="utf-8"?>
//	<access-policy>
//	  <cross-domain-access>
//	    <policy>
//	      <allow-from http-request-headers="SOAPAction">
//	        <domain uri="https://*.example.com"/>
//	      </allow-from>
//	      <grant-to>
//	        <resource path="/services" include-subpaths="true"/>
//	        <socket-resource port="4502-4506" protocol="tcp"/>
//	      </grant-to>
//	    </policy>
//	  </cross-domain-access>
//	</access-policy>
//
// Typical use: read the file as Silverlight did, compile it, and judge
// requests with the evaluator of package match.
//
//	pol, diags, err := clientaccess.Parse(body)
//	if err != nil {
//		// Silverlight rejects the file whole and falls back to crossdomain.xml.
//	}
//	for _, d := range diags {
//		log.Println(d) // 6:9: warning: <domain> has no uri attribute, …
//	}
//	p := pol.Compile(clientaccess.CompileOptions{Source: "clientaccesspolicy.xml"})
//	req, _ := match.NewRequest("http://app.example.net/app.xap", "https://api.example.com/services/feed")
//	fmt.Println(p.Decide(req))
//
// To decide as Silverlight did without fetching anything yourself, use a
// Client: it reads clientaccesspolicy.xml, then crossdomain.xml (or port
// 943 for sockets), caches each site's answer and lists the files it
// consulted.
//
// To serve a policy, build a Policy in Go (or parse one) and write it with
// Marshal or WriteTo; both validate first, so a server never sends a file
// Silverlight would reject. NewHandler (or NewRawHandler for a file's
// bytes) serves it as /clientaccesspolicy.xml, and SocketServer answers
// Silverlight's socket policy request on port 943 (the exact 22 bytes, no
// NUL; the reply ends when the server closes).
//
// # Two readings
//
// Parse is Silverlight's own reading: what rejects the file
// whole is an error (a *match.Diagnostic with line and column), and every
// piece it drops or thing it ignores is a warning. ParseStrict holds the
// file to the published format and makes every deviation an error; it
// returns the same Policy. Both bound the input (1 MiB and 32 levels of
// nesting by default; see Parser), never expand entities and never fetch a
// DTD.
//
// # Decisions taken
//
// Where Silverlight's sources are silent, this package does
// what Silverlight did and otherwise denies:
//
//   - Unknown elements directly inside <access-policy> and
//     <cross-domain-access> are ignored (with a warning); unknown elements
//     inside <policy>, <allow-from> or <grant-to> drop their parent, as
//     Silverlight did.
//   - A <resource> or <socket-resource> with any content, whitespace
//     included, drops its <grant-to>; <resource ...></resource> with no
//     content at all is the same as <resource .../>.
//   - <access-policy> with no child element (text alone included) is an
//     empty root and rejects the file.
//   - A <domain> without uri, or with a value that can never match (a bare
//     host, a wildcard other than a leading "*.", another scheme, a query),
//     admits no one and is reported; the rest of its <allow-from> stands.
//   - A relative resource path never matches a request and is reported.
//   - In crossdomain.xml, several site-control elements must all carry an
//     accepted value, and an empty or unknown value switches the file off.
//   - SocketServer at its connection cap keeps accepting, and makes room
//     by closing the oldest connection not being answered (one lingering
//     after its reply, else one that has waited 20 ms or more without
//     sending its whole request), so that a flood of silent connections
//     cannot keep Silverlight waiting in the listen queue. While the
//     server is full, a client whose request comes 20 ms or more after it
//     connected may be closed unanswered. The cap still bounds memory.
//
// Silverlight's decisions themselves (caller patterns, methods, headers,
// the path-character rule and its one exception, sockets) are documented
// on Compile and CompileCrossDomain.
package clientaccess
