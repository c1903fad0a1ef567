package clientaccess

import (
	"fmt"
	"strings"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/reading"
	"github.com/xdpolicy/xdpolicy/match"
)

// LintOptions say what a linted file is.
type LintOptions struct {
	// File names the file in findings.
	File string
	// Trust, when set, is the organisation's allowlist: a caller it does
	// not cover whole is an UntrustedCaller finding.
	Trust *finding.Allowlist
}

// Lint reports what an audit would say about p: grants wider
// than a site likely means and entries Silverlight never uses. The codes,
// and what to do about each, are documented in package finding.
func (p *Policy) Lint(opts LintOptions) []finding.Finding {
	fs := &reading.Findings{File: opts.File}
	add := fs.Add
	for _, cda := range p.CrossDomainAccess {
		for _, r := range cda.Policies {
			var open []AllowFrom // allow-froms that admit every caller
			for _, af := range r.AllowFrom {
				anyone := false
				for _, d := range af.Domains {
					uri := strings.TrimSpace(d.URI)
					if _, err := ParseDomainURI(uri); err != nil {
						add(d.Pos, finding.DeadEntry, finding.Info, "%s", reading.NeverMatches(fmt.Sprintf("<domain uri=%s>", match.Quote(uri)), err))
						continue
					}
					switch uri {
					case "*", "http://*", "https://*":
						anyone = true
					}
					for _, f := range finding.Trusted(uri, trustedHost(uri), opts.Trust) {
						add(d.Pos, f.Code, f.Level, "%s", f.Message)
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
					add(af.Pos, finding.OpenHeaders, finding.Medium,
						"any caller may send %s with the user's cookies", headerList(af.HTTPRequestHeaders))
				}
			}
			for _, g := range r.GrantTo {
				for _, res := range g.Resources {
					if res.Path == "/" && res.IncludeSubpaths {
						add(res.Pos, finding.OpenAccess, finding.High,
							"any caller may read everything on the site, with the user's cookies")
					}
				}
				for _, s := range g.SocketResources {
					if s.Port.Lo <= MinSocketPort && s.Port.Hi >= MaxSocketPort {
						add(s.Pos, finding.OpenSocket, finding.High,
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
// trustedHost is the host part of a domain uri as an allowlist reads it:
// "*" for the callers of every host ("*", "http://*", "file:///").
func trustedHost(uri string) string {
	if h := uriHost(uri); h != "" {
		return h
	}
	return "*"
}

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
	return match.Quote(h)
}
