// Package sharedtest locates the read-only reference material (../shared
// beside the repository: the Universe corpus, reference outputs, Marathon's
// schemas) for tests, and skips a test cleanly when it is absent.
package sharedtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the path of the shared directory, from $UNIVERSE_SHARED or
// ../shared beside the module root. When sub (a path inside it) does not
// exist, the test is skipped with a message saying what is missing.
func Dir(t testing.TB, sub ...string) string {
	t.Helper()
	dir := os.Getenv("UNIVERSE_SHARED")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Skipf("skipping: cannot find the module root to locate ../shared: %v", err)
		}
		dir = filepath.Join(root, "..", "shared")
	}
	p := filepath.Join(append([]string{dir}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("skipping: %s is not present (this test needs the shared reference material beside the repository; .ci/run provides it)", p)
	}
	return p
}

// Corpus returns the Universe corpus's packages directory, or skips.
func Corpus(t testing.TB) string {
	t.Helper()
	return Dir(t, "corpus", "universe", "packages")
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Lookup returns the path of sub inside the shared directory and whether it
// exists, without skipping: fuzz targets use it to add seeds from the
// corpus when it is there and still run without it.
func Lookup(sub ...string) (string, bool) {
	dir := os.Getenv("UNIVERSE_SHARED")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", false
		}
		dir = filepath.Join(root, "..", "shared")
	}
	p := filepath.Join(append([]string{dir}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// CorpusFiles returns the content of the corpus files with one of the given
// base names (e.g. "package.json"), taking one revision directory in every
// `every`, in path order; nil when the corpus is absent. Fuzz targets seed
// from it.
func CorpusFiles(every int, names ...string) [][]byte {
	dir, ok := Lookup("corpus", "universe", "packages")
	if !ok {
		return nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out [][]byte
	revs := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if filepath.Dir(filepath.Dir(filepath.Dir(p))) == dir {
				revs++ // <LETTER>/<name>/<release>
				if every > 1 && revs%every != 0 {
					return fs.SkipDir
				}
			}
			return nil
		}
		if want[d.Name()] {
			if b, err := os.ReadFile(p); err == nil {
				out = append(out, b)
			}
		}
		return nil
	})
	return out
}
