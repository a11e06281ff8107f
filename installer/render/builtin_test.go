package render

import (
	"context"
	"errors"
	"testing"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// TestBuiltinPackagesRender renders every revision of the built-in
// repository with its defaults (and its dependencies' defaults), through
// every stage: option validation and Marathon's rules included.
func TestBuiltinPackagesRender(t *testing.T) {
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range tree.Revisions() {
		deps, err := DependencyDefaults(tree, r)
		if err != nil {
			t.Errorf("%s: %v", r.Dir, err)
			continue
		}
		res, err := Render(context.Background(), Request{Revision: r, Dependencies: deps, Source: "builtin"})
		if err != nil {
			t.Errorf("%s: %v", r.Dir, err)
			continue
		}
		n++
		if res.Group {
			t.Logf("%s renders a group", r.Dir)
		}
	}
	if n == 0 {
		t.Error("no built-in package rendered")
	}
}

func TestFind(t *testing.T) {
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	r, err := Find(tree, "spark", "")
	if err != nil || r.Package != "spark" || r != mustPackage(t, tree, "spark").Latest() {
		t.Errorf("Find(spark) = %v, %v; want the latest revision", r, err)
	}
	latest := mustPackage(t, tree, "spark").Revisions[0]
	r, err = Find(tree, "spark", latest.Version.String())
	if err != nil || r != latest {
		t.Errorf("Find(spark, %s) = %v, %v", latest.Version, r, err)
	}
	if _, err := Find(tree, "nope", ""); !errors.Is(err, ErrNotFound) || err.Error() != "package [nope] not found" {
		t.Errorf("Find(nope) error = %v", err)
	}
	if _, err := Find(tree, "spark", "0.0.0-nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find(spark, 0.0.0-nope) error = %v", err)
	} else {
		t.Log(err)
	}
}

func mustPackage(t *testing.T, tree *repo.Tree, name string) *repo.Package {
	t.Helper()
	p, ok := tree.Package(name)
	if !ok {
		t.Fatalf("no package %s", name)
	}
	return p
}
