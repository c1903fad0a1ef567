package reading

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdpolicy/xdpolicy/finding"
	"github.com/xdpolicy/xdpolicy/internal/xmldoc"
	"github.com/xdpolicy/xdpolicy/match"
)

func TestSuggest(t *testing.T) {
	tests := []struct {
		got   string
		known []string
		want  string
	}{
		{"url", []string{"uri"}, " (did you mean uri?)"},
		{"URI", []string{"uri"}, " (did you mean uri?)"},
		{"include-subpath", []string{"path", "include-subpaths"}, " (did you mean include-subpaths?)"},
		{"domian", []string{"domain"}, " (did you mean domain?)"},
		{"secure", []string{"uri"}, ""},
		{"id", []string{"uri"}, ""},
		{"", []string{"uri"}, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Suggest(tt.got, tt.known...), "%q", tt.got)
	}
}

func TestReporter(t *testing.T) {
	r := Reporter{}
	r.Ignore(xmldoc.Pos{Line: 3, Col: 1}, CodeText, "third")
	r.Reject(xmldoc.Pos{Line: 2, Col: 5}, CodeRoot, "second %d", 2)
	r.Deviation(xmldoc.Pos{Line: 1, Col: 1}, CodeProlog, "strict only")
	r.Note(xmldoc.Pos{Line: 1, Col: 1}, CodeProlog, "first")
	assert.True(t, r.Rejected())
	ds, err := r.Finish()
	require.Len(t, ds, 3)
	assert.Equal(t, []string{"first", "second 2", "third"}, []string{ds[0].Message, ds[1].Message, ds[2].Message})
	assert.Equal(t, match.Warning, ds[2].Severity)
	var d *match.Diagnostic
	require.ErrorAs(t, err, &d)
	assert.Equal(t, "2:5: second 2", err.Error())

	s := Reporter{Strict: true}
	s.Ignore(xmldoc.Pos{Line: 4, Col: 1}, CodeText, "ignored")
	s.Deviation(xmldoc.Pos{Line: 1, Col: 1}, CodeProlog, "deviation")
	ds, err = s.Finish()
	require.Len(t, ds, 2)
	assert.Equal(t, match.Error, ds[1].Severity)
	assert.EqualError(t, err, "1:1: deviation")
}

func TestDocumentConflictHint(t *testing.T) {
	r := Reporter{}
	doc := r.Document([]byte("<a>\n<<<<<<< HEAD\n<b/>\n=======\n<c/>\n>>>>>>> main\n</a>"), xmldoc.Options{})
	assert.Nil(t, doc)
	_, err := r.Finish()
	assert.ErrorContains(t, err, "line 2 holds a merge-conflict marker")
}

func TestCodeTitle(t *testing.T) {
	for _, c := range []string{CodeSyntax, CodeLimit, CodeRoot, CodeNamespace, CodeUnknownElem, CodeUnknownAttr,
		CodeMissingAttr, CodeInvalidValue, CodeText, CodeNeverMatches, CodeEmpty, CodeProlog} {
		assert.NotEmpty(t, CodeTitle(c), c)
	}
	assert.Len(t, finding.ReadingDocs, 12, "every code documented, in finding.ReadingDocs")
	assert.Empty(t, CodeTitle("no-such-code"))
}
