package packages_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
)

// TestIndexCurrent fails when an embedded package differs from the
// embedded index: the index built from FS() now must be index.json byte
// for byte. After changing a package, run `go generate ./packages`.
func TestIndexCurrent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	_, err := index.BuildFS(context.Background(), packages.FS(), out,
		index.Options{Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	built, err := os.ReadFile(filepath.Join(out, index.NativeFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(built, '\n'), packages.Index()) {
		t.Fatal("packages/index.json is out of date with the embedded packages: run go generate ./packages")
	}
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := index.VerifyTree(tree, packages.Index()); err != nil {
		t.Errorf("VerifyTree(embedded packages, embedded index) = %v, want nil", err)
	}
}

// TestIndexCatchesChange: a package that differs from the embedded index
// by one byte, a revision the index lacks and one it has in excess are
// each reported.
func TestIndexCatchesChange(t *testing.T) {
	mfs := fstest.MapFS{}
	err := fs.WalkDir(packages.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(packages.FS(), p)
		mfs[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := "Z/zookeeper/300/marathon.json.mustache"
	orig := mfs[tmpl].Data
	mfs[tmpl] = &fstest.MapFile{Data: bytes.Replace(orig, []byte("{"), []byte("{ "), 1)}
	for _, f := range []string{"package.json", "config.json", "resource.json", "marathon.json.mustache"} {
		data, _ := fs.ReadFile(packages.FS(), "Z/zookeeper/300/"+f)
		mfs["Z/zookeeper/400/"+f] = &fstest.MapFile{Data: data}
	}
	for _, f := range []string{"package.json", "config.json", "resource.json", "marathon.json.mustache"} {
		delete(mfs, "E/etcd/100/"+f)
	}
	tree, err := repo.Load(context.Background(), mfs)
	if err != nil {
		t.Fatal(err)
	}
	err = index.VerifyTree(tree, packages.Index())
	if !errors.Is(err, index.ErrDigest) {
		t.Fatalf("VerifyTree(changed tree) = %v, want ErrDigest", err)
	}
	for _, want := range []string{"Z/zookeeper/300: sha256 mismatch: content has", "Z/zookeeper/400: sha256 mismatch: not in the index", "etcd@100: sha256 mismatch: in the index, not in the tree"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("VerifyTree(changed tree) = %v\nlacks %q", err, want)
		}
	}
}

// BenchmarkVerifyBuiltin is what every command reading the built-in
// repository pays to check it against the embedded index.
func BenchmarkVerifyBuiltin(b *testing.B) {
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := index.VerifyTree(tree, packages.Index()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadBuiltin loads the built-in repository, for comparison.
func BenchmarkLoadBuiltin(b *testing.B) {
	for b.Loop() {
		if _, err := repo.Load(context.Background(), packages.FS()); err != nil {
			b.Fatal(err)
		}
	}
}
