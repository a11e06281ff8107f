package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// srcFS returns a revision's files as a source directory.
func srcFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for n, d := range files {
		m[n] = &fstest.MapFile{Data: []byte(d)}
	}
	return m
}

// writeTree writes revisions into a new directory: keys are revision
// directories (<LETTER>/<name>/<release>).
func writeTree(t *testing.T, revs map[string]map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rd, files := range revs {
		for n, d := range files {
			p := filepath.Join(dir, filepath.FromSlash(rd), n)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(d), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func rulesOf(r *Result) string {
	var s []string
	for _, f := range r.Findings {
		s = append(s, f.Severity.String()+" "+f.Rule+": "+f.Message)
	}
	return strings.Join(s, "\n")
}
