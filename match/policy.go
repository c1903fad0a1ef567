package match

import (
	"slices"
	"strings"
	"sync"
)

// Rule is one grant of a policy file: which callers, with which methods
// and headers, may reach which paths or socket ports. A request matches a
// rule when every part of it matches; the zero value of each part admits
// nothing.
type Rule struct {
	// Name says how reasons refer to the rule, for example
	// "<policy> at 4:5".
	Name string
	// Pos is where the rule starts in its file.
	Pos Pos
	// Callers admit the caller when any of them matches.
	Callers []Caller
	// Methods admits HTTP methods.
	Methods MethodSet
	// Headers admits request header names. Content-Type is never a custom
	// header: every runtime with header rules lets it through.
	Headers HeaderSet
	// Paths grant HTTP(S) targets; empty grants none.
	Paths []PathScope
	// Ports grant socket targets; empty grants none.
	Ports PortSet
	// PortsText describes the port grant as written, for reasons.
	PortsText string
	// Secure requires an HTTPS caller when the target is HTTPS or a
	// socket (Flash's and Silverlight's secure="true").
	Secure bool
	// PathChars applies Silverlight's path-character rule: when the
	// rule grants, the request is still denied if the target's raw path
	// contains '%', "./" or "..".
	PathChars bool
	// Types, when not empty, are the only request types (Request.Type,
	// the Mozilla draft's service types) the rule admits; a request that
	// names no type is then not admitted. Empty admits every request,
	// typed or not.
	Types []string
	// Delegate makes the rule, when it decides a target in a subdirectory
	// of the policy's directory, hand the decision on instead of granting:
	// the Decision is Delegated and names the next file, the one called
	// Policy.DelegateFile in the next directory toward the target (the
	// Mozilla draft's delegate="true"). A target directly in the policy's
	// own directory is granted as usual.
	Delegate bool
}

// HeaderRule grants request headers to callers, apart from any access
// rule (Flash's allow-http-request-headers-from). See
// Policy.SeparateHeaders.
type HeaderRule struct {
	// Name says how reasons refer to the rule.
	Name string
	Pos  Pos
	// Callers admit the caller when any of them matches.
	Callers []Caller
	// Methods admits HTTP methods.
	Methods MethodSet
	// Headers are the header names granted.
	Headers HeaderSet
	// HeadersText is the header list as written, for reasons.
	HeadersText string
	// Secure requires an HTTPS caller when the target is HTTPS.
	Secure bool
}

// Policy is a compiled policy file: rules plus what the runtime adds
// around them. Build it, then call Decide as often as needed; Decide is
// safe for concurrent use. A Policy must not be modified after its first
// Decide.
type Policy struct {
	// Source names the file (its URL or path) in reasons.
	Source string
	// Runtime names the profile that read it ("flash", "silverlight",
	// "mozilla"), for reasons.
	Runtime string
	// Scope is what the file governs.
	Scope Scope
	// Rules are consulted in order; the first rule that matches the
	// request decides.
	Rules []Rule
	// SocketPorts, if not empty, are the only ports the runtime ever opens
	// a socket to (Silverlight: 4502-4534).
	SocketPorts PortSet
	// NeverSent are headers the runtime never sends, whatever the policy
	// says (Flash Player's list: crossdomain.NeverSent).
	NeverSent HeaderSet
	// NormalizeHeader, if set, maps a request header name before it is
	// compared with NeverSent (Flash reads '_' as '-').
	NormalizeHeader func(string) string
	// Disabled, if set, says why the file grants nothing although it was
	// read (a meta-policy that switches it off). Every decision but a
	// same-origin one is then a denial with this reason.
	Disabled string
	// SeparateHeaders says that request headers are granted apart from
	// access, by HeaderRules (Flash's allow-http-request-headers-from):
	// Rule.Headers is then unused, and an HTTP request that sends custom
	// headers is judged by the header rules alone: it needs one that
	// admits the caller, the method and every header.
	SeparateHeaders bool
	// HeaderRules are the separate header grants, in file order.
	HeaderRules []HeaderRule
	// Ignored describes entries of the file that grant nothing because
	// they can never match (an unknown type, a pattern that never
	// matches), such as `<allow type="SOAP"> at 3:3: type "SOAP" is not a
	// type`; a denial that no rule admits the caller mentions them.
	Ignored []string
	// DelegateFile is the name of the policy file a delegating rule sends
	// the client to (see Rule.Delegate), such as
	// "cross-domain-policy.xml".
	DelegateFile string

	once sync.Once
	idx  *index
}

// index narrows the callers to compare by the caller's host: callers that
// are "*", callers naming the host exactly, and callers with a wildcard on
// one of the host's parent domains. Without it a policy of 10,000 domain
// entries would compare every one of them on each request. A policy of a
// few callers is cheaper to scan whole than to hash the host's names, so
// its index lists them all.
type index struct {
	// all, when not nil, lists every caller: compare them all.
	all []ref
	any []ref
	// names holds, for each host name in a pattern, the callers naming it
	// exactly and those with a wildcard below it.
	names map[string]*named
	// depths has bit n set when some name in names has n labels (n < 64;
	// bit 63 stands for 63 and more), so a lookup of a parent domain no
	// pattern names is skipped.
	depths uint64
	// summary lists the first few caller patterns, for a denial that no
	// rule admits the caller.
	summary string
}

// named are the callers that name one host.
type named struct{ exact, below []ref }

// scanAll is the number of callers up to which a policy's callers are all
// compared rather than looked up by host name.
const scanAll = 8

// ref names one caller of one rule.
type ref struct{ rule, caller int32 }

func (a ref) compare(b ref) int {
	if a.rule != b.rule {
		return int(a.rule - b.rule)
	}
	return int(a.caller - b.caller)
}

func (p *Policy) index() *index {
	p.once.Do(func() {
		ix := &index{names: map[string]*named{}}
		var all []ref
		for i := range p.Rules {
			for j, c := range p.Rules[i].Callers {
				r := ref{int32(i), int32(j)}
				all = append(all, r)
				switch c.Host.kind {
				case hostAny:
					ix.any = append(ix.any, r)
				case hostExact, hostIP:
					ix.name(c.Host.host).exact = append(ix.name(c.Host.host).exact, r)
				case hostSuffix:
					ix.name(c.Host.host).below = append(ix.name(c.Host.host).below, r)
				}
			}
		}
		if len(all) <= scanAll {
			ix.all, ix.names = all, nil
		}
		ix.summary = p.callerSummary()
		p.idx = ix
	})
	return p.idx
}

func (ix *index) name(host string) *named {
	ix.depths |= 1 << labels(host)
	n := ix.names[host]
	if n == nil {
		n = &named{}
		ix.names[host] = n
	}
	return n
}

// candidates returns, in rule and caller order, the callers that may admit
// host (for a small policy, all of them).
func (ix *index) candidates(host string, buf []ref) []ref {
	if ix.all != nil {
		return ix.all
	}
	out := append(buf[:0], ix.any...)
	if host == "" || len(ix.names) == 0 {
		return out
	}
	sources := 0
	if len(out) > 0 {
		sources++
	}
	depth := 1 + strings.Count(host, ".") // of h, uncapped
	for h, first := host, true; ; first = false {
		if ix.depths&(1<<min(depth, 63)) == 0 {
			// No pattern names a domain of this many labels.
		} else if n := ix.names[h]; n != nil {
			if first && len(n.exact) > 0 {
				out = append(out, n.exact...)
				sources++
			}
			if len(n.below) > 0 {
				out = append(out, n.below...)
				sources++
			}
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
		depth--
	}
	if sources > 1 {
		slices.SortFunc(out, ref.compare)
	}
	return out
}

// labels returns the number of labels of the host name, up to 63.
func labels(host string) uint {
	n := uint(1 + strings.Count(host, "."))
	return min(n, 63)
}
