// Package crossdomain models crossdomain.xml, the cross-domain policy file
// of Flash Player (and of Silverlight, which reads a narrow subset of it).
//
// A crossdomain.xml file looks like this:
//
//	<?xml version="1.0"?>
//	<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">
//	<cross-domain-policy>
//	  <site-control permitted-cross-domain-policies="master-only"/>
//	  <allow-access-from domain="*.example.com"/>
//	  <allow-access-from domain="socks.example.net" to-ports="507,516-523"/>
//	  <allow-http-request-headers-from domain="*.example.com" headers="SOAPAction,X-Foo*"/>
//	</cross-domain-policy>
//
// This package holds the typed model every reading of the file fills in.
// Silverlight's reading of the file lives in package clientaccess
// (clientaccess.ParseCrossDomain).
package crossdomain

import "github.com/xdpolicy/xdpolicy/match"

// Policy is a crossdomain.xml file: the <cross-domain-policy> root and its
// children.
type Policy struct {
	// SchemaInstance and NoNamespaceSchemaLocation are the root's
	// xmlns:xsi and xsi:noNamespaceSchemaLocation attributes, which many
	// files carry and every runtime ignores.
	SchemaInstance            string
	NoNamespaceSchemaLocation string

	// SiteControl holds the <site-control> elements; a well-formed master
	// policy has at most one.
	SiteControl []SiteControl
	// AllowAccessFrom holds the <allow-access-from> elements.
	AllowAccessFrom []AllowAccessFrom
	// AllowHTTPRequestHeadersFrom holds the
	// <allow-http-request-headers-from> elements.
	AllowHTTPRequestHeadersFrom []AllowHTTPRequestHeadersFrom
	// AllowAccessFromIdentity holds <allow-access-from-identity> elements
	// (Acrobat's; they never grant anything to Flash Player).
	AllowAccessFromIdentity []AllowAccessFromIdentity

	// Pos is where the root element starts.
	Pos match.Pos
}

// SiteControl is <site-control permitted-cross-domain-policies="…"/>, the
// meta-policy of a master policy file.
type SiteControl struct {
	// PermittedCrossDomainPolicies is the value as written: "none",
	// "master-only", "by-content-type", "by-ftp-filename" or "all".
	PermittedCrossDomainPolicies string
	Pos                          match.Pos
}

// AllowAccessFrom is <allow-access-from domain="…" [to-ports="…"]
// [secure="…"]/>.
type AllowAccessFrom struct {
	// Domain is the caller pattern as written.
	Domain string
	// ToPorts is the socket port list as written ("" when absent).
	ToPorts string
	// Secure is the secure attribute as written: "", "true" or "false".
	Secure string
	Pos    match.Pos
}

// AllowHTTPRequestHeadersFrom is <allow-http-request-headers-from
// domain="…" headers="…" [secure="…"]/>.
type AllowHTTPRequestHeadersFrom struct {
	Domain string
	// Headers is the header list as written.
	Headers string
	// Secure is the secure attribute as written: "", "true" or "false".
	Secure string
	Pos    match.Pos
}

// AllowAccessFromIdentity is <allow-access-from-identity>, which names
// signers by certificate fingerprint.
type AllowAccessFromIdentity struct {
	Signatories []Signatory
	Pos         match.Pos
}

// Signatory is <signatory> inside <allow-access-from-identity>.
type Signatory struct {
	Certificates []Certificate
	Pos          match.Pos
}

// Certificate is <certificate fingerprint="…" fingerprint-algorithm="…"/>.
type Certificate struct {
	Fingerprint          string
	FingerprintAlgorithm string
	Pos                  match.Pos
}
