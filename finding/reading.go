package finding

// ReadingDoc documents one code of the readings' diagnostics
// (match.Diagnostic.Code): what a runtime, or the published format, made
// of a part of a policy file as it read it. A diagnostic has a Severity
// (an error rejects the file; a warning is a part the runtime ignores or
// drops), not a Level.
type ReadingDoc struct {
	Code string
	// Title is one line: what was read.
	Title string
	// Help says what the runtime does with it and what to do about it.
	Help string
}

// ReadingDocs documents every code of the readings' diagnostics. Read it;
// do not modify it.
var ReadingDocs = []ReadingDoc{
	{"syntax", "not well-formed XML",
		`The file is not well-formed XML (a tag not closed, an unescaped "&", a
reference to an entity declared in a DTD, which no reader expands). Every
runtime rejects it whole, so it grants nothing. Fix the XML; "xdpolicy lint"
points at the line and column.`},
	{"limit", "over a size or depth limit",
		`The file is larger than the size limit, or nests elements deeper than the
depth limit. The reader stops there and rejects the file rather than read a
part of it. A policy file is small: shorten it, or raise the limit when
reading on purpose.`},
	{"root", "wrong, namespaced or empty root",
		`The root element is not the one the format names (<cross-domain-policy>,
<access-policy>), is in a namespace, or the file has none. The runtime
rejects the file, so it grants nothing. Use the format's root element.`},
	{"namespace", "a namespaced or prefixed element",
		`An element is in a namespace, or written with a prefix, that the format
does not use. The runtime does not recognise it and ignores it (or the
whole file, at the root). Write the element without a namespace.`},
	{"unknown-element", "an element the format does not have",
		`An element that is not part of the format, or is in a place the format
does not put it. The runtime ignores it (Silverlight drops the enclosing
policy), so what it meant to grant is not granted. The message suggests
the element meant when the name is a near miss.`},
	{"unknown-attribute", "an attribute the format does not have",
		`An attribute that is not part of the format on this element. The runtime
ignores it (Silverlight drops the enclosing allow-from), so what it meant
is lost. The message suggests the attribute meant when the name is a near
miss.`},
	{"missing-attribute", "a required attribute is missing",
		`An element lacks an attribute the format requires (a domain, to-ports in
a socket policy, a path). The runtime reads the element as granting
nothing, or reads a default the message names. Add the attribute.`},
	{"invalid-value", "an attribute value outside the format",
		`An attribute has a value the format does not define (a meta-policy
other than none, master-only, by-content-type, by-ftp-filename or all; a
port list that is not one; secure other than true or false). The message
says how the runtime reads it, often as the most restrictive value.`},
	{"text", "character data where the format has none",
		`Text inside an element that the format leaves empty or gives element
content only. The runtime ignores it; it is often a value written as text
instead of as an attribute.`},
	{"never-matches", "a pattern that can never match",
		`A domain, uri, from or to pattern that matches no caller or target as the
runtime compares them (a wildcard in the middle of a name, a port where
the format has none, a path that climbs out of its directory). The entry
is kept but grants nothing. The message says why.`},
	{"empty", "an element that grants nothing",
		`The file, or one of its policies, grants nothing: no entry admits a
caller. The runtime denies every request it governs. Intended for a
policy that closes a site; otherwise add the grants meant.`},
	{"prolog", "something before the root",
		`Something before the root element that the runtimes accept but XML or the
format does not: whitespace before the XML declaration, or a declared
encoding other than the one the bytes are read in (UTF-8, or UTF-16 after
a byte order mark). Save the file as UTF-8, declare that, and start it
with the declaration.`},
}

// ReadingDocFor returns the documentation of a reading diagnostic's code.
func ReadingDocFor(code string) (ReadingDoc, bool) {
	for _, d := range ReadingDocs {
		if d.Code == code {
			return d, true
		}
	}
	return ReadingDoc{}, false
}

// ReadingHelpURL returns the address of the documentation of a reading
// diagnostic's code.
func ReadingHelpURL(code string) string {
	return "https://pkg.go.dev/github.com/xdpolicy/xdpolicy/finding#ReadingDocs"
}
