package render_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// Render the built-in etcd package with one option set, as `universe
// render etcd --set ...` does.
func ExampleRender() {
	ctx := context.Background()
	tree, err := repo.Load(ctx, packages.FS())
	if err != nil {
		panic(err)
	}
	rev, err := render.Find(tree, "etcd", "")
	if err != nil {
		panic(err)
	}
	opts := map[string]any{}
	if err := render.ParseSet(opts, "service.name=etcd-prod"); err != nil {
		panic(err)
	}
	res, err := render.Render(ctx, render.Request{Revision: rev, Options: opts, Source: "builtin:packages"})
	if err != nil {
		panic(err)
	}
	labels := res.Value["labels"].(map[string]any)
	fmt.Println(res.Value["id"], labels[render.LabelName], labels[render.LabelOptions])
	// Output: /etcd-prod etcd eyJzZXJ2aWNlIjp7Im5hbWUiOiJldGNkLXByb2QifX0=
}

// Every invalid option is reported at once.
func ExampleOptionsError() {
	ctx := context.Background()
	tree, _ := repo.Load(ctx, packages.FS())
	rev, _ := render.Find(tree, "zookeeper", "")
	opts := map[string]any{}
	_ = render.ParseSet(opts, "node.cpus=0")
	_ = render.ParseSet(opts, "node.count=4")
	_, err := render.Render(ctx, render.Request{Revision: rev, Options: opts})
	var oe *render.OptionsError
	if errors.As(err, &oe) {
		for _, v := range oe.Violations {
			fmt.Println(v)
		}
	}
	// Output:
	// node.count: 4 is not one of 1, 3, 5, 7 (config.json#/properties/node/properties/count)
	// node.cpus: 0 is less than the minimum 0.1 (config.json#/properties/node/properties/cpus)
}
