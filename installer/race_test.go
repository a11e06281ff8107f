package installer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
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
