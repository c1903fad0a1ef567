package clientaccess

import (
	"fmt"
	"strings"

	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/match"
)

// Lint reports what an audit would say about p (SPEC.md 4): grants wider
// than a site likely means and entries Silverlight never uses. file names
// the file in the findings. The codes, and what to do about each, are
// documented in package match.
func (p *Policy) Lint(file string) []match.Finding {
	fs := &reading.Findings{File: file}
	add := fs.Add
	for _, cda := range p.CrossDomainAccess {
		for _, r := range cda.Policies {
			var open []AllowFrom // allow-froms that admit every caller
			for _, af := range r.AllowFrom {
				anyone := false
				for _, d := range af.Domains {
					uri := strings.TrimSpace(d.URI)
					if _, err := parseDomainURI(uri); err != nil {
						add(d.Pos, match.FindingDeadEntry, match.Info, "SPEC.md 2.3", "%s", reading.NeverMatches(fmt.Sprintf("<domain uri=%q>", uri), err))
						continue
					}
					switch uri {
					case "*", "http://*", "https://*":
						anyone = true
					}
					if f, ok := match.WildcardFinding(uri, uriHost(uri)); ok {
						add(d.Pos, f.Code, f.Level, f.Spec, "%s", f.Message)
					}
				}
				if anyone {
					open = append(open, af)
				}
			}
			if len(open) == 0 {
				continue
			}
			for _, af := range open {
				if strings.TrimSpace(af.HTTPRequestHeaders) != "" {
					add(af.Pos, match.FindingOpenHeaders, match.Medium, "SPEC.md 2.4, 4",
						"any caller may send %s with the user's cookies", headerList(af.HTTPRequestHeaders))
				}
			}
			for _, g := range r.GrantTo {
				for _, res := range g.Resources {
					if res.Path == "/" && res.IncludeSubpaths {
						add(res.Pos, match.FindingOpenAccess, match.High, "SPEC.md 2.5, 4",
							"any caller may read everything on the site, with the user's cookies")
					}
				}
				for _, s := range g.SocketResources {
					if s.Port.Lo <= MinSocketPort && s.Port.Hi >= MaxSocketPort {
						add(s.Pos, match.FindingOpenSocket, match.High, "SPEC.md 2.6, 4",
							"any caller may open a socket to every port Silverlight allows (%d-%d)", MinSocketPort, MaxSocketPort)
					}
				}
			}
		}
	}
	return fs.List
}

// uriHost returns the host part of a domain uri ("http://*.example.com:80/"
// gives "*.example.com").
func uriHost(uri string) string {
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		rest = rest[:i]
	}
	return rest
}

func headerList(h string) string {
	if strings.TrimSpace(h) == "*" {
		return "any header"
	}
	return fmt.Sprintf("%q", h)
}
