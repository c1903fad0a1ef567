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
// A Policy is safe for concurrent use once built.
//
// Every Decision says why: Allowed, a Code that scripts can branch on
// (Granted, NoCaller, NotSecure, HeaderNotAllowed, …), the Rule that
// decided with its position in the file, and Reason, a sentence for people.
// When no rule admits the request, the denial names the rule that came
// closest and what it lacked, so "why was this denied?" has an answer
// without a debugger.
//
// Decide judges a request against one file. It does not apply the
// same-origin shortcut of the runtimes' lookups (a caller may always reach
// its own site); Request.SameOrigin reports it, and the lookup clients
// apply it before fetching anything.
//
// # Decisions taken
//
// Where the runtimes' sources are silent, this package denies rather than
// allows: a zero HostPattern never matches, a Rule without callers admits
// no one, a Rule without paths or ports grants nothing, and a target path
// is compared only after percent-decoding and dot-segment removal (RFC 3986
// 5.2.4), so "/public/../private" is "/private".
package match
