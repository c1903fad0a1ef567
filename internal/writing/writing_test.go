package writing

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAttr(t *testing.T) {
	var b bytes.Buffer
	Attr(&b, "a", `x"<&>'`)
	Attr(&b, "empty", "")
	assert.Equal(t, ` a="x&#34;&lt;&amp;&gt;&#39;"`, b.String())
}

func TestWriteTo(t *testing.T) {
	var b bytes.Buffer
	n, err := WriteTo(&b, func() ([]byte, error) { return []byte("abc"), nil })
	assert.NoError(t, err)
	assert.Equal(t, int64(3), n)
	boom := errors.New("boom")
	n, err = WriteTo(&b, func() ([]byte, error) { return nil, boom })
	assert.ErrorIs(t, err, boom)
	assert.Zero(t, n)
}
