package repo

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestDirFS(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	big := strings.Repeat("x", 100<<10) // larger than the first read buffer
	write("A/ab/0/package.json", `{"name": "ab", "description": "`+big+`"}`)
	write("A/ab/0/config.json", "")
	fsys := DirFS(dir)
	if err := fstest.TestFS(fsys, "A/ab/0/package.json", "A/ab/0/config.json"); err != nil {
		t.Fatal(err)
	}
	rf := fsys.(fs.ReadFileFS)
	data, err := rf.ReadFile("A/ab/0/package.json")
	if err != nil || len(data) != len(big)+33 {
		t.Errorf("ReadFile = %d bytes, %v; want %d", len(data), err, len(big)+33)
	}
	if data, err := rf.ReadFile("A/ab/0/config.json"); err != nil || len(data) != 0 {
		t.Errorf("ReadFile(empty) = %q, %v", data, err)
	}
	if _, err := rf.ReadFile("A/ab/0/missing.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) error = %v, want fs.ErrNotExist", err)
	}
	if _, err := rf.ReadFile("../etc/passwd"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("ReadFile(../etc/passwd) error = %v, want fs.ErrInvalid", err)
	}
	if _, err := readLimited(filepath.Join(dir, "A/ab/0/package.json"), 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("readLimited over the limit: error = %v, want ErrTooLarge", err)
	}
	tree, err := Load(context.Background(), fsys)
	if err != nil || len(tree.Revisions()) != 1 || tree.Revisions()[0].Name != "ab" {
		t.Fatalf("Load(DirFS) = %v, %v", tree, err)
	}
}
