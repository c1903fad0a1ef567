// Package readingtest holds what the format packages' tests share when
// they check a reading's diagnostics. (Each keeps its own small diag table
// type: go vet wants keyed literals for a struct from another package.)
package readingtest

import (
	"testing"

	"github.com/xdpolicy/xdpolicy/match"
)

// CheckDiagnostics fails t unless every diagnostic has a position, a code
// and a message, and err, if any, is a *match.Diagnostic, as every reading
// promises.
func CheckDiagnostics(t testing.TB, ds []match.Diagnostic, err error) {
	t.Helper()
	for _, d := range ds {
		if !d.Pos.IsValid() || d.Message == "" || d.Code == "" {
			t.Fatalf("diagnostic without position, code or message: %#v", d)
		}
	}
	if err != nil {
		if _, ok := err.(*match.Diagnostic); !ok {
			t.Fatalf("error is %T, not a *match.Diagnostic", err)
		}
	}
}
