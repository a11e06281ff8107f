package installer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/journal"
)

func TestInstallRefusedWhileAnotherHoldsTheLock(t *testing.T) {
	e := newEnv(t, envOptions{})
	st := &journal.Store{Dir: e.state}
	held, _, err := st.Acquire("sandbox:test", "other-install", []string{"hdfs"}, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.in.Run(context.Background(), installer.Request{Name: "spark", Timeout: time.Minute})
	var le *journal.LockedError
	if !errors.As(err, &le) || le.Lock.Install != "other-install" {
		t.Fatalf("Run(spark) = %v, want refused by install other-install's lock", err)
	}
	if apps := e.apps(); len(apps) != 0 {
		t.Errorf("apps created despite the lock: %v", apps)
	}
	// Explicitly broken, it goes ahead and says whose lock it took.
	res, err := e.in.Run(context.Background(), installer.Request{Name: "spark", Timeout: time.Minute, BreakLock: true})
	if err != nil || len(res.Stale) != 1 {
		t.Errorf("Run(spark, break-lock) = %v, stale %v", err, res.Stale)
	}
	st.Release(held)
}

func TestInterruptedInstallRollsBack(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newEnv(t, envOptions{onEvent: func(ev installer.Event) {
		if ev.Type == "package" && ev.Package == "hdfs" && ev.State == "created" {
			cancel() // Ctrl-C
		}
	}})
	res, err := e.in.Run(ctx, installer.Request{Name: "spark", Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want cancelled", err)
	}
	if res.Status != installer.StatusRolledBack {
		t.Errorf("status %s, want rolled-back", res.Status)
	}
	e.sb.Settle()
	if apps := e.apps(); len(apps) != 0 {
		t.Errorf("apps left after an interrupted install: %v", apps)
	}
}
