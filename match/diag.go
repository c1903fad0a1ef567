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

// ValidationError lists why a policy built or edited in Go would not be
// honoured as written: each Problem with where its element is (the
// element's position when the policy was read from a file) and what is
// wrong. The format packages' Validate and Marshal return it.
type ValidationError struct {
	// Format names the format: "crossdomain", "clientaccess" or
	// "mozpolicy".
	Format   string
	Problems []Problem
}

// Problem is one thing Validate found.
type Problem struct {
	// Pos is where the element is in the file it was read from; the zero
	// Pos for an element built in Go.
	Pos Pos
	// Msg names the element and says what is wrong with it.
	Msg string
}

// String returns "LINE:COL: MSG", or MSG when the position is unknown.
func (p Problem) String() string {
	if p.Pos.IsValid() {
		return p.Pos.String() + ": " + p.Msg
	}
	return p.Msg
}

func (e *ValidationError) Error() string {
	s := e.Format + ": invalid policy: "
	for i, p := range e.Problems {
		if i > 0 {
			s += "; "
		}
		s += p.String()
	}
	return s
}

// Messages returns the problems as strings, in order.
func (e *ValidationError) Messages() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.String()
	}
	return out
}

// Pos is a 1-based line and column in a policy file; columns count
// characters. The zero Pos means "no position".
type Pos struct {
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

// IsValid reports whether the position is known.
func (p Pos) IsValid() bool { return p.Line > 0 }
