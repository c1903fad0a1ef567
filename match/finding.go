package match

import (
	"fmt"
	"strings"
)

// Level ranks a Finding by what it exposes, from Info (an entry that does
// nothing) to High (any caller may act as the user).
type Level int

// The levels, from the least.
const (
	Info Level = iota + 1
	Low
	Medium
	High
)

var levelNames = [...]string{Info: "info", Low: "low", Medium: "medium", High: "high"}

func (l Level) String() string {
	if l > 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel parses "info", "low", "medium" or "high" (any case).
func ParseLevel(s string) (Level, error) {
	for l, name := range levelNames {
		if name != "" && strings.EqualFold(s, name) {
			return Level(l), nil
		}
	}
	return 0, fmt.Errorf("unknown level %q: want info, low, medium or high", s)
}

// Finding is one thing an audit reports about a policy file: a grant
// wider than a site likely means, or an entry that does nothing. The
// format packages' Lint functions produce them; each Code is documented
// once, with what to do about it, in the package that reports it.
type Finding struct {
	// Code is a short, stable name, such as "open-access".
	Code  string
	Level Level
	// Message says what the entry exposes or why it is dead, in terms of
	// this file.
	Message string
	// File names the file (its URL or path); Pos is where the entry is.
	File string
	Pos  Pos
	// Spec is the rule of SPEC.md the finding rests on, such as "SPEC.md 4".
	Spec string
}

// String formats the finding as FILE:LINE:COL: LEVEL: CODE: MESSAGE.
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File + ":")
	}
	if f.Pos != (Pos{}) {
		b.WriteString(f.Pos.String() + ":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	fmt.Fprintf(&b, "%s: %s: %s", f.Level, f.Code, f.Message)
	return b.String()
}
