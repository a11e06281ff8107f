package installer_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/journal"
)

// An upgrade planned before another universe uninstalled the package must
// not bring it back (Marathon's PUT creates a missing app), with its
// dependency edges pointing at what the uninstall removed.
func TestUpgradeAfterConcurrentUninstallDoesNotRecreate(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	e.install(installer.Request{Name: "spark", Version: "3.5.1"})
	_, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "spark", Version: "3.5.2", Timeout: time.Minute,
		Confirm: func(ctx context.Context, p *installer.UpgradePlan) (bool, error) {
			// Another universe, between this one's plan and its lock.
			if _, err := e.in.Uninstall(ctx, installer.UninstallRequest{Name: "hdfs", Cascade: true}); err != nil {
				t.Fatalf("concurrent Uninstall(hdfs, cascade) = %v", err)
			}
			return true, nil
		}})
	var ni *installer.NotInstalledError
	if !errors.As(err, &ni) || ni.Name != "spark" {
		t.Errorf("Upgrade(spark) after spark was uninstalled = %v, want spark not installed", err)
	}
	e.sb.Settle()
	if diff := cmp.Diff([]string{"zookeeper 3.9.3 /zookeeper healthy deps=map[] dependents=[]"}, e.list()); diff != "" {
		t.Errorf("installed after the upgrade (-want +got):\n%s", diff)
	}
}

// An uninstall planned before another universe installed a dependent must
// not remove the dependency from under it.
func TestUninstallAfterConcurrentDependentInstallRefuses(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	e.install(installer.Request{Name: "hdfs"})
	_, err := e.in.Uninstall(ctx, installer.UninstallRequest{Name: "hdfs", Timeout: time.Minute,
		Confirm: func(ctx context.Context, pkgs []*installer.Package) (bool, error) {
			// Another universe, between this one's plan and its lock.
			if _, err := e.in.Run(ctx, installer.Request{Name: "spark", Timeout: time.Minute}); err != nil {
				t.Fatalf("concurrent Run(spark) = %v", err)
			}
			return true, nil
		}})
	var de *installer.DependentsError
	if !errors.As(err, &de) || de.Package != "hdfs" {
		t.Errorf("Uninstall(hdfs) after spark was installed on it = %v, want refused for its dependents", err)
	}
	e.sb.Settle()
	want := []string{
		"hdfs 3.4.1 /hdfs healthy deps=map[zookeeper:/zookeeper] dependents=[/spark]",
		"spark 3.5.2 /spark healthy deps=map[hdfs:/hdfs] dependents=[]",
		"zookeeper 3.9.3 /zookeeper healthy deps=map[] dependents=[/hdfs]",
	}
	if diff := cmp.Diff(want, e.list()); diff != "" {
		t.Errorf("installed after the uninstall (-want +got):\n%s", diff)
	}
}

// An interrupted install's packages that another install has since built
// on are that install's dependencies now: resuming the first install must
// keep them in its record, and its rollback must leave them in place.
func TestResumeKeepsWhatAnotherInstallBuiltOn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newEnv(t, envOptions{onEvent: func(ev installer.Event) {
		if ev.Type == "package" && ev.Package == "zookeeper" && ev.State == "healthy" {
			cancel() // the first install stops after zookeeper
		}
	}})
	first, err := e.in.Run(ctx, installer.Request{Name: "hdfs", OnFailure: installer.Halt, Timeout: time.Minute})
	if err == nil || first.Status != installer.StatusHalted {
		t.Fatalf("Run(hdfs) = %v, %v; want halted after zookeeper", first.Status, err)
	}
	// Another install of hdfs reuses that zookeeper.
	second := e.install(installer.Request{Name: "hdfs"})
	if second.Status != installer.StatusSucceeded {
		t.Fatalf("second Run(hdfs) = %s", second.Status)
	}
	// Resuming the first one finds hdfs installed; a resume that fails
	// (here: no time at all) rolls back.
	unfinished, err := e.in.Unfinished()
	if err != nil || len(unfinished) != 1 {
		t.Fatalf("Unfinished = %v, %v", unfinished, err)
	}
	req, err := installer.ResumeRequest(unfinished[0])
	if err != nil {
		t.Fatal(err)
	}
	req.Timeout, req.OnFailure = time.Nanosecond, installer.Rollback
	res, err := e.in.Run(context.Background(), req)
	if err == nil {
		t.Fatalf("resume with no time = %s, want a failure", res.Status)
	}
	e.sb.Settle()
	want := []string{
		"hdfs 3.4.1 /hdfs healthy deps=map[zookeeper:/zookeeper] dependents=[]",
		"zookeeper 3.9.3 /zookeeper healthy deps=map[] dependents=[/hdfs]",
	}
	if diff := cmp.Diff(want, e.list()); diff != "" {
		t.Errorf("installed after the first install's rollback (-want +got):\n%s", diff)
	}
	entry, err := (&journal.Store{Dir: e.state}).Load(first.Install)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range entry.Packages {
		got = append(got, p.Name+" "+p.AppID+" "+p.State)
	}
	if !slices.Contains(got, "zookeeper /zookeeper kept") {
		t.Errorf("install %s's record after resuming: %v, want zookeeper kept", first.Install, got)
	}
}
