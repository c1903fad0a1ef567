package crossdomain

import (
	"fmt"
	"strings"
)

// MetaPolicy is a meta-policy: which policy files of a site Flash Player
// honours, from a master's <site-control permitted-cross-domain-policies>
// or an X-Permitted-Cross-Domain-Policies response header. The zero value
// means none was given.
type MetaPolicy uint8

// The meta-policies, from the strictest.
const (
	// PermitNone: no policy file counts, the master included.
	PermitNone MetaPolicy = iota + 1
	// PermitNoneThisResponse (header only): this response does not count.
	PermitNoneThisResponse
	// PermitMasterOnly: only the master counts (the HTTP default).
	PermitMasterOnly
	// PermitByContentType: non-master files count only when served as
	// text/x-cross-domain-policy (HTTP only).
	PermitByContentType
	// PermitByFTPFilename: non-master files count only when named
	// crossdomain.xml (FTP only).
	PermitByFTPFilename
	// PermitAll: every policy file counts (the socket default).
	PermitAll
)

var metaNames = [...]string{
	PermitNone:             "none",
	PermitNoneThisResponse: "none-this-response",
	PermitMasterOnly:       "master-only",
	PermitByContentType:    "by-content-type",
	PermitByFTPFilename:    "by-ftp-filename",
	PermitAll:              "all",
}

// String returns the value as written in files and headers, or "" for the
// zero MetaPolicy.
func (m MetaPolicy) String() string {
	if int(m) < len(metaNames) {
		return metaNames[m]
	}
	return fmt.Sprintf("MetaPolicy(%d)", int(m))
}

// rank orders meta-policies by how much they let count: none <
// master-only < by-content-type = by-ftp-filename < all.
// none-this-response ranks with none.
func (m MetaPolicy) rank() int {
	switch m {
	case PermitNone, PermitNoneThisResponse:
		return 0
	case PermitMasterOnly:
		return 1
	case PermitByContentType, PermitByFTPFilename:
		return 2
	case PermitAll:
		return 3
	}
	return 4 // unset: anything is stricter
}

// Stricter returns the stricter of two meta-policies, as Flash Player
// combines site-control with the header. An unset (zero) value yields the
// other. Of by-content-type and by-ftp-filename, which rank alike,
// by-content-type wins: it is the one that restricts HTTP.
func Stricter(a, b MetaPolicy) MetaPolicy {
	switch ra, rb := a.rank(), b.rank(); {
	case ra < rb:
		return a
	case rb < ra:
		return b
	case a == PermitByFTPFilename:
		return b
	}
	return a
}

// DefaultMetaPolicy is the meta-policy when the master names none:
// master-only for HTTP, all for sockets.
func DefaultMetaPolicy(socket bool) MetaPolicy {
	if socket {
		return PermitAll
	}
	return PermitMasterOnly
}

// MetaPolicyError reports a meta-policy value Flash Player does not know;
// it reads such a value as none.
type MetaPolicyError struct {
	Value string
}

func (e *MetaPolicyError) Error() string {
	return fmt.Sprintf("unknown meta-policy %q (Flash Player reads it as none)", e.Value)
}

// ParseMetaPolicy parses a site-control permitted-cross-domain-policies
// value. Values are case-sensitive; an unknown value returns PermitNone
// (what Flash Player made of it) with a *MetaPolicyError.
func ParseMetaPolicy(s string) (MetaPolicy, error) {
	for m, name := range metaNames {
		if name != "" && name == s && MetaPolicy(m) != PermitNoneThisResponse {
			return MetaPolicy(m), nil
		}
	}
	return PermitNone, &MetaPolicyError{Value: s}
}

// ParseMetaPolicyHeader parses an X-Permitted-Cross-Domain-Policies header
// value, which may also be none-this-response. A comma-separated list
// yields its strictest value; an empty header yields the zero MetaPolicy;
// an unknown value returns PermitNone with a *MetaPolicyError.
func ParseMetaPolicyHeader(v string) (MetaPolicy, error) {
	var out MetaPolicy
	var firstErr error
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		m, err := ParseMetaPolicy(item)
		if item == "none-this-response" {
			m, err = PermitNoneThisResponse, nil
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		out = Stricter(out, m)
	}
	return out, firstErr
}

// MetaPolicy returns the meta-policy the file's site-control elements
// set, and the element that set it: with several, the strictest wins; an
// unknown value counts as none. It returns the zero MetaPolicy and nil when
// the file has no site-control. Only a master's site-control counts.
func (p *Policy) MetaPolicy() (MetaPolicy, *SiteControl) {
	var out MetaPolicy
	var from *SiteControl
	for i := range p.SiteControl {
		m, _ := ParseMetaPolicy(p.SiteControl[i].PermittedCrossDomainPolicies)
		if s := Stricter(out, m); s != out || from == nil {
			out, from = s, &p.SiteControl[i]
		}
	}
	return out, from
}

// siteMetaPolicy returns the meta-policy a master HTTP policy sets for
// its site, as Flash Player 10 combined the two sources: the file's
// site-control (master-only when it has none), made stricter by the
// X-Permitted-Cross-Domain-Policies header of the response that carried
// it (header may be empty; none-this-response concerns that response
// only and is left out).
func (p *Policy) siteMetaPolicy(header string) MetaPolicy {
	site, _ := p.MetaPolicy()
	if site == 0 {
		site = DefaultMetaPolicy(false)
	}
	if hm, _ := ParseMetaPolicyHeader(header); hm != PermitNoneThisResponse {
		return Stricter(site, hm)
	}
	return site
}

// admits reports whether the meta-policy m lets a non-master HTTP policy
// file count, given the media type it was served as and its final path;
// when it does not, why says so.
func (m MetaPolicy) admits(mediaType, path string) (ok bool, why string) {
	switch m {
	case PermitAll:
		return true, ""
	case PermitByContentType:
		if mediaType == ContentType {
			return true, ""
		}
		return false, fmt.Sprintf("served as %q; the meta-policy by-content-type admits only %s", mediaType, ContentType)
	case PermitByFTPFilename:
		if strings.HasSuffix(path, "/crossdomain.xml") {
			return true, ""
		}
		return false, "not named crossdomain.xml; the meta-policy by-ftp-filename admits no other file"
	case PermitNone, PermitNoneThisResponse:
		return false, fmt.Sprintf("the meta-policy is %s, so no policy file counts", m)
	}
	return false, fmt.Sprintf("the meta-policy is %s, so only the master counts", m)
}
