package packages

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestFSMatchesDisk checks that the embedded tree holds exactly the revision
// files on disk: nothing left out by the embed pattern, and no Go files.
// Hidden files (.swp and the like) are neither embedded nor compared.
func TestFSMatchesDisk(t *testing.T) {
	embedded := files(t, FS())
	onDisk := files(t, os.DirFS("."))
	for p := range onDisk {
		// index.json is embedded on its own (Index), not in FS().
		if !strings.Contains(p, "/") && (strings.HasSuffix(p, ".go") || p == "index.json") || hidden(p) {
			delete(onDisk, p)
		}
	}
	for p := range onDisk {
		if !embedded[p] {
			t.Errorf("%s is on disk but not embedded", p)
		}
	}
	for p := range embedded {
		if !onDisk[p] {
			t.Errorf("%s is embedded but not on disk", p)
		}
	}
	if len(embedded) == 0 {
		t.Fatal("FS() is empty")
	}
}

// TestIndexEmbedded checks that Index() is the index.json on disk.
func TestIndexEmbedded(t *testing.T) {
	onDisk, err := os.ReadFile("index.json")
	if err != nil {
		t.Fatalf("reading index.json: %v (run go generate ./packages)", err)
	}
	if len(Index()) == 0 || string(Index()) != string(onDisk) {
		t.Errorf("Index() (%d bytes) differs from index.json on disk (%d bytes)", len(Index()), len(onDisk))
	}
}

// TestFSLayout checks the <LETTER>/<name>/<revision>/<file> shape of FS().
func TestFSLayout(t *testing.T) {
	layout := regexp.MustCompile(`^[A-Z]/[a-z][a-z0-9-]*[a-z0-9]/(0|[1-9][0-9]*)/(package\.json|config\.json|resource\.json|marathon\.json\.mustache)$`)
	revisions := map[string]int{}
	for p := range files(t, FS()) {
		if !layout.MatchString(p) {
			t.Errorf("unexpected path %s", p)
			continue
		}
		revisions[p[:strings.LastIndex(p, "/")]]++
	}
	for rev, n := range revisions {
		if n != 4 {
			t.Errorf("%s has %d files, want package.json, config.json, resource.json and marathon.json.mustache", rev, n)
		}
	}
}

func hidden(p string) bool {
	for _, elem := range strings.Split(p, "/") {
		if strings.HasPrefix(elem, ".") || strings.HasPrefix(elem, "_") {
			return true
		}
	}
	return false
}

func files(t *testing.T, fsys fs.FS) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out[p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the tree: %v", err)
	}
	return out
}
