package repo

import (
	"io/fs"
	"path"
	"testing"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/packages"
)

// fuzzSeedFiles returns the built-in packages' files with the given names
// and those of one corpus revision in every `every` (none when the corpus
// is absent), to seed fuzz targets with real manifests.
func fuzzSeedFiles(f *testing.F, every int, names ...string) [][]byte {
	f.Helper()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out [][]byte
	err := fs.WalkDir(packages.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !want[path.Base(p)] {
			return err
		}
		b, err := fs.ReadFile(packages.FS(), p)
		out = append(out, b)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	return append(out, sharedtest.CorpusFiles(every, names...)...)
}
