package ui

import (
	"context"
	"testing"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/journal"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
)

func builtinTree(t testing.TB) *repo.Tree {
	t.Helper()
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func builtinRevision(t testing.TB, name string) *repo.Revision {
	t.Helper()
	rev, _, err := catalog.New(catalog.NewTree("builtin", builtinTree(t))).Resolve(context.Background(), name, "")
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// testServer is a dashboard over the built-in repository and an
// in-process sandbox.
type testServer struct {
	*Server
	sb *sandbox.Server
	mc *marathon.Client
}

// newTestServer starts a sandbox (at speed; 0 is instant) with eight
// agents offering DC/OS's port range, and a dashboard over it.
func newTestServer(t testing.TB, speed float64) *testServer {
	t.Helper()
	return newTestServerTree(t, speed, builtinTree(t))
}

// newTestServerTree is newTestServer over a given package tree.
func newTestServerTree(t testing.TB, speed float64, tree *repo.Tree) *testServer {
	t.Helper()
	// Agents shaped like a small DC/OS cluster's, as the CLI's sandbox.
	sb, err := sandbox.New(sandbox.Config{Agents: 8, AgentCPUs: 8, AgentMem: 32768, AgentDisk: 262144,
		AgentPortsFrom: 1025, AgentPortsTo: 32000, Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	mc, err := marathon.New(marathon.Config{MarathonURL: sb.URL(), RetryMax: 10, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{
		Catalog: catalog.New(catalog.NewTree("builtin", tree)),
		Installer: installer.Config{
			Marathon: mc, Source: resolve.Trees{{Name: "builtin", Tree: tree}}, Cluster: "sandbox:test",
			Journal:          &journal.Store{Dir: t.TempDir()},
			Capacity:         installer.SandboxCapacity(sb.URL(), nil),
			ProgressInterval: 20 * time.Millisecond,
		},
		AgentsURL: sb.URL(),
		Token:     "test-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &testServer{Server: s, sb: sb, mc: mc}
}

// snapshotEvents returns how many events the run has had.
func (r *run) snapshotEvents() (int, bool, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events), r.done, r.changed
}
