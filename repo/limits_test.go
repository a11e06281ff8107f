package repo

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestFileSizeLimit loads a package whose config.json is one byte over
// MaxFileSize, from memory and from disk: the loader records a file/read
// problem naming the file, its size and the limit, and reads a file of
// exactly MaxFileSize.
func TestFileSizeLimit(t *testing.T) {
	pkg := []byte(`{"packagingVersion": "4.0", "name": "big", "version": "1.0.0"}`)
	over := []byte(`{"description": "` + strings.Repeat("x", MaxFileSize-18) + `"}`)
	at := []byte(`{"description": "` + strings.Repeat("x", MaxFileSize-19) + `"}`)
	if len(over) != MaxFileSize+1 || len(at) != MaxFileSize {
		t.Fatalf("sizes %d, %d", len(over), len(at))
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"B/big/0/package.json": pkg, "B/big/0/config.json": over, "B/big/1/package.json": pkg, "B/big/1/config.json": at} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range []struct {
		name string
		fsys fs.FS
	}{
		{"memory", fstest.MapFS{
			"B/big/0/package.json": {Data: pkg}, "B/big/0/config.json": {Data: over},
			"B/big/1/package.json": {Data: pkg}, "B/big/1/config.json": {Data: at},
		}},
		{"DirFS", DirFS(dir)},
	} {
		t.Run(src.name, func(t *testing.T) {
			tree, err := Load(context.Background(), src.fsys)
			if err != nil {
				t.Fatal(err)
			}
			var read []Finding
			for _, p := range tree.Problems {
				if p.Rule == RuleRead {
					read = append(read, p)
				}
			}
			if len(read) != 1 || read[0].File != "B/big/0/config.json" ||
				!strings.Contains(read[0].Message, "is 8388609 bytes, over the limit of 8388608 bytes") {
				t.Fatalf("file/read problems = %v, want one for B/big/0/config.json naming its size and the limit", read)
			}
			big, _ := tree.Package("big")
			if r := big.Revisions; len(r) != 2 || (r[0].Config.Value == nil) == (r[1].Config.Value == nil) {
				t.Errorf("the config.json of MaxFileSize bytes was not read")
			}
		})
	}
}
