package fetch

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMemo(t *testing.T) {
	var m Memo[int]
	a := Origin{"http", "a.example", 80}
	b := Origin{"https", "a.example", 443}
	c := Origin{"http", "b.example", 80}
	_, ok := m.Load(a)
	assert.False(t, ok)
	m.Store(a, 1)
	m.Store(b, 2)
	m.Store(c, 3)
	m.Store(a, 4) // replaces
	for o, want := range map[Origin]int{a: 4, b: 2, c: 3} {
		got, ok := m.Load(o)
		assert.True(t, ok, o)
		assert.Equal(t, want, got, o)
	}
	_, ok = m.Load(Origin{"http", "a.example", 8080})
	assert.False(t, ok, "another port of a known host")

	// Readers and writers at once (go test -race).
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				o := Origin{"http", fmt.Sprintf("h%d.example", j%7), 80 + i}
				m.Store(o, j)
				if v, ok := m.Load(o); !ok || v < 0 {
					t.Error("lost", o)
				}
			}
		}()
	}
	wg.Wait()
}
