package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xdpolicy/xdpolicy/match"
)

// runtimeNames name the runtimes' callers in verdicts.
var runtimeNames = map[string]string{Flash: "Flash", Silverlight: "Silverlight", Mozilla: "Mozilla-draft"}

// grants collects what a group of callers may do: each thing ("read
// everything", "open sockets to any port") with where ("HTTP", "HTTPS";
// nothing for sockets), in the order found.
type grants struct {
	what  []string
	where map[string][]string
}

func (g *grants) add(what, where string) {
	if g.where == nil {
		g.where = map[string][]string{}
	}
	if _, ok := g.where[what]; !ok {
		g.what = append(g.what, what)
		g.where[what] = nil
	}
	if where != "" && !slices.Contains(g.where[what], where) {
		g.where[what] = append(g.where[what], where)
	}
}

func (g *grants) String() string {
	var parts []string
	for _, w := range g.what {
		if places := g.where[w]; len(places) > 0 {
			w += " over " + list(places, len(places))
		}
		parts = append(parts, w)
	}
	return list(parts, len(parts))
}

// list joins items as "a", "a and b", "a, b and c", keeping the first
// keep and counting the rest ("a, b and 3 more").
func list(items []string, keep int) string {
	if len(items) > keep {
		items = append(items[:keep:keep], fmt.Sprintf("%d more", len(items)-keep))
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// verdicts sums up, per runtime, what the files it uses grant to callers
// from other sites.
func (s *Site) verdicts(sockets bool) []Verdict {
	var out []Verdict
	for _, rt := range Runtimes {
		var anyone, named grants
		var callers []string
		for _, f := range s.Files {
			p := f.compiled[rt]
			if p == nil || p.Disabled != "" {
				continue
			}
			for _, r := range p.Rules {
				things := ruleGrants(p, r)
				if len(things) == 0 {
					continue
				}
				g := &named
				for _, c := range r.Callers {
					if c.Host.IsAny() {
						g = &anyone
					} else if !slices.Contains(callers, c.Text) {
						callers = append(callers, c.Text)
					}
				}
				for _, t := range things {
					g.add(t[0], t[1])
				}
			}
		}
		name := runtimeNames[rt]
		var parts []string
		if len(anyone.what) > 0 {
			parts = append(parts, fmt.Sprintf("any %s caller may %s", name, &anyone))
		}
		if len(named.what) > 0 {
			parts = append(parts, fmt.Sprintf("%s callers from %s may %s", name, list(callers, 3), &named))
		}
		if len(parts) == 0 {
			what := "read anything over HTTP or HTTPS"
			if sockets && rt != Mozilla {
				what = "read anything or open a socket"
			}
			parts = append(parts, fmt.Sprintf("no %s caller from another site may %s", name, what))
		}
		out = append(out, Verdict{Runtime: rt, Text: strings.Join(parts, "; ")})
	}
	return out
}

// ruleGrants lists what one rule grants, as (what, where) pairs.
func ruleGrants(p *match.Policy, r match.Rule) [][2]string {
	var out [][2]string
	if p.Scope.Socket {
		ports := r.Ports
		for _, rg := range p.SocketPorts.Ranges() {
			ports = ports.Intersect(rg.Lo, rg.Hi)
		}
		if !ports.Empty() {
			out = append(out, [2]string{"open sockets to " + portsText(ports), ""})
		}
		return out
	}
	for _, ps := range r.Paths {
		what := "read " + pathText(p.Scope, ps)
		if r.Delegate {
			what += " (deeper by delegation)"
		}
		out = append(out, [2]string{what, schemeText(p.Scope)})
	}
	return out
}

// pathText describes a granted path within the scope of its file.
func pathText(sc match.Scope, ps match.PathScope) string {
	dir := sc.Dir
	if dir == "" {
		dir = "/"
	}
	switch {
	case ps.Path == "/" && ps.Subpaths && dir == "/":
		return "everything"
	case ps.Path == "/" && ps.Subpaths:
		return dir + " and below"
	case ps.Subpaths:
		return ps.Path + " and below"
	}
	return ps.Path
}

// schemeText names where an HTTP policy applies: "HTTP", "HTTPS", or
// with a port that is not the scheme's default, "HTTP port 8080".
func schemeText(sc match.Scope) string {
	s := strings.ToUpper(sc.Scheme)
	if sc.Port != 0 && sc.Port != match.DefaultPort(sc.Scheme) {
		s += " port " + strconv.Itoa(sc.Port)
	}
	return s
}

// portsText describes a port set: "any port", "port 4502",
// "ports 4502-4534".
func portsText(ps match.PortSet) string {
	rs := ps.Ranges()
	if len(rs) == 1 && rs[0].Lo <= 1 && rs[0].Hi >= 65535 {
		return "any port"
	}
	if len(rs) == 1 && rs[0].Lo == rs[0].Hi {
		return "port " + strconv.Itoa(rs[0].Lo)
	}
	return "ports " + ps.String()
}
