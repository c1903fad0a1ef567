// Package match is the rule model every cross-domain policy format compiles
// into, and the one evaluator that judges requests against it.
//
// It knows no XML and does no I/O. The format packages (clientaccess for
// Silverlight's clientaccesspolicy.xml, crossdomain for Flash Player's
// crossdomain.xml, mozpolicy for the Mozilla draft) read a file and compile
// it into a *Policy; Decide then answers one question: may this caller
// reach this target, with this method and these request headers?
//
//	pol, _, err := clientaccess.Parse(body)
//	if err != nil {
//		// Silverlight rejects the file whole; err says where and why.
//	}
//	p := pol.Compile(clientaccess.CompileOptions{Source: "https://api.example.com/clientaccesspolicy.xml"})
//
//	req, err := match.NewRequest("http://app.example.net/app.xap", "https://api.example.com/data/feed")
//	d := p.Decide(req)
//	fmt.Println(d) // allow: … or deny: …, naming the file, the rule and its line
//
// # Vocabulary
//
// An Origin is the caller: the URL of the SWF, XAP or page that makes the
// request, with its host in lower-case ASCII (international names through
// golang.org/x/net/idna, so the Unicode and Punycode spellings of a name
// are one caller) and its default port filled in. A Target is what it
// wants to reach: an http or https URL, or a socket (xmlsocket:// for
// Flash, tcp:// for Silverlight) given as host and port. A Request joins
// the two with the method, the request header names and, for the Mozilla
// draft, the service type.
//
// A Policy is one file compiled: an ordered list of Rules, the Scope the
// file governs (a site, a directory of it, or a socket host), and the
// limits of the runtime that read it (the socket ports it opens at all, the
// headers it never sends). A Rule admits Callers (host patterns with an
// optional scheme, port and exact path), Methods and Headers, and grants
// Paths (PathScope: one path, or a path and everything below it at a
// segment boundary) or socket Ports. Where a format grants request headers
// apart from access (Flash's allow-http-request-headers-from), the Policy
// sets SeparateHeaders and lists HeaderRules, which alone judge a request
// that sends custom headers. A Rule may also be limited to request Types
// (the Mozilla draft's xml, soap, load and save) and may Delegate: when it
// decides a target in a subdirectory of its file, the Decision is
// Delegated and names in Next the file one directory nearer the target,
// which decides instead (mozpolicy.Resolver follows such chains).
//
// # Deciding
//
// Decide consults the rules in order and the first rule that admits the
// caller, the method, every header and the target decides; a policy with
// many domain entries is indexed by host when it is first used, so a
// policy of 10,000 domains costs about as much to consult as one of ten.
// A Policy is safe for concurrent use once built, and Decide allocates
// nothing, whether it allows or denies: a proxy can call it on every
// request.
//
// Every Decision says why: Allowed, a Code that scripts can branch on
// (Granted, NoCaller, NotSecure, HeaderNotAllowed, …), the Rule that
// decided with its position in the file, and Reason, a sentence for people.
// The texts (Reason, Detail, Grant, String) are built when they are asked
// for, from what the decision recorded, so a caller that only branches on
// Allowed pays nothing for them.
// When no rule admits the request, the denial names the rule that came
// closest and what it lacked, so "why was this denied?" has an answer
// without a debugger.
//
// Decide judges a request against one file. It does not apply the
// same-origin shortcut of the runtimes' lookups (a caller may always reach
// its own site); Request.SameOrigin reports it, and the lookup clients
// apply it before fetching anything.
//
// # At the boundary
//
// Before any rule is consulted, the request itself must make sense; what
// does not is refused, never judged by a prefix against a grant:
//
//   - Names. A method and every request header name must be an HTTP token
//     (RFC 9110: letters, digits and !#$%&'*+-.^_`|~). "X-API-Key\r\nAuthorization: x"
//     is not a header an X-API-* grant admits but a request no runtime
//     could send: Decide refuses it with the code Malformed (not NoCaller
//     or HeaderNotAllowed, so a proxy can tell a malformed request from a
//     denied one), and Request.Validate says which name and why. So is a
//     comma-joined list passed as one name, "X-API-Key,Authorization".
//   - Hosts. An origin or target whose host is empty once IDNA maps it
//     (characters the mapping deletes, such as U+034F or U+200B) or is only
//     dots is an error of ParseOrigin and ParseTarget: never a caller, never
//     a site.
//   - Paths. A scope is judged on the path the server will serve.
//     ParseTarget reads the path as a browser's URL parser (WHATWG) does for
//     http and https: '\' is '/', a segment "%2e" or ".%2E" is a dot
//     segment, and dot-segments are removed, so "/api/..\secret" and
//     "/api/.%2e/secret" are "/secret". The result is percent-decoded once.
//     A path whose meaning depends on the server's own decoding (an escaped
//     '\' or '/' as "%5c" or "%2f", an escaped '%' as in "%252e", "%00",
//     an overlong or invalid UTF-8 escape such as "%c0%ae") is ambiguous
//     (Target.Ambiguity): servers read "/api/..%5csecret" as "/secret". It
//     lies outside every scope narrower than the whole site: outside a
//     directory a file governs (Scope.Dir: Flash Player's non-master files,
//     the draft's delegated files) and outside every granted path but "/"
//     and below (PathScope.Covers: Silverlight's resources, the draft's
//     to). A policy file found at an ambiguous location grants nothing
//     (AmbiguousLocation). Silverlight's and the draft's path-character
//     rules apply as before, on top.
//
// Messages that echo input (a URL, a header name) quote it with Quote,
// which escapes what a terminal would show wrongly and clips what is long.
//
// # Decisions taken
//
// Where the runtimes' sources are silent, this package denies rather than
// allows: a zero HostPattern never matches, a Rule without callers admits
// no one, a Rule without paths or ports grants nothing, and a target path
// is compared only after dot-segment removal and percent-decoding, so
// "/public/../private" is "/private".
package match
