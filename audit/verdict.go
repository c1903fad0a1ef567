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

// exposure collects what one caller (or anyone) may reach: paths to read
// per place ("HTTP", "HTTPS"), and socket ports, in the order found.
type exposure struct {
	places  []string
	reads   map[string][]string
	sockets []string
}

func (e *exposure) read(place, what string) {
	if e.reads == nil {
		e.reads = map[string][]string{}
	}
	if _, ok := e.reads[place]; !ok {
		e.places = append(e.places, place)
	}
	if !slices.Contains(e.reads[place], what) {
		e.reads[place] = append(e.reads[place], what)
	}
}

func (e *exposure) socket(ports string) {
	if !slices.Contains(e.sockets, ports) {
		e.sockets = append(e.sockets, ports)
	}
}

// String says what may be reached: "read everything over HTTP and
// HTTPS and open sockets to port 4502"; places with the same paths are
// named together.
func (e *exposure) String() string {
	var keys []string
	places := map[string][]string{}
	for _, pl := range e.places {
		k := list(e.reads[pl], len(e.reads[pl]))
		if _, ok := places[k]; !ok {
			keys = append(keys, k)
		}
		places[k] = append(places[k], pl)
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, "read "+k+" over "+list(places[k], len(places[k])))
	}
	if len(e.sockets) > 0 {
		parts = append(parts, "open sockets to "+list(e.sockets, len(e.sockets)))
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
// from other sites: what anyone may reach, then what named callers may,
// callers with the same grants named together. When a file the runtime
// reads could not be read, the verdict is unknown: it says which and
// why, then what the files that were read grant, never that nobody may
// reach anything.
func (s *Site) verdicts(sockets bool) []Verdict {
	var out []Verdict
	for _, rt := range Runtimes {
		var anyone exposure
		named := map[string]*exposure{}
		var callers []string
		for _, f := range s.Files {
			p := f.compiled[rt]
			if p == nil || p.Disabled != "" {
				continue
			}
			for _, r := range p.Rules {
				for _, c := range r.Callers {
					e := &anyone
					if !c.Host.IsAny() {
						if named[c.Text] == nil {
							named[c.Text] = &exposure{}
							callers = append(callers, c.Text)
						}
						e = named[c.Text]
					}
					grant(e, p, r)
				}
			}
		}
		name := runtimeNames[rt]
		var parts []string
		if what := anyone.String(); what != "" {
			parts = append(parts, fmt.Sprintf("any %s caller may %s", name, what))
		}
		var whats []string
		who := map[string][]string{}
		for _, c := range callers {
			what := named[c].String()
			if what == "" {
				continue
			}
			if _, ok := who[what]; !ok {
				whats = append(whats, what)
			}
			who[what] = append(who[what], c)
		}
		for _, what := range whats {
			parts = append(parts, fmt.Sprintf("%s callers from %s may %s", name, list(who[what], 3), what))
		}
		if unread := s.unread[rt]; len(unread) > 0 {
			var whys []string
			through := " through sockets"
			for _, f := range unread {
				whys = append(whys, fmt.Sprintf("%s could not be read (%s)", f.url, f.why))
				if !f.socket {
					through = ""
				}
			}
			v := Verdict{Runtime: rt, Unknown: list(whys, len(whys))}
			v.Text = fmt.Sprintf("unknown: %s; what %s callers may reach%s is not known", v.Unknown, name, through)
			if len(parts) > 0 {
				v.Text += "; from what was read, " + strings.Join(parts, "; ")
			}
			out = append(out, v)
			continue
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

// grant adds what one rule grants to e.
func grant(e *exposure, p *match.Policy, r match.Rule) {
	if p.Scope.Socket {
		ports := r.Ports
		for _, rg := range p.SocketPorts.Ranges() {
			ports = ports.Intersect(rg.Lo, rg.Hi)
		}
		if !ports.Empty() {
			e.socket(portsText(ports))
		}
		return
	}
	for _, ps := range r.Paths {
		what := pathText(p.Scope, ps)
		if r.Delegate {
			what += " (deeper by delegation)"
		}
		e.read(schemeText(p.Scope), what)
	}
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
