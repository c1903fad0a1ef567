package match

import "fmt"

// Severity ranks a Diagnostic.
type Severity int

const (
	// Warning: the reader went on; something was ignored or dropped.
	Warning Severity = iota + 1
	// Error: in a runtime reading, the runtime rejected the whole file;
	// in a strict reading, the file deviates from the published format.
	Error
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Diagnostic is one thing a reading noticed in a policy file, with where.
// Every format package reports with it, so tools handle all formats alike.
//
// A *Diagnostic is also the error a runtime reading returns when the
// runtime rejects a file whole; use errors.As to get its position.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	// Code is a short, stable name for the kind of finding, such as
	// "syntax" or "unknown-element".
	Code string
	// Message says what is wrong and what the runtime does about it.
	Message string
}

// Error returns "LINE:COL: MESSAGE".
func (d *Diagnostic) Error() string { return d.Pos.String() + ": " + d.Message }

// String returns "LINE:COL: SEVERITY: MESSAGE".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Message)
}
