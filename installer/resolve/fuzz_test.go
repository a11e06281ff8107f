package resolve_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/Masterminds/semver/v3"

	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// FuzzRange parses a dependency's version range as the loader does and
// resolves a package that depends on one of three versions of another
// through it: parsing never panics and gives a range or an error, never
// both; the resolver chooses the most preferred version the range allows,
// exactly as Masterminds/semver judges it, and gives a *ConflictError when
// the range allows none.
func FuzzRange(f *testing.F) {
	for _, s := range []struct{ rng, v1, v2, v3 string }{
		{">=3.3.0 <4.0.0", "3.3.6", "3.4.1", "4.0.0"},
		{"^2.0.0", "1.0.0", "2.0.0", "2.1.0-beta"},
		{"~1.2", "1.2.9", "1.3.0", "1.2.0+build.5"},
		{">=1.0.0-0 || 0.x", "0.9.0", "1.0.0-rc.1", "2.10.0-3.11.6-fix"},
		{"1.2.3 - 2.3.4, !=2.0.0", "2.0.0", "2.3.4", "2.3.5"},
		{"<<", "1", "v1.0.0", "1.0"},
		{"*", "", "x", "01.2.3"},
	} {
		f.Add(s.rng, s.v1, s.v2, s.v3)
	}
	// Every range the built-in packages and the corpus write, against the
	// versions the built-in packages have.
	var metas [][]byte
	err := fs.WalkDir(packages.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || path.Base(p) != repo.PackageFile {
			return err
		}
		b, err := fs.ReadFile(packages.FS(), p)
		metas = append(metas, b)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range append(metas, sharedtest.CorpusFiles(1, "package.json")...) {
		var m struct {
			Dependencies []struct {
				Version string `json:"version"`
			} `json:"dependencies"`
		}
		if json.Unmarshal(b, &m) == nil {
			for _, d := range m.Dependencies {
				f.Add(d.Version, "3.4.33", "3.5.15", "3.9.3")
			}
		}
	}
	f.Fuzz(func(t *testing.T, rng, v1, v2, v3 string) {
		m := fstest.MapFS{}
		add := func(name, version string, release int, deps []map[string]any) {
			data, err := json.Marshal(map[string]any{
				"packagingVersion": "6.0", "name": name, "version": version, "dependencies": deps,
			})
			if err != nil {
				t.Fatal(err)
			}
			m["A/"+name+"/"+strconv.Itoa(release)+"/package.json"] = &fstest.MapFile{Data: data}
		}
		add("app", "1.0.0", 0, []map[string]any{{"name": "bb", "version": rng}})
		versions := []string{v1, v2, v3}
		for i, v := range versions {
			add("bb", v, i+1, nil)
		}
		tree, err := repo.Load(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		app, ok := tree.Package("app")
		if !ok || len(app.Revisions) != 1 || len(app.Revisions[0].Dependencies) != 1 {
			t.Fatalf("app did not load with its dependency: %v", tree.Problems)
		}
		dep := app.Revisions[0].Dependencies[0]
		c, cerr := semver.NewConstraint(rng)
		if rng != "" && ((dep.Constraints == nil) == (dep.RangeErr == nil) || (cerr == nil) != (dep.RangeErr == nil)) {
			t.Fatalf("range %q: Constraints %v, RangeErr %v; semver says %v", rng, dep.Constraints, dep.RangeErr, cerr)
		}
		// The newest release is preferred: v3, then v2, then v1.
		want := -1
		for i := len(versions) - 1; i >= 0; i-- {
			allowed := rng == ""
			if sv, err := semver.StrictNewVersion(versions[i]); err == nil && cerr == nil && rng != "" {
				allowed = c.Check(sv)
			}
			if got := dep.Allows(repo.ParseVersion(versions[i])); got != allowed {
				t.Fatalf("range %q allows %q = %v, semver says %v", rng, versions[i], got, allowed)
			}
			if allowed && want < 0 {
				want = i
			}
		}
		sol, err := resolve.Resolve(context.Background(), resolve.Trees{{Name: "fuzz", Tree: tree}}, resolve.Request{Name: "app"})
		if want < 0 {
			var ce *resolve.ConflictError
			if !errors.As(err, &ce) || !errors.Is(err, resolve.ErrNoSolution) || ce.Error() == "" {
				t.Fatalf("range %q allows none of %q: Resolve = %v, %v; want a *ConflictError", rng, versions, sol, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("range %q allows %q: Resolve: %v", rng, versions[want], err)
		}
		ch, ok := sol.Choice("bb")
		if !ok || ch.Revision == nil || ch.Revision.Release != want+1 {
			t.Fatalf("range %q over %q: chose %+v, want release %d (%q)", rng, versions, ch, want+1, versions[want])
		}
	})
}
