package index_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
)

func TestAppendPythonFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,"b":[true,false,null],"c":{}}`, `{"a": 1, "b": [true, false, null], "c": {}}`},
		{`[1.0, 0.5, 1e3, 1E-5, 0.0001, 1e16, 123456789012345678, -0, -0.0, 2.50]`,
			`[1.0, 0.5, 1000.0, 1e-05, 0.0001, 1e+16, 123456789012345678, 0, -0.0, 2.5]`},
		{`"tab\there \"q\" back\\slash \u00e9 \ud83d\ude00 \u007f /"`, `"tab\there \"q\" back\\slash \u00e9 \ud83d\ude00 \u007f /"`},
		{`{"k":1,"j":2,"k":3}`, `{"k": 3, "j": 2}`},
		{`[]`, `[]`},
	}
	for _, tt := range tests {
		v, err := index.Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := string(index.Append(nil, v)); got != tt.want {
			t.Errorf("Append(Parse(%q)) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`{`, `{"a" 1}`, `[1,]`, `"\x"`, `01`, `{"a":1} x`} {
		if _, err := index.Parse([]byte(bad)); !errors.Is(err, index.ErrSyntax) {
			t.Errorf("Parse(%q) error = %v, want ErrSyntax", bad, err)
		}
	}
}

func loadBuiltin(t testing.TB) *repo.Tree {
	t.Helper()
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestNativeRoundTrip builds our built-in packages, decodes the native
// index, verifies every revision's sha256 and turns the entries back into
// revisions equal to the originals.
func TestNativeRoundTrip(t *testing.T) {
	tree := loadBuiltin(t)
	out := filepath.Join(t.TempDir(), "out")
	res, err := index.Build(context.Background(), tree, out, index.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, index.NativeFile))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Version != "v6" || ix.Digest != res.Digest || ix.GeneratedAt != "2026-11-26T00:00:00Z" {
		t.Errorf("Decode header = %q %q %q, want v6 %q 2026-11-26T00:00:00Z", ix.Version, ix.Digest, ix.GeneratedAt, res.Digest)
	}
	if len(ix.Entries) != len(tree.Revisions()) {
		t.Fatalf("index has %d entries, want %d", len(ix.Entries), len(tree.Revisions()))
	}
	byName := map[string][]index.Entry{}
	for _, e := range ix.Entries {
		if err := e.Verify(); err != nil {
			t.Errorf("Verify: %v", err)
		}
		byName[e.Name] = append(byName[e.Name], e)
	}
	for _, want := range tree.Packages {
		got, err := index.Package(context.Background(), want.Name, byName[want.Name])
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Revisions) != len(want.Revisions) {
			t.Fatalf("%s: %d revisions, want %d", want.Name, len(got.Revisions), len(want.Revisions))
		}
		for i, w := range want.Revisions {
			g := got.Revisions[i]
			if g.Release != w.Release || g.Version.String() != w.Version.String() || g.PackagingVersion != w.PackagingVersion {
				t.Errorf("%s: revision %d = %d %s %s, want %d %s %s", want.Name, i, g.Release, g.Version, g.PackagingVersion, w.Release, w.Version, w.PackagingVersion)
			}
			if w.Template != nil && (g.Template == nil || !bytes.Equal(g.Template.Data, w.Template.Data)) {
				t.Errorf("%s/%d: template differs after the round trip", want.Name, w.Release)
			}
			if diff := cmp.Diff(w.Config.Value, g.Config.Value); w.Config != nil && diff != "" {
				t.Errorf("%s/%d: config (-want +got):\n%s", want.Name, w.Release, diff)
			}
			if diff := cmp.Diff(depNames(w), depNames(g)); diff != "" {
				t.Errorf("%s/%d: dependencies (-want +got):\n%s", want.Name, w.Release, diff)
			}
		}
	}
	// The Cosmos files hold our 6.0 packages downgraded, without dependencies.
	for _, f := range []struct {
		name, pv string
	}{{"universe.json", `"packagingVersion": "5.0"`}, {"repo-up-to-1.11.json", `"packagingVersion": "4.0"`}, {"repo-up-to-1.9.json", `"packagingVersion": "3.0"`}} {
		data, err := os.ReadFile(filepath.Join(out, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(`"dependencies": [{`)) || bytes.Contains(data, []byte(`"6.0"`)) {
			t.Errorf("%s still has 6.0 entries or dependencies", f.name)
		}
		if ix, err := index.Decode(data); err != nil || (len(ix.Entries) > 0 && !bytes.Contains(data, []byte(f.pv))) {
			t.Errorf("%s: %v, or no %s entry", f.name, err, f.pv)
		}
	}
}

func depNames(r *repo.Revision) []string {
	var n []string
	for _, d := range r.Dependencies {
		n = append(n, d.Name+" "+d.Range)
	}
	return n
}

// TestVerifyDetectsCorruption changes one byte of an entry's content and
// expects ErrDigest.
func TestVerifyDetectsCorruption(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, err := index.Build(context.Background(), loadBuiltin(t), out, index.Options{Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(out, index.NativeFile))
	data = bytes.Replace(data, []byte(`"description": "Apache Cassandra`), []byte(`"description": "Apache Kassandra`), 1)
	ix, err := index.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, e := range ix.Entries {
		if err := e.Verify(); err != nil {
			if !errors.Is(err, index.ErrDigest) || e.Name != "cassandra" {
				t.Errorf("Verify(%s/%d) = %v, want ErrDigest only for cassandra", e.Name, e.Release, err)
			}
			bad++
		}
	}
	if bad != 1 {
		t.Errorf("%d corrupted entries detected, want 1", bad)
	}
}

// TestBuildAtomic proves a failed build leaves the previous output intact
// and a successful one replaces it whole.
func TestBuildAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "marker"), []byte("old"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := index.Build(ctx, loadBuiltin(t), out, index.Options{}); err == nil {
		t.Fatal("Build with a cancelled context succeeded")
	}
	if b, err := os.ReadFile(filepath.Join(out, "marker")); err != nil || string(b) != "old" {
		t.Errorf("previous output damaged after a failed build: %q %v", b, err)
	}
	if _, err := index.Build(context.Background(), loadBuiltin(t), out, index.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "marker")); !os.IsNotExist(err) {
		t.Errorf("old file survived a rebuild: %v", err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}

// TestBelow110Escape checks the quote escaping and the 4.0 → 3.0 downgrade
// of the files below DC/OS 1.10 on a small tree.
func TestBelow110Escape(t *testing.T) {
	fsys := fstest.MapFS{
		"A/alpha/0/package.json": {Data: []byte(`{"packagingVersion":"4.0","name":"alpha","version":"1.0","upgradesFrom":["*"],"maintainer":"m","description":"d","tags":[]}`)},
		"A/alpha/0/config.json": {Data: []byte(`{"type":"object","properties":{"s":{"type":"object","description":"say \"hi\"",` +
			`"properties":{"x":{"type":"string","default":"\"a\"\"b\\\"c\""}}}}}`)},
	}
	tree, err := repo.Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := index.Build(context.Background(), tree, out, index.Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(out, "repo-up-to-1.9.json"))
	want := `{"packages": [{"packagingVersion": "3.0", "name": "alpha", "version": "1.0", "maintainer": "m", "description": "d", "tags": [], "releaseVersion": 0, ` +
		`"config": {"type": "object", "properties": {"s": {"type": "object", "description": "say \\\"hi\\\"", ` +
		`"properties": {"x": {"type": "string", "default": "\"a\\\"\"b\\\"c\\\""}}}}}}]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("repo-up-to-1.9.json (-want +got):\n%s", diff)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "repo-up-to-1.10.json")); !strings.Contains(string(got), `"upgradesFrom": ["*"]`) {
		t.Errorf("repo-up-to-1.10.json lost upgradesFrom: %s", got)
	}
}

// TestBuildFSMatchesBuild: building from the files and from a loaded tree
// give the same bytes.
func TestBuildFSMatchesBuild(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if _, err := index.Build(context.Background(), loadBuiltin(t), a, index.Options{Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	if _, err := index.BuildFS(context.Background(), packages.FS(), b, index.Options{Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.Walk(a, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between Build and BuildFS (%v)", rel, err)
		}
		n++
		return nil
	})
	if n < 40 {
		t.Errorf("compared %d files, want over 40", n)
	}
}
