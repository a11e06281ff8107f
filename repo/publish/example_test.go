package publish_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/universe-pm/universe/repo/publish"
)

// Plan checks a new revision against the tree and numbers it: the next
// multiple of 100 above the highest release.
func ExamplePlan() {
	pkg := func(version, extra string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(`{"packagingVersion": "6.0", "name": "hello", "version": "` + version + `",` + extra +
			` "maintainer": "m@example.com", "description": "hello", "tags": []}`)}
	}
	tmpl := &fstest.MapFile{Data: []byte(`{"id": "/hello", "cmd": "sleep 1000", "cpus": 0.1, "mem": 32, "instances": 1}`)}
	tree := fstest.MapFS{
		"H/hello/0/package.json":             pkg("1.0.0", ""),
		"H/hello/0/marathon.json.mustache":   tmpl,
		"H/hello/100/package.json":           pkg("1.1.0", ` "upgradesFrom": ["1.0.0"],`),
		"H/hello/100/marathon.json.mustache": tmpl,
	}
	src := fstest.MapFS{
		"package.json":           pkg("1.2.0", ` "upgradesFrom": ["1.1.0"],`),
		"marathon.json.mustache": tmpl,
	}
	res, err := publish.Plan(context.Background(), tree, src, publish.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Dir, res.Err())

	src["package.json"] = pkg("1.1.0", ` "upgradesFrom": ["1.0.0"],`)
	res, _ = publish.Plan(context.Background(), tree, src, publish.Options{})
	fmt.Println(res.Err())
	// Output:
	// H/hello/200 <nil>
	// cannot publish hello 1.1.0: version 1.1.0 of hello is already released as H/hello/100 (and 1 more error)
}
