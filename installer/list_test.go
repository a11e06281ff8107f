package installer_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// An app DC/OS Cosmos installed carries only the DCOS_PACKAGE_* labels:
// list shows it as Cosmos does; an app with a package name but no readable
// definition is left out, as Cosmos leaves it out.
func TestListDiscoversCosmosInstalledApps(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	tree, err := repo.Load(ctx, packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	rev, err := render.Find(tree, "cassandra", "4.1.5")
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(ctx, render.Request{Revision: rev, Source: "https://universe.example/repo", AppID: "/dcos/cassandra"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.mc.CreateApp(ctx, res.Value); err != nil {
		t.Fatal(err)
	}
	if _, err := e.mc.CreateApp(ctx, map[string]any{"id": "/broken", "cmd": "sleep 1", "cpus": 0.1, "mem": 32,
		"labels": map[string]any{"DCOS_PACKAGE_NAME": "broken", "DCOS_PACKAGE_DEFINITION": "not base64"}}); err != nil {
		t.Fatal(err)
	}
	e.install(installer.Request{Name: "etcd"})
	e.sb.Settle()
	pkgs, err := e.in.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+" "+p.Version+" "+p.AppID+" "+p.Source+" "+p.Health)
	}
	want := []string{
		"cassandra 4.1.5 /dcos/cassandra https://universe.example/repo healthy",
		"etcd 3.5.15 /etcd builtin healthy",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}
