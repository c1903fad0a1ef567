// Package writing holds what the writers of every format share.
package writing

import (
	"bytes"
	"encoding/xml"
	"io"
)

// Attr writes ` name="value"` with the value escaped, leaving out an empty
// value.
func Attr(b *bytes.Buffer, name, value string) {
	if value == "" {
		return
	}
	b.WriteString(" " + name + `="`)
	_ = xml.EscapeText(b, []byte(value)) // writing to a bytes.Buffer cannot fail
	b.WriteString(`"`)
}

// WriteTo writes what marshal returns to w, for io.WriterTo methods.
func WriteTo(w io.Writer, marshal func() ([]byte, error)) (int64, error) {
	b, err := marshal()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}
