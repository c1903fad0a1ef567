package finding

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xdpolicy/xdpolicy/match"
)

// Allowlist is an organisation's list of the callers it trusts, as host
// patterns: "www.partner.example", "*.partner.example" (the domain and
// every host under it), "10.0.0.5". A policy that trusts a caller the
// list does not cover whole has an UntrustedCaller finding, so a company
// can gate its sites in CI on "only our partners".
type Allowlist struct {
	patterns []match.HostPattern
}

// ParseAllowlist reads an allowlist, one host pattern a line; blank lines
// and lines starting with # are skipped. A pattern that can never match is
// an error naming its line.
func ParseAllowlist(r io.Reader) (*Allowlist, error) {
	a := &Allowlist{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p, err := match.ParseHostPattern(strings.ToLower(line), match.WildcardWithApex)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		a.patterns = append(a.patterns, p)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("a line is longer than %d bytes: an allowlist holds one host pattern a line", bufio.MaxScanTokenSize)
		}
		return nil, err
	}
	return a, nil
}

// Covers reports whether every host the caller pattern host admits (the
// host part of a caller pattern: "www.a.example", "*.a.example", "*") is
// on the list. A nil Allowlist covers everything.
func (a *Allowlist) Covers(host string) bool {
	if a == nil {
		return true
	}
	p, err := match.ParseHostPattern(strings.ToLower(host), match.WildcardWithApex)
	if err != nil {
		return true // it admits no one: the dead-entry finding says so
	}
	for _, q := range a.patterns {
		if p.Within(q) {
			return true
		}
	}
	return false
}

// Outside returns the UntrustedCaller finding for a caller pattern whose
// host part is host when the list does not cover it. pattern is the value
// as written, for the message.
func (a *Allowlist) Outside(pattern, host string) (Finding, bool) {
	if a.Covers(host) {
		return Finding{}, false
	}
	what := "a caller"
	if host == "*" {
		what = "every caller"
	}
	return Finding{Code: UntrustedCaller, Level: Medium,
		Message: fmt.Sprintf("%s trusts %s the allowlist does not", match.Quote(pattern), what)}, true
}
