package installer_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
)

// TestKillHelper is not a test: it is the installer process that
// TestKill9AtEachStep starts and kills. It installs spark against a durable
// sandbox state and SIGKILLs itself at the KILL_AT-th progress event.
func TestKillHelper(t *testing.T) {
	if os.Getenv("UNIVERSE_KILL_HELPER") != "1" {
		t.Skip("helper process for TestKill9AtEachStep")
	}
	killAt, _ := strconv.Atoi(os.Getenv("KILL_AT"))
	n := 0
	e := newEnv(t, envOptions{
		statePath: os.Getenv("SANDBOX_STATE"), journal: os.Getenv("JOURNAL_DIR"),
		onEvent: func(ev installer.Event) {
			if ev.Type != "package" {
				return
			}
			n++
			if n == killAt {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		},
	})
	e.install(installer.Request{Name: "spark"})
}

// endState is what a finished install leaves, without install ids.
func endState(e *env) []string {
	var out []string
	out = append(out, e.list()...)
	out = append(out, e.apps()...)
	return out
}

func TestKill9AtEachStep(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	ref := newEnv(t, envOptions{})
	ref.install(installer.Request{Name: "spark"})
	steps := 0
	for _, ev := range ref.events {
		if ev.Type == "package" {
			steps++
		}
	}
	want := endState(ref)
	for at := 1; at <= steps; at++ {
		resume := at%2 == 1
		t.Run(fmt.Sprintf("kill-at-%d-resume-%v", at, resume), func(t *testing.T) {
			dir := t.TempDir()
			state, journalDir := filepath.Join(dir, "sandbox.json"), filepath.Join(dir, "state")
			cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "UNIVERSE_KILL_HELPER=1", "KILL_AT="+strconv.Itoa(at),
				"SANDBOX_STATE="+state, "JOURNAL_DIR="+journalDir)
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("helper was not killed: %v\n%s", err, out)
			}
			if ws, _ := ee.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
				t.Fatalf("helper ended with %v, not SIGKILL:\n%s", err, out)
			}
			e := newEnv(t, envOptions{statePath: state, journal: journalDir})
			req := installer.Request{Name: "spark", Timeout: time.Minute}
			if resume {
				unfinished, err := e.in.Unfinished()
				if err != nil {
					t.Fatal(err)
				}
				if len(unfinished) == 1 {
					if req, err = installer.ResumeRequest(unfinished[0]); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := e.in.Run(context.Background(), req); err != nil {
				t.Fatalf("re-run after kill -9 at step %d: %v", at, err)
			}
			e.sb.Settle()
			if diff := cmp.Diff(want, endState(e)); diff != "" {
				t.Errorf("end state after kill -9 at step %d and re-run (-uninterrupted +got):\n%s", at, diff)
			}
		})
	}
}
