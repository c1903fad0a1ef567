package finding

import (
	"bytes"
	"unicode/utf8"

	"github.com/xdpolicy/xdpolicy/match"
)

// WSTG is the OWASP Web Security Testing Guide test every finding belongs
// to: "Test RIA Cross Domain Policy".
const WSTG = "WSTG-CONF-08"

// cwes are the weaknesses the codes are instances of: CWE-942
// (permissive cross-domain policy with untrusted domains), or a closer one.
var cwes = map[string]string{
	OpenAccess:            "CWE-942",
	OpenSocket:            "CWE-942",
	OpenHeaders:           "CWE-942",
	Insecure:              "CWE-319", // cleartext transmission: plain-HTTP callers read HTTPS
	PermissiveSiteControl: "CWE-942",
	SuffixWildcard:        "CWE-942",
	WideWildcard:          "CWE-942",
	DeadEntry:             "CWE-561",  // dead code
	IgnoredFile:           "CWE-1164", // irrelevant code
	Cacheable:             "CWE-942",
	NoMetaPolicyHeader:    "CWE-693", // a protection mechanism left off
	InternalHost:          "CWE-942",
	UntrustedCaller:       "CWE-942",
	PageHeader:            "CWE-693",
	UnregisteredDomain:    "CWE-942",
}

// CWE returns the weakness a finding code is an instance of, such as
// "CWE-942"; every code has one.
func CWE(code string) string { return cwes[code] }

// maxEvidence bounds the evidence quoted from a file.
const maxEvidence = 200

// Evidence returns the element as it stands in the file src at pos (the
// position a finding gives, a start tag's "<"): its start tag, clipped to
// 200 bytes, or "" when pos does not point at one.
func Evidence(src []byte, pos match.Pos) string {
	if !pos.IsValid() {
		return ""
	}
	off, line, col := 0, 1, 1
	for off < len(src) && (line < pos.Line || line == pos.Line && col < pos.Col) {
		r, n := utf8.DecodeRune(src[off:])
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		off += n
	}
	if off >= len(src) || src[off] != '<' {
		return ""
	}
	tag := src[off:]
	end, quote := -1, byte(0)
	for i, c := range tag {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			end = i + 1
		}
		if end >= 0 || i >= maxEvidence {
			break
		}
	}
	if end < 0 {
		end = min(len(tag), maxEvidence)
		return string(bytes.ToValidUTF8(tag[:end], nil)) + "…"
	}
	return string(bytes.ToValidUTF8(tag[:end], nil))
}
