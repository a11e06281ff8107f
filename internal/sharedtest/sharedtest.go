// Package sharedtest locates the read-only reference material (../shared
// beside the repository: the Universe corpus, reference outputs, Marathon's
// schemas) for tests, and skips a test cleanly when it is absent.
package sharedtest

import (
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
