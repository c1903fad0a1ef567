package crossdomain

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSiteMetaPolicy(t *testing.T) {
	for _, tc := range []struct {
		file, header string
		want         MetaPolicy
	}{
		{`<cross-domain-policy/>`, "", PermitMasterOnly},
		{`<cross-domain-policy/>`, "all", PermitMasterOnly},
		{`<cross-domain-policy/>`, "none", PermitNone},
		{`<cross-domain-policy/>`, "none-this-response", PermitMasterOnly},
		{`<cross-domain-policy><site-control permitted-cross-domain-policies="all"/></cross-domain-policy>`, "", PermitAll},
		{`<cross-domain-policy><site-control permitted-cross-domain-policies="all"/></cross-domain-policy>`, "by-content-type", PermitByContentType},
		{`<cross-domain-policy><site-control permitted-cross-domain-policies="by-ftp-filename"/></cross-domain-policy>`, "master-only", PermitMasterOnly},
		{`<cross-domain-policy><site-control permitted-cross-domain-policies="all"/></cross-domain-policy>`, "bogus", PermitNone},
	} {
		pol, _, err := Parse([]byte(tc.file))
		require.NoError(t, err)
		assert.Equal(t, tc.want, pol.siteMetaPolicy(tc.header), "%s with header %q", tc.file, tc.header)
	}
}

func TestMetaPolicyAdmits(t *testing.T) {
	for _, tc := range []struct {
		m           MetaPolicy
		media, path string
		ok          bool
		why         string
	}{
		{PermitAll, "text/plain", "/a/b.xml", true, ""},
		{PermitByContentType, ContentType, "/a/b.xml", true, ""},
		{PermitByContentType, "text/xml", "/a/crossdomain.xml", false, `served as "text/xml"; the meta-policy by-content-type admits only text/x-cross-domain-policy`},
		{PermitByFTPFilename, "text/xml", "/a/crossdomain.xml", true, ""},
		{PermitByFTPFilename, ContentType, "/a/policy.xml", false, "not named crossdomain.xml; the meta-policy by-ftp-filename admits no other file"},
		{PermitMasterOnly, ContentType, "/a/crossdomain.xml", false, "the meta-policy is master-only, so only the master counts"},
		{PermitNone, ContentType, "/a/crossdomain.xml", false, "the meta-policy is none, so no policy file counts"},
	} {
		ok, why := tc.m.admits(tc.media, tc.path)
		assert.Equal(t, tc.ok, ok, "%s %s %s", tc.m, tc.media, tc.path)
		assert.Equal(t, tc.why, why)
	}
}
