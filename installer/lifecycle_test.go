package installer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
)

func TestUninstall(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.install(installer.Request{Name: "spark"})
	ctx := context.Background()

	_, err := e.in.Uninstall(ctx, installer.UninstallRequest{Name: "hdfs"})
	var de *installer.DependentsError
	if !errors.As(err, &de) {
		t.Fatalf("Uninstall(hdfs) = %v, want a refusal naming spark", err)
	}
	if diff := cmp.Diff([]string{"spark (/spark)"}, de.Dependents); diff != "" {
		t.Errorf("dependents (-want +got):\n%s", diff)
	}

	_, err = e.in.Uninstall(ctx, installer.UninstallRequest{Name: "cassandra"})
	var ni *installer.NotInstalledError
	if !errors.As(err, &ni) {
		t.Errorf("Uninstall(cassandra) = %v, want not installed", err)
	}

	res, err := e.in.Uninstall(ctx, installer.UninstallRequest{Name: "hdfs", Cascade: true})
	if err != nil {
		t.Fatalf("Uninstall(hdfs, cascade) = %v", err)
	}
	var got []string
	for _, r := range res.Removed {
		got = append(got, r.Name+" "+r.AppID+" framework="+r.Framework)
	}
	want := []string{"spark /spark framework=spark", "hdfs /hdfs framework="}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if res.Removed[0].PostUninstallNotes == "" {
		t.Errorf("spark's post-uninstall notes are missing")
	}
	e.sb.Settle()
	if diff := cmp.Diff([]string{"/zookeeper zookeeper 3.9.3"}, e.apps()); diff != "" {
		t.Errorf("apps left (-want +got):\n%s", diff)
	}
}

func TestUninstallAmbiguousAndAll(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.install(installer.Request{Name: "etcd"})
	e.install(installer.Request{Name: "etcd", AppID: "/etcd2", Options: map[string]any{"service": map[string]any{"name": "etcd2"}}})
	ctx := context.Background()
	_, err := e.in.Uninstall(ctx, installer.UninstallRequest{Name: "etcd"})
	var ae *installer.AmbiguousError
	if !errors.As(err, &ae) {
		t.Fatalf("Uninstall(etcd) = %v, want ambiguous", err)
	}
	if _, err := e.in.Uninstall(ctx, installer.UninstallRequest{Name: "etcd", AppID: "etcd2"}); err != nil {
		t.Fatalf("Uninstall(etcd, /etcd2) = %v", err)
	}
	if _, err := e.in.Uninstall(ctx, installer.UninstallRequest{Name: "etcd", All: true}); err != nil {
		t.Fatalf("Uninstall(etcd, all) = %v", err)
	}
	e.sb.Settle()
	if apps := e.apps(); len(apps) != 0 {
		t.Errorf("apps left: %v", apps)
	}
}

func TestUpgrade(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	e.install(installer.Request{Name: "spark", Version: "3.5.1"})

	res, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "spark", Version: "3.5.2", Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Upgrade(spark 3.5.1 → 3.5.2) = %v", err)
	}
	if res.Status != installer.StatusUpgraded || !hasLine(res.Plan.Diff, "+", `"DCOS_PACKAGE_VERSION": "3.5.2"`) || !hasLine(res.Plan.Diff, "-", `"DCOS_PACKAGE_VERSION": "3.5.1"`) {
		t.Errorf("status %s, diff:\n%s", res.Status, res.Plan.Diff)
	}
	if diff := cmp.Diff([]string{"hdfs (/hdfs)"}, res.Plan.Dependencies); diff != "" {
		t.Errorf("dependencies (-want +got):\n%s", diff)
	}
	if l := strings.Join(e.list(), "\n"); !strings.Contains(l, "spark 3.5.2 /spark healthy deps=map[hdfs:/hdfs]") {
		t.Errorf("list after upgrade:\n%s", l)
	}

	// Refused: zookeeper 3.8.4 allows upgrades from nothing and 3.9.3
	// downgrades only to 3.9.2; the same version is no change.
	for _, v := range []string{"3.8.4", "3.9.3"} {
		_, err = e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "zookeeper", Version: v})
		var re *installer.UpgradeRefusedError
		if !errors.As(err, &re) {
			t.Errorf("Upgrade(zookeeper 3.9.3 → %s) = %v, want a refusal", v, err)
		} else {
			t.Logf("refused: %v", re)
		}
	}
	// A downgrade spark's downgradesTo ("*") allows.
	if _, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "spark", Version: "3.4.3", Timeout: time.Minute}); err != nil {
		t.Errorf("Upgrade(spark 3.5.2 → 3.4.3) = %v", err)
	}
}

func TestFailedUpgradeRolledBack(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	e.install(installer.Request{Name: "spark", Version: "3.5.1"})
	before := e.apps()
	// No agent has 64 cpus: the new version never runs.
	res, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "spark", Version: "3.5.2",
		Options: map[string]any{"service": map[string]any{"cpus": 64}}, Timeout: time.Second})
	if err == nil {
		t.Fatal("Upgrade succeeded with an app that cannot be placed")
	}
	if res == nil || res.Status != installer.StatusRolledBack {
		t.Fatalf("Upgrade = %+v, %v; want rolled-back", res, err)
	}
	e.sb.Settle()
	if diff := cmp.Diff(before, e.apps()); diff != "" {
		t.Errorf("apps after the rolled-back upgrade (-want +got):\n%s", diff)
	}
	if l := strings.Join(e.list(), "\n"); !strings.Contains(l, "spark 3.5.1 /spark healthy") {
		t.Errorf("list after rollback:\n%s", l)
	}
}

// hasLine reports whether diff has a line starting with sign and holding s.
func hasLine(diff, sign, s string) bool {
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, sign) && strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestUpgradeInstallsNewDependencies(t *testing.T) {
	src := pkgFS(t, "web 1.0.0 100", "web 2.0.0 200 cache:^1", "web 3.0.0 300 cache:^1 from=2.0.0", "web 4.0.0 400 cache:^1 from=*", "cache 1.0.0 100")
	e := newEnv(t, envOptions{source: src})
	ctx := context.Background()
	e.install(installer.Request{Name: "web", Version: "1.0.0"})
	// 2.0.0 and 3.0.0 allow no upgrade from 1.0.0: refused.
	for _, v := range []string{"2.0.0", "3.0.0"} {
		_, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "web", Version: v})
		var re *installer.UpgradeRefusedError
		if !errors.As(err, &re) {
			t.Fatalf("Upgrade(web 1.0.0 → %s) = %v, want refused", v, err)
		}
	}
	// 4.0.0 allows any and needs cache, installed first.
	res, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "web", Version: "4.0.0", Timeout: time.Minute})
	if err != nil || res.Status != installer.StatusUpgraded {
		t.Fatalf("Upgrade(web 1.0.0 → 4.0.0) = %v, %v", res, err)
	}
	if diff := cmp.Diff([]string{"cache (to install: 1.0.0)"}, res.Plan.Dependencies); diff != "" {
		t.Errorf("plan dependencies (-want +got):\n%s", diff)
	}
	want := []string{
		"cache 1.0.0 /cache healthy deps=map[] dependents=[/web]",
		"web 4.0.0 /web healthy deps=map[cache:/cache] dependents=[]",
	}
	if diff := cmp.Diff(want, e.list()); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}
