package journal_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer/journal"
)

func TestLocks(t *testing.T) {
	st := &journal.Store{Dir: t.TempDir()}
	held, stale, err := st.Acquire("c", "one", []string{"hdfs", "zookeeper"}, time.Hour, false)
	if err != nil || len(stale) != 0 {
		t.Fatalf("Acquire(one) = %v, %v", stale, err)
	}
	// Another install touching zookeeper waits for none: it is refused,
	// told who holds the lock.
	_, _, err = st.Acquire("c", "two", []string{"spark", "zookeeper"}, time.Hour, false)
	var le *journal.LockedError
	if !errors.As(err, &le) || le.Lock.Install != "one" || le.Lock.Package != "zookeeper" || le.Lock.Owner.PID != os.Getpid() {
		t.Fatalf("Acquire(two) = %v, want locked by install one", err)
	}
	// All or none: two did not keep spark.
	if _, _, err := st.Acquire("c", "three", []string{"spark"}, time.Hour, false); err != nil {
		t.Errorf("spark stayed locked after a refused Acquire: %v", err)
	}
	// Another cluster is another lock.
	if _, _, err := st.Acquire("other", "four", []string{"zookeeper"}, time.Hour, false); err != nil {
		t.Errorf("Acquire on another cluster = %v", err)
	}
	// The same install takes its own locks again (resume).
	if _, _, err := st.Acquire("c", "one", []string{"zookeeper"}, time.Hour, false); err != nil {
		t.Errorf("Acquire(one) again = %v", err)
	}
	// Breaking a live lock is explicit, and reported.
	held2, stale, err := st.Acquire("c", "five", []string{"hdfs"}, time.Hour, true)
	if err != nil || len(stale) != 1 || stale[0].Install != "one" {
		t.Errorf("Acquire(five, break) = %v, %v; want install one's lock broken", stale, err)
	}
	st.Release(held)  // one's hdfs lock is five's now: not released
	st.Release(held2) // five's
	if _, _, err := st.Acquire("c", "six", []string{"hdfs"}, time.Hour, false); err != nil {
		t.Errorf("hdfs locked after releases: %v", err)
	}
}

func TestStaleLocksAreTakenOverAndReported(t *testing.T) {
	dir := t.TempDir()
	st := &journal.Store{Dir: dir}
	held, _, err := st.Acquire("c", "gone", []string{"spark", "etcd"}, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	rewrite := func(pkg string, f func(m map[string]any)) {
		matches, _ := filepath.Glob(filepath.Join(dir, "locks", "*", pkg+".lock"))
		if len(matches) != 1 {
			t.Fatalf("lock file of %s: %v", pkg, matches)
		}
		var m map[string]any
		data, _ := os.ReadFile(matches[0])
		json.Unmarshal(data, &m)
		f(m)
		data, _ = json.Marshal(m)
		os.WriteFile(matches[0], data, 0o644)
	}
	_ = held
	// spark: its process is gone (same host, no such pid).
	rewrite("spark", func(m map[string]any) { m["owner"] = map[string]any{"pid": 1 << 30, "host": host} })
	// etcd: held on another host, expired.
	rewrite("etcd", func(m map[string]any) {
		m["owner"] = map[string]any{"pid": 1, "host": "elsewhere"}
		m["expires"] = time.Now().Add(-time.Minute).Format(time.RFC3339)
	})
	_, stale, err := st.Acquire("c", "new", []string{"spark", "etcd"}, time.Hour, false)
	if err != nil {
		t.Fatalf("Acquire over stale locks = %v", err)
	}
	var got []string
	for _, l := range stale {
		got = append(got, l.Package+" "+l.Install)
	}
	if diff := cmp.Diff([]string{"etcd gone", "spark gone"}, got); diff != "" {
		t.Errorf("stale locks (-want +got):\n%s", diff)
	}
	// A live lock on another host, not expired, is refused.
	rewrite("etcd", func(m map[string]any) {
		m["owner"] = map[string]any{"pid": 1, "host": "elsewhere"}
		m["install"] = "remote"
	})
	_, _, err = st.Acquire("c", "newer", []string{"etcd"}, time.Hour, false)
	var le *journal.LockedError
	if !errors.As(err, &le) || le.Lock.Owner.Host != "elsewhere" {
		t.Errorf("Acquire over a live remote lock = %v", err)
	}
}

func TestJournalUnfinished(t *testing.T) {
	st := &journal.Store{Dir: t.TempDir()}
	host, _ := os.Hostname()
	entries := []*journal.Entry{
		{ID: "done", Cluster: "c", Status: journal.Succeeded, Owner: journal.Self()},
		{ID: "halted", Cluster: "c", Status: journal.Halted, Owner: journal.Self(), Started: time.Unix(100, 0)},
		{ID: "killed", Cluster: "c", Status: journal.Running, Owner: journal.Owner{PID: 1 << 30, Host: host}, Started: time.Unix(200, 0)},
		{ID: "running", Cluster: "c", Status: journal.Running, Owner: journal.Self()},
		{ID: "elsewhere", Cluster: "d", Status: journal.Halted},
	}
	for _, e := range entries {
		if err := st.Save(e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Unfinished("c")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	if diff := cmp.Diff([]string{"killed", "halted"}, ids); diff != "" {
		t.Errorf("Unfinished (-want +got):\n%s", diff)
	}
}

func TestPruneStaleRemovesOnlyGoneAndExpiredLocks(t *testing.T) {
	dir := t.TempDir()
	st := &journal.Store{Dir: dir}
	for _, id := range []string{"gone", "expired", "live", "remote"} {
		if _, _, err := st.Acquire("c", id, []string{id}, time.Hour, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.Acquire("other", "gone-elsewhere", []string{"gone"}, time.Hour, false); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	rewrite := func(pkg string, f func(m map[string]any)) {
		matches, _ := filepath.Glob(filepath.Join(dir, "locks", "*", pkg+".lock"))
		for _, path := range matches {
			var m map[string]any
			data, _ := os.ReadFile(path)
			json.Unmarshal(data, &m)
			if m["cluster"] != "c" {
				continue
			}
			f(m)
			data, _ = json.Marshal(m)
			os.WriteFile(path, data, 0o644)
		}
	}
	rewrite("gone", func(m map[string]any) { m["owner"] = map[string]any{"pid": 1 << 30, "host": host} })
	rewrite("expired", func(m map[string]any) {
		m["owner"] = map[string]any{"pid": 1, "host": "elsewhere"}
		m["expires"] = time.Now().Add(-time.Minute).Format(time.RFC3339)
	})
	rewrite("remote", func(m map[string]any) { m["owner"] = map[string]any{"pid": 1, "host": "elsewhere"} })
	pruned, err := st.PruneStale("c")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range pruned {
		got = append(got, l.Package+" "+l.Install)
	}
	if diff := cmp.Diff([]string{"expired expired", "gone gone"}, got); diff != "" {
		t.Errorf("PruneStale (-want +got):\n%s", diff)
	}
	left, err := st.Locks("c")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, l := range left {
		got = append(got, l.Package+" "+l.Install)
	}
	if diff := cmp.Diff([]string{"live live", "remote remote"}, got); diff != "" {
		t.Errorf("Locks after PruneStale (-want +got):\n%s", diff)
	}
	if other, _ := st.Locks("other"); len(other) != 1 {
		t.Errorf("another cluster's locks = %v, want its one lock untouched", other)
	}
}
