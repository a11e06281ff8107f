package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
)

// tree builds a package tree from "name/release/version/selected" specs.
func tree(t *testing.T, specs ...string) *repo.Tree {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, s := range specs {
		var name, version string
		var rel int
		var sel bool
		if _, err := fmt.Sscanf(s, "%s %d %s %t", &name, &rel, &version, &sel); err != nil {
			t.Fatal(err)
		}
		letter := string(name[0] - 'a' + 'A')
		fsys[fmt.Sprintf("%s/%s/%d/package.json", letter, name, rel)] = &fstest.MapFile{Data: fmt.Appendf(nil,
			`{"packagingVersion":"4.0","name":%q,"version":%q,"maintainer":"m","description":"the %s service","tags":["t-%s"],"selected":%t}`,
			name, version, name, name, sel)}
	}
	tr, err := repo.Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestResolve(t *testing.T) {
	a := catalog.NewTree("A", tree(t, "kafka 1 2.0.0 false", "kafka 5 1.9.0 false"))
	b := catalog.NewTree("B", tree(t, "kafka 9 3.0.0 false", "zoo 0 1.0.0 false", "kafka 2 2.0.0 false"))
	c := catalog.New(a, b)
	tests := []struct {
		name, version       string
		wantVersion, wantIn string
		wantRel             int
		wantErr             string
	}{
		// The highest-priority repository wins, at its highest release
		// (not the highest version anywhere).
		{"kafka", "", "1.9.0", "A", 5, ""},
		{"kafka", "2.0.0", "2.0.0", "A", 1, ""},
		{"kafka", "3.0.0", "3.0.0", "B", 9, ""},
		{"zoo", "", "1.0.0", "B", 0, ""},
		{"kafka", "2.0", "", "", 0, "version [2.0] of package [kafka] not found; available: 1.9.0, 2.0.0, 3.0.0"},
		{"nope", "", "", "", 0, "package [nope] not found in repositories A, B"},
	}
	for _, tt := range tests {
		rev, from, err := c.Resolve(context.Background(), tt.name, tt.version)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Resolve(%q, %q) error = %v, want %q", tt.name, tt.version, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q, %q): %v", tt.name, tt.version, err)
			continue
		}
		if rev.Version.String() != tt.wantVersion || from != tt.wantIn || rev.Release != tt.wantRel {
			t.Errorf("Resolve(%q, %q) = %s/%d from %s, want %s/%d from %s", tt.name, tt.version,
				rev.Version, rev.Release, from, tt.wantVersion, tt.wantRel, tt.wantIn)
		}
	}
	_, _, err := c.Resolve(context.Background(), "nope", "")
	if !errors.Is(err, catalog.ErrPackageNotFound) {
		t.Errorf("errors.Is(%v, ErrPackageNotFound) = false", err)
	}
	_, _, err = c.Resolve(context.Background(), "kafka", "0")
	if !errors.Is(err, catalog.ErrVersionNotFound) {
		t.Errorf("errors.Is(%v, ErrVersionNotFound) = false", err)
	}
}

func TestSearch(t *testing.T) {
	a := catalog.NewTree("A", tree(t, "kafka 1 2.0.0 false", "spark 0 3.0 true"))
	b := catalog.NewTree("B", tree(t, "kafka 9 3.0.0 false", "kafka-manager 0 1.0 false", "zeppelin 0 0.1 true"))
	c := catalog.New(a, b)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"spark", "zeppelin", "kafka", "kafka-manager"}},
		{"kafka", []string{"kafka", "kafka-manager"}},
		{"KAFKA", []string{"kafka", "kafka-manager"}},
		{"kafka*", []string{"kafka", "kafka-manager"}},
		{"kafka", []string{"kafka", "kafka-manager"}},
		{"*manager", []string{"kafka-manager"}},
		{"Kafka*", nil},
		{"t-spark", []string{"spark"}},
		{"the * service", []string{"spark", "zeppelin", "kafka", "kafka-manager"}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range c.Search(context.Background(), tt.query) {
			got = append(got, r.Name)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Search(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
	res := c.Search(context.Background(), "kafka")
	want := catalog.Result{Name: "kafka", CurrentVersion: "2.0.0", Repository: "A", Description: "the kafka service",
		Tags: []string{"t-kafka"}, Versions: []catalog.VersionEntry{{"2.0.0", 1}, {"3.0.0", 9}}}
	if diff := cmp.Diff(want, res[0]); diff != "" {
		t.Errorf("Search(kafka)[0] (-want +got):\n%s", diff)
	}
}
