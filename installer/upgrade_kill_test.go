package installer_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// TestUpgradeKillHelper is not a test: it is the installer process that
// TestKilledGroupUpgradeRollbackLeavesOneVersion starts. It upgrades hdfs
// (a group) into a failure, lifts the fault once the upgrade failed, and
// SIGKILLs itself when its rollback has restored the first app (before
// the fix, one app of seven).
func TestUpgradeKillHelper(t *testing.T) {
	if os.Getenv("UNIVERSE_UPGRADE_KILL_HELPER") != "1" {
		t.Skip("helper process for TestKilledGroupUpgradeRollbackLeavesOneVersion")
	}
	var sb *sandbox.Server
	e := newEnv(t, envOptions{
		statePath: os.Getenv("SANDBOX_STATE"), journal: os.Getenv("JOURNAL_DIR"),
		onEvent: func(ev installer.Event) {
			if ev.Type == "package" && ev.State == "failed" {
				sb.SetFaults(sandbox.Faults{}) // the rollback can finish
			}
			if ev.Type == "rollback" && ev.State == "restored" {
				time.Sleep(300 * time.Millisecond) // the sandbox writes its state file
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		},
	})
	sb = e.sb
	e.install(installer.Request{Name: "hdfs", Version: "3.4.0"})
	e.sb.SetFaults(sandbox.Faults{FailHealth: "/hdfs/name-*"})
	e.in.Upgrade(context.Background(), installer.UpgradeRequest{Name: "hdfs", Version: "3.4.1", Timeout: time.Second})
}

// A group package's upgrade is one deployment, and so must its rollback
// be: an installer killed while rolling back must not leave the group's
// apps at different versions.
func TestKilledGroupUpgradeRollbackLeavesOneVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	state, journalDir := filepath.Join(dir, "sandbox.json"), filepath.Join(dir, "state")
	cmd := exec.Command(os.Args[0], "-test.run=^TestUpgradeKillHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "UNIVERSE_UPGRADE_KILL_HELPER=1", "SANDBOX_STATE="+state, "JOURNAL_DIR="+journalDir)
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("helper was not killed: %v\n%s", err, out)
	}
	if ws, _ := ee.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper ended with %v, not SIGKILL:\n%s", err, out)
	}
	e := newEnv(t, envOptions{statePath: state, journal: journalDir})
	versions := map[string][]string{}
	for _, a := range e.apps() {
		f := strings.Fields(a) // id name version
		if len(f) == 3 && f[1] == "hdfs" {
			versions[f[2]] = append(versions[f[2]], f[0])
		}
	}
	if len(versions) != 1 {
		t.Errorf("hdfs's apps after a killed rollback are at %d versions: %v", len(versions), versions)
	}
}
