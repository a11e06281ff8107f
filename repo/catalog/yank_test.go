package catalog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/repo/catalog"
)

func TestYanked(t *testing.T) {
	ctx := context.Background()
	tr := tree(t, "kafka 0 1.0.0 false", "kafka 100 2.0.0 false", "zk 0 3.0.0 false")
	for _, name := range []string{"kafka", "zk"} {
		p, _ := tr.Package(name)
		p.Latest().Yanked = true
	}
	c := catalog.New(catalog.NewTree("main", tr))
	tests := []struct {
		name, version string
		want          int // release; -1 for an error
	}{
		{"kafka", "", 0},
		{"kafka", "2.0.0", 100},
		{"kafka", "1.0.0", 0},
		{"zk", "3.0.0", 0},
		{"zk", "", -1},
	}
	for _, tt := range tests {
		rev, _, err := c.Resolve(ctx, tt.name, tt.version)
		switch {
		case tt.want < 0:
			if !errors.Is(err, catalog.ErrVersionNotFound) {
				t.Errorf("Resolve(%q, %q) = %v, want ErrVersionNotFound", tt.name, tt.version, err)
			}
		case err != nil || rev.Release != tt.want:
			t.Errorf("Resolve(%q, %q) = %v, %v, want release %d", tt.name, tt.version, rev, err, tt.want)
		}
	}
	vs, err := c.Versions(ctx, "kafka")
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Located{
		{Version: "2.0.0", Release: 100, Repository: "main", Yanked: true},
		{Version: "1.0.0", Release: 0, Repository: "main"},
	}
	if diff := cmp.Diff(want, vs); diff != "" {
		t.Errorf("Versions(kafka) (-want +got):\n%s", diff)
	}
	// Search lists every version and describes the package by its newest
	// release that is not yanked.
	rs := c.Search(ctx, "kafka")
	if len(rs) != 1 || rs[0].CurrentVersion != "1.0.0" || len(rs[0].Versions) != 2 {
		t.Errorf("Search(kafka) = %+v, want current 1.0.0 with 2 versions", rs)
	}
}
