package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/sharedtest"
)

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
	}
	return m
}

func TestLoad(t *testing.T) {
	fsys := mapFS(map[string]string{
		"README.md":                          "not a package",
		"S/spark/100/package.json":           `{"packagingVersion": "6.0", "name": "spark", "version": "3.4.3", "dependencies": [{"name": "hdfs", "version": ">=3.3.0 <4.0.0"}, {"name": "zookeeper", "optional": true}]}`,
		"S/spark/20/package.json":            `{"packagingVersion": "4.0", "name": "spark", "version": "2.12.0-3.0.1", "upgradesFrom": ["*"]}`,
		"S/spark/20/marathon.json.mustache":  `{"id": "{{service.name}}"}`,
		"S/spark/3/package.json":             `{"packagingVersion": "2.0", "name": "spark", "version": "1.6.0"}`,
		"S/spark/3/config.json":              `{"type": "object"}`,
		"H/hdfs/2/package.json":              `{"packagingVersion": "3.0", "name": "hdfs", "version": "2.1-patch.0", "minDcosReleaseVersion": "1.9"}`,
		"H/hdfs/2/resource.json":             `{}`,
		"H/hdfs/2/command.json":              `{"pip": []}`,
		"H/hdfs/.DS_Store":                   "junk",
		"S/spark/100/resource.json":          `{}`,
		"S/spark/100/marathon.json.mustache": `{}`,
	})
	tree, err := Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Problems) != 0 {
		t.Errorf("Load problems: %v", tree.Problems)
	}
	var got []string
	for _, p := range tree.Packages {
		for _, r := range p.Revisions {
			got = append(got, r.Dir+" "+r.PackagingVersion+" "+r.Version.String())
		}
	}
	want := []string{
		"H/hdfs/2 3.0 2.1-patch.0",
		// Releases sort as numbers, not strings: 3 < 20 < 100.
		"S/spark/3 2.0 1.6.0",
		"S/spark/20 4.0 2.12.0-3.0.1",
		"S/spark/100 6.0 3.4.3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("revisions (-want +got):\n%s", diff)
	}
	spark, _ := tree.Package("spark")
	if l := spark.Latest(); l.Release != 100 {
		t.Errorf("Latest().Release = %d, want 100", l.Release)
	}
	if r, ok := spark.Release(20); !ok || r.UpgradesFrom[0] != "*" {
		t.Errorf("Release(20) = %v, %v", r, ok)
	}
	if _, ok := spark.Release(21); ok {
		t.Error("Release(21) found a revision that does not exist")
	}
	if !spark.HasVersion("1.6.0") || spark.HasVersion("1.6") {
		t.Error("HasVersion compares version strings exactly")
	}
	deps := spark.Latest().Dependencies
	if len(deps) != 2 || deps[0].Name != "hdfs" || deps[0].Constraints == nil || deps[1].Range != "" || !deps[1].Optional {
		t.Fatalf("Dependencies = %+v", deps)
	}
	for _, tt := range []struct {
		v    string
		want bool
	}{{"3.3.6", true}, {"3.4.0", true}, {"4.0.0", false}, {"3.2.9", false}, {"3.3", false}, {"2.1-patch.0", false}} {
		if got := deps[0].Allows(ParseVersion(tt.v)); got != tt.want {
			t.Errorf("Allows(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
	if !deps[1].Allows(ParseVersion("anything")) {
		t.Error("a dependency without a range allows any version")
	}
	hdfs, _ := tree.Package("hdfs")
	if r := hdfs.Latest(); r.Command == nil || r.Resource == nil || r.Config != nil || r.Template != nil {
		t.Errorf("hdfs files: command %v resource %v config %v template %v", r.Command, r.Resource, r.Config, r.Template)
	}
}

func TestLoadPositions(t *testing.T) {
	tree, err := Load(context.Background(), mapFS(map[string]string{
		"A/ab/0/package.json": "{\n  \"name\": \"a\",\n  \"tags\": [\"x\", \"y\"]\n}\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	f := tree.Packages[0].Revisions[0].PackageJSON
	for _, tt := range []struct {
		ptr       string
		line, col int
	}{{"", 1, 1}, {"/name", 2, 11}, {"/tags/1", 3, 17}, {"/missing", 1, 1}} {
		if l, c := f.Position(tt.ptr); l != tt.line || c != tt.col {
			t.Errorf("Position(%q) = %d:%d, want %d:%d", tt.ptr, l, c, tt.line, tt.col)
		}
	}
	if l, c := f.KeyPosition("/tags"); l != 3 || c != 3 {
		t.Errorf("KeyPosition(/tags) = %d:%d, want 3:3", l, c)
	}
}

func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, mapFS(map[string]string{"A/ab/0/package.json": "{}"}))
	if err == nil {
		t.Fatal("Load with a cancelled context succeeded")
	}
}

func TestLoadCorpus(t *testing.T) {
	corpus := sharedtest.Corpus(t)
	tree, err := Load(context.Background(), os.DirFS(corpus))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tree.Revisions()); n != 1235 {
		t.Errorf("revisions = %d, want 1235", n)
	}
	k8s, _ := tree.Package("kubernetes")
	// The highest release is not always the newest: 3210 (2.5.1) was released after 3600.
	if r := k8s.Latest(); r.Release != 3610 {
		t.Errorf("kubernetes latest = %d, want 3610", r.Release)
	}
	for _, p := range tree.Packages {
		for _, r := range p.Revisions {
			if r.PackageJSON == nil || r.PackageJSON.Value == nil {
				t.Errorf("%s: package.json not loaded", r.Dir)
			}
		}
	}
}

// FuzzLoad feeds arbitrary bytes to the loader as each kind of manifest: it
// must never panic, must record a problem rather than fail, must flag
// invalid JSON exactly when encoding/json rejects it, and must read
// package.json's metadata as encoding/json sees it. Seeds are the built-in
// packages' files and a sample of the corpus's.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"packagingVersion": "6.0", "name": "a", "version": "1.0.0", "dependencies": [{"name": "b", "version": ">=1"}]}`))
	f.Add([]byte(`{"a": 1, "a": 2}`))
	f.Add([]byte("\xef\xbb\xbf{\"x\": \"\\u00e9\"}\r\n"))
	f.Add([]byte(`{"dependencies": [{"name": 7, "version": "<<"}], "upgradesFrom": [1, "x"]}`))
	f.Add([]byte(`[[[[[[[[[[`))
	for _, b := range fuzzSeedFiles(f, 40, PackageFile, ConfigFile, ResourceFile) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{}
		for _, name := range []string{PackageFile, ConfigFile, ResourceFile, CommandFile, TemplateFile} {
			fsys["A/ab/0/"+name] = &fstest.MapFile{Data: data, Mode: 0o644}
		}
		fsys["A/ab/1/package.json"] = &fstest.MapFile{Data: data, Mode: 0o644}
		tree, err := Load(context.Background(), fsys)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if len(tree.Revisions()) != 2 {
			t.Fatalf("revisions = %d, want 2", len(tree.Revisions()))
		}
		syntax := map[string]bool{}
		for _, p := range tree.Problems {
			if p.Rule == "" || p.File == "" || p.Message == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
			if p.Rule == RuleJSONSyntax {
				syntax[p.File] = true
			}
		}
		std := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		valid := json.Valid(std)
		for _, name := range []string{PackageFile, ConfigFile, ResourceFile, CommandFile} {
			if p := "A/ab/0/" + name; syntax[p] == valid {
				t.Fatalf("%s: json/syntax problem = %v, but encoding/json says valid = %v", p, syntax[p], valid)
			}
		}
		if syntax["A/ab/0/"+TemplateFile] {
			t.Fatalf("the template was checked as JSON")
		}
		rev := tree.Revisions()[0]
		if !bytes.Equal(rev.Template.Data, data) || !bytes.Equal(rev.PackageJSON.Data, data) {
			t.Fatalf("file contents changed in loading")
		}
		if !valid {
			if rev.PackageJSON.Value != nil || rev.Name != "" || len(rev.Dependencies) != 0 {
				t.Fatalf("invalid package.json gave value %v, name %q, deps %v", rev.PackageJSON.Value, rev.Name, rev.Dependencies)
			}
			return
		}
		var meta struct {
			Name         any   `json:"name"`
			Dependencies []any `json:"dependencies"`
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(std, &m) != nil {
			return // valid JSON, not an object
		}
		_ = json.Unmarshal(m["name"], &meta.Name)
		_ = json.Unmarshal(m["dependencies"], &meta.Dependencies)
		if name, _ := meta.Name.(string); rev.Name != name {
			t.Fatalf("Name = %q, encoding/json says %q", rev.Name, name)
		}
		objects := 0
		for _, d := range meta.Dependencies {
			if _, ok := d.(map[string]any); ok {
				objects++
			}
		}
		if len(rev.Dependencies) != objects {
			t.Fatalf("%d dependencies, encoding/json sees %d objects in %v", len(rev.Dependencies), objects, meta.Dependencies)
		}
		for _, d := range rev.Dependencies {
			if d.Range != "" && (d.Constraints == nil) == (d.RangeErr == nil) {
				t.Fatalf("dependency %+v: want exactly one of Constraints and RangeErr", d)
			}
		}
	})
}

var _ fs.FS = fstest.MapFS{}
