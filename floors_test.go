package xdpolicy

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFloors keeps the module's floors honest: internal/ holds machinery
// below the format packages, so nothing in it imports a format package or
// an engine above them; each runtime's rules are its own package's, so
// mozpolicy does not import crossdomain.
func TestFloors(t *testing.T) {
	const mod = "github.com/xdpolicy/xdpolicy"
	above := []string{mod, mod + "/crossdomain", mod + "/clientaccess", mod + "/mozpolicy", mod + "/audit", mod + "/policytest", mod + "/cors", mod + "/bridge"}
	check := func(dir string, forbidden []string) {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, no := range forbidden {
					if path == no {
						t.Errorf("%s imports %s", p, path)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("internal", above)
	check("mozpolicy", []string{mod + "/crossdomain", mod + "/clientaccess"})
	check("match", above)
}
