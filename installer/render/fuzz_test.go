package render

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// FuzzRender puts random options into a real template (the built-in
// Cassandra package, newest revision, and Kubernetes, a group with a
// dependency): no input may panic, and each render either gives a JSON
// object or a *render.Error.
func FuzzRender(f *testing.F) {
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		f.Fatal(err)
	}
	var revs []*repo.Revision
	var deps []map[string]map[string]any
	for _, name := range []string{"cassandra", "kubernetes"} {
		p, ok := tree.Package(name)
		if !ok {
			f.Fatalf("no built-in package %s", name)
		}
		r := p.Latest()
		d, err := DependencyDefaults(tree, r)
		if err != nil {
			f.Fatal(err)
		}
		revs, deps = append(revs, r), append(deps, d)
	}
	f.Add(uint8(0), []byte(`{"service": {"name": "x\"y\n<&>"}}`))
	f.Add(uint8(0), []byte(`{"service": {"name": "", "cpus": 1e-7}, "nodes": {"count": 4200000000000000000}}`))
	f.Add(uint8(1), []byte(`{"service": {"name": "k8s"}, "resource": null}`))
	f.Add(uint8(1), []byte(`{"asJson": [1], "dependencies": {"etcd": 5}}`))
	f.Add(uint8(0), []byte(`{"service": null}`))
	f.Fuzz(func(t *testing.T, which uint8, options []byte) {
		opts, err := DecodeOptions(options)
		if err != nil {
			return
		}
		i := int(which) % len(revs)
		res, err := Render(context.Background(), Request{Revision: revs[i], Options: opts, Dependencies: deps[i], AppID: "fuzz"})
		if err != nil {
			var re *Error
			if !errors.As(err, &re) || re.Stage == "" || re.Message == "" {
				t.Fatalf("Render: error %v is not a complete *render.Error", err)
			}
			return
		}
		var v map[string]any
		if err := json.Unmarshal(res.JSON, &v); err != nil {
			t.Fatalf("Render gave invalid JSON %s: %v", res.JSON, err)
		}
	})
}
