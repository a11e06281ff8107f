package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/repo/index"
)

func TestYank(t *testing.T) {
	ctx := context.Background()
	dir := baseTree(t)
	out := filepath.Join(t.TempDir(), "released")
	if _, err := index.BuildFS(ctx, repo.DirFS(dir), out, index.Options{}); err != nil {
		t.Fatal(err)
	}
	released, err := ReadIndex(out)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	if err := Yank(ctx, dir, "alpha", 100, YankOptions{Reason: "data loss on upgrade", Now: now}); err != nil {
		t.Fatalf("Yank: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "A/alpha/100", repo.YankedFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"reason\": \"data loss on upgrade\",\n  \"date\": \"2026-11-26T01:00:00Z\"\n}\n"; string(b) != want {
		t.Errorf("marker = %q, want %q", b, want)
	}
	if err := Yank(ctx, dir, "alpha", 100, YankOptions{}); !errors.Is(err, ErrYanked) {
		t.Errorf("Yank twice = %v, want ErrYanked", err)
	}
	for _, rel := range []int{50, -1} {
		if err := Yank(ctx, dir, "alpha", rel, YankOptions{}); !errors.Is(err, ErrRevisionNotFound) {
			t.Errorf("Yank(alpha, %d) = %v, want ErrRevisionNotFound", rel, err)
		}
	}
	if err := Yank(ctx, dir, "nope", 0, YankOptions{}); !errors.Is(err, ErrRevisionNotFound) {
		t.Errorf("Yank(nope) = %v, want ErrRevisionNotFound", err)
	}

	tree, err := repo.Load(ctx, repo.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tree.Package("alpha")
	r, _ := p.Release(100)
	if !r.Yanked || r.YankReason != "data loss on upgrade" {
		t.Errorf("loaded A/alpha/100: Yanked %v, reason %q", r.Yanked, r.YankReason)
	}
	for _, f := range tree.Problems {
		t.Errorf("loading a yanked tree: %v", f)
	}

	// Yanking is not a change to a released revision.
	fs, err := Released(ctx, tree, released)
	if err != nil || len(fs) != 0 {
		t.Errorf("Released after a yank = %v, %v; want nothing", fs, err)
	}

	// Resolution skips it; the exact version still resolves; listings
	// mark it.
	c := catalog.New(catalog.NewTree("local", tree))
	if rev, _, err := c.Resolve(ctx, "alpha", ""); err != nil || rev.Release != 0 {
		t.Errorf("Resolve(alpha) = %v, %v; want release 0", rev, err)
	}
	if rev, _, err := c.Resolve(ctx, "alpha", "1.1.0"); err != nil || rev.Release != 100 || !rev.Yanked {
		t.Errorf("Resolve(alpha, 1.1.0) = %v, %v; want the yanked release 100", rev, err)
	}
	vs, err := c.Versions(ctx, "alpha")
	if err != nil || len(vs) != 2 || !vs[0].Yanked || vs[1].Yanked {
		t.Errorf("Versions(alpha) = %+v, %v; want 100 yanked, 0 not", vs, err)
	}

	// The built index carries the flag, outside the digest.
	out2 := filepath.Join(t.TempDir(), "out")
	if _, err := index.BuildFS(ctx, repo.DirFS(dir), out2, index.Options{}); err != nil {
		t.Fatal(err)
	}
	ix, err := ReadIndex(out2)
	if err != nil {
		t.Fatal(err)
	}
	var alpha []index.Entry
	for _, e := range ix.Entries {
		if err := e.Verify(); err != nil {
			t.Errorf("Verify: %v", err)
		}
		if want := e.Name == "alpha" && e.Release == 100; e.Yanked != want {
			t.Errorf("index entry %s %d: Yanked %v, want %v", e.Name, e.Release, e.Yanked, want)
		}
		for _, o := range released.Entries {
			if o.Name == e.Name && o.Release == e.Release && o.SHA256 != e.SHA256 {
				t.Errorf("index entry %s %d: sha256 changed by the yank", e.Name, e.Release)
			}
		}
		if e.Name == "alpha" {
			alpha = append(alpha, e)
		}
	}
	ip, err := index.Package(ctx, "alpha", alpha)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := ip.Release(100); r == nil || !r.Yanked {
		t.Errorf("index.Package(alpha) release 100 = %+v, want yanked", r)
	}
	if r, _ := ip.Release(0); r == nil || r.Yanked {
		t.Errorf("index.Package(alpha) release 0 = %+v, want not yanked", r)
	}
}

func TestResolveEveryVersionYanked(t *testing.T) {
	ctx := context.Background()
	dir := baseTree(t)
	for _, rel := range []int{0, 100} {
		if err := Yank(ctx, dir, "alpha", rel, YankOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := repo.Load(ctx, repo.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = catalog.New(catalog.NewTree("local", tree)).Resolve(ctx, "alpha", "")
	var vnf *catalog.VersionNotFoundError
	if !errors.As(err, &vnf) || err.Error() != "every version of package [alpha] is yanked; install one by its exact version: 1.1.0, 1.0.0" {
		t.Errorf("Resolve(alpha) = %v, want every version yanked", err)
	}
}
