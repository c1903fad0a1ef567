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
	return evidence(src, lineStarts(src), pos)
}

// AddEvidence sets the Evidence of each finding from src, the file they
// are about, indexing its lines once: a file of thousands of findings
// costs one pass, not one per finding.
func AddEvidence(fs []Finding, src []byte) {
	if len(fs) == 0 {
		return
	}
	starts := lineStarts(src)
	for i := range fs {
		fs[i].Evidence = evidence(src, starts, fs[i].Pos)
	}
}

// lineStarts returns the offset of each line of src.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func evidence(src []byte, starts []int, pos match.Pos) string {
	if !pos.IsValid() || pos.Line > len(starts) {
		return ""
	}
	off, col := starts[pos.Line-1], 1
	for off < len(src) && col < pos.Col && src[off] != '\n' {
		_, n := utf8.DecodeRune(src[off:])
		off += n
		col++
	}
	if col != pos.Col || off >= len(src) || src[off] != '<' {
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
