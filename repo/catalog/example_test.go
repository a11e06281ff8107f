package catalog_test

import (
	"context"
	"fmt"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
)

// Resolving a name across repositories gives a revision ready to render,
// and a miss says where it looked.
func ExampleCatalog_Resolve() {
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		panic(err)
	}
	cat := catalog.New(catalog.NewTree("builtin", tree))
	rev, from, err := cat.Resolve(context.Background(), "hdfs", "")
	if err != nil {
		panic(err)
	}
	fmt.Println(rev.Name, rev.Version, rev.Release, from, rev.Dependencies[0].Name)
	_, _, err = cat.Resolve(context.Background(), "hdfs", "9.9.9")
	fmt.Println(err)
	// Output:
	// hdfs 3.4.1 300 builtin zookeeper
	// version [9.9.9] of package [hdfs] not found; available: 3.4.1, 3.4.0, 3.3.6
}
