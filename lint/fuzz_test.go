package lint

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/universe-pm/universe/repo"
)

// FuzzValidate runs every rule over a revision whose package.json and
// config.json are arbitrary: no input may panic, and every finding must say
// where and what.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"packagingVersion": "6.0", "name": "ab", "version": "1.0.0", "maintainer": "m", "description": "d", "tags": [], "dependencies": [{"name": "ab"}, {"name": "cd", "version": ">=1 <<2"}]}`),
		[]byte(`{"type": "object", "properties": {"a": {"type": "integer", "default": "1"}, "b": {"$ref": "http://example.com/x"}}}`))
	f.Add([]byte(`{"packagingVersion": "2.0", "name": "ab", "upgradesFrom": ["", 3]}`),
		[]byte(`{"properties": {"x": {"default": 1, "type": ["integer", 7], "pattern": "("}}}`))
	f.Add([]byte(`{"packagingVersion": 4}`), []byte(`{"definitions": {"d": {"type": "string"}}, "properties": {"x": {"$ref": "#/definitions/d", "default": 1}}}`))
	f.Fuzz(func(t *testing.T, pkg, config []byte) {
		fsys := fstest.MapFS{
			"A/ab/0/package.json":           {Data: pkg},
			"A/ab/0/config.json":            {Data: config},
			"A/ab/0/marathon.json.mustache": {Data: config},
			"C/cd/0/package.json":           {Data: []byte(`{"packagingVersion": "6.0", "name": "cd", "version": "1.0.0", "dependencies": [{"name": "ab"}]}`)},
		}
		tree, err := repo.Load(context.Background(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(context.Background(), tree)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range rep.Findings {
			if fd.Rule == "" || fd.File == "" || fd.Message == "" {
				t.Fatalf("incomplete finding %+v", fd)
			}
		}
	})
}
