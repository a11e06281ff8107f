package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/pubtest"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
)

func TestReleased(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   []string // rule file
	}{
		{"unchanged", func(t *testing.T, dir string) {}, nil},
		{"reformatted only", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "A/alpha/0/package.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.ReplaceAll(string(b), "\n  ", "\n\t")), 0o644)
		}, nil},
		{"new revision", func(t *testing.T, dir string) {
			writeRev(t, dir, "A/alpha/200", pubtest.Revision("alpha", "1.2.0", `"upgradesFrom": ["1.1.0"],`))
		}, nil},
		{"description changed", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "A/alpha/100/package.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), "a test package", "an edited package", 1)), 0o644)
		}, []string{"release/changed A/alpha/100"}},
		{"template changed", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "B/beta/0/marathon.json.mustache")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), "sleep 1000", "sleep 2000", 1)), 0o644)
		}, []string{"release/changed B/beta/0"}},
		{"revision removed", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "A/alpha/0"))
		}, []string{"release/removed A/alpha/0"}},
		{"package removed", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "G"))
		}, []string{"release/removed G/gamma/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := baseTree(t)
			out := filepath.Join(t.TempDir(), "out")
			if _, err := index.BuildFS(ctx, repo.DirFS(dir), out, index.Options{}); err != nil {
				t.Fatal(err)
			}
			ix, err := ReadIndex(out)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, dir)
			tree, err := repo.Load(ctx, repo.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			fs, err := Released(ctx, tree, ix)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Rule+" "+f.File)
				if f.Severity != repo.Error || !strings.Contains(f.Message, "released") {
					t.Errorf("finding %v: want an error saying the revision was released", f)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Released findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadIndex(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "out")
	if _, err := index.BuildFS(ctx, repo.DirFS(baseTree(t)), out, index.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{out, filepath.Join(out, index.NativeFile)} {
		ix, err := ReadIndex(p)
		if err != nil || len(ix.Entries) != 4 {
			t.Errorf("ReadIndex(%s) = %v entries, %v; want 4", p, ix, err)
		}
	}
	if _, err := ReadIndex(filepath.Join(out, index.UniverseFile)); !errors.Is(err, ErrNotNative) {
		t.Errorf("ReadIndex(universe.json) = %v, want ErrNotNative", err)
	}
	if _, err := ReadIndex(filepath.Join(out, "nope")); err == nil {
		t.Errorf("ReadIndex(missing) = nil error")
	}
}

func writeRev(t *testing.T, dir, rd string, files map[string]string) {
	t.Helper()
	for n, d := range files {
		p := filepath.Join(dir, filepath.FromSlash(rd), n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
