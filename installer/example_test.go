package installer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// Plan an install on an in-process sandbox (DryRun stops after the plan
// and the pre-flight checks; without it, Run deploys wave by wave).
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	sb, _ := sandbox.New(sandbox.Config{StatePath: filepath.Join(dir, "state.json")})
	_ = sb.Start(ctx, "127.0.0.1:0")
	defer sb.Close()
	mc, _ := marathon.New(marathon.Config{MarathonURL: sb.URL()})
	tree, _ := repo.Load(ctx, packages.FS())
	in, _ := installer.New(installer.Config{Marathon: mc, Source: resolve.Trees{{Name: "builtin", Tree: tree}}})
	res, err := in.Run(ctx, installer.Request{Name: "cassandra", DryRun: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Plan.Packages {
		fmt.Println(p.Wave, p.Name, p.Version, p.AppID)
	}
	// Output:
	// 0 cassandra 4.1.6 /cassandra
}
