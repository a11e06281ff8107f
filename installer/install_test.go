package installer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/internal/golden"
	"github.com/universe-pm/universe/marathon/sandbox"
)

func TestInstallSparkBringsDependenciesFirst(t *testing.T) {
	e := newEnv(t, envOptions{})
	res := e.install(installer.Request{Name: "spark"})
	if res.Status != installer.StatusSucceeded {
		t.Fatalf("status = %s, want succeeded", res.Status)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.Name+" "+p.Version+" "+p.State)
	}
	want := []string{"zookeeper 3.9.3 healthy", "hdfs 3.4.1 healthy", "spark 3.5.2 healthy"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	e.assertBefore("/zookeeper", "/hdfs")
	e.assertBefore("/hdfs", "/spark")
	t.Logf("list: %v", e.list())
	_ = context.Background()
}

func TestInstallSharedDependencyOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.install(installer.Request{Name: "kubernetes"})
	res := e.install(installer.Request{Name: "swarm"})
	etcd, _ := res.Plan.Package("etcd")
	if etcd.Action != "reuse" {
		t.Errorf("swarm's plan %s etcd, want reuse", etcd.Action)
	}
	e.assertBefore("/etcd", "/kubernetes")
	n := 0
	for _, p := range e.list() {
		if strings.HasPrefix(p, "etcd ") {
			n++
			if !strings.Contains(p, "dependents=[/kubernetes /swarm]") {
				t.Errorf("etcd listed as %q, want kubernetes and swarm as dependents", p)
			}
		}
	}
	if n != 1 {
		t.Errorf("etcd installed %d times, want once: %v", n, e.list())
	}
}

func TestInstallReusesInstalledDependency(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.install(installer.Request{Name: "zookeeper", Version: "3.8.4", Options: map[string]any{"service": map[string]any{"name": "zk"}}})
	res := e.install(installer.Request{Name: "hdfs"})
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.Name+" "+p.Version+" "+p.Action+" "+p.AppID)
	}
	want := []string{"zookeeper 3.8.4 reuse /zk", "hdfs 3.4.1 install /hdfs"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	hdfs, _ := res.Plan.Package("hdfs")
	if !strings.Contains(string(hdfs.Marathon), "zk.marathon.l4lb.thisdcos.directory") {
		t.Errorf("hdfs is not rendered against the installed zookeeper's options (service.name zk)")
	}
}

func TestInstallConflictAndCycleExplained(t *testing.T) {
	src := pkgFS(t,
		"zookeeper 3.8.4 100", "zookeeper 3.9.3 300",
		"hdfs 3.4.1 300 zookeeper:>=3.9.0_<4.0.0",
		"spark 3.5.1 200 hdfs:>=3.3.0_<4.0.0",
		"loopa 1.0.0 100 loopb:^1", "loopb 1.0.0 100 loopa:^1")
	e := newEnv(t, envOptions{source: src})
	e.install(installer.Request{Name: "zookeeper", Version: "3.8.4"})
	before := e.apps()
	var out strings.Builder
	for _, name := range []string{"spark", "loopa"} {
		_, err := e.in.Run(context.Background(), installer.Request{Name: name, Timeout: time.Minute})
		if err == nil {
			t.Fatalf("Run(%s) succeeded, want an explanation", name)
		}
		fmt.Fprintf(&out, "$ universe install %s\n%v\n\n", name, err)
	}
	golden.Check(t, "explain.txt", []byte(out.String()))
	if diff := cmp.Diff(before, e.apps()); diff != "" {
		t.Errorf("apps changed by refused installs (-want +got):\n%s", diff)
	}
}

func TestRollbackLeavesExactlyThePreInstallApps(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.install(installer.Request{Name: "cassandra"})
	if _, err := e.mc.CreateApp(context.Background(), map[string]any{"id": "/web", "cmd": "sleep 1000", "cpus": 0.1, "mem": 32, "instances": 1}); err != nil {
		t.Fatal(err)
	}
	e.sb.Settle()
	before := e.apps()
	e.sb.SetFaults(sandbox.Faults{FailHealth: "/hdfs*"})
	res, err := e.in.Run(context.Background(), installer.Request{Name: "spark", Timeout: 2 * time.Second})
	if err == nil {
		t.Fatal("Run(spark) succeeded with hdfs never healthy")
	}
	if res.Status != installer.StatusRolledBack {
		t.Errorf("status = %s, want rolled-back (%v)", res.Status, err)
	}
	if diff := cmp.Diff([]string{"/hdfs", "/zookeeper"}, res.Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	e.sb.Settle()
	if diff := cmp.Diff(before, e.apps()); diff != "" {
		t.Errorf("apps after rollback (-want +got):\n%s", diff)
	}
}

func TestInstallThroughErrorsAndDroppedConnections(t *testing.T) {
	e := newEnv(t, envOptions{sandbox: sandbox.Config{Faults: sandbox.Faults{ErrorRate: 0.2, DropRate: 0.1}}})
	res := e.install(installer.Request{Name: "spark"})
	if res.Status != installer.StatusSucceeded {
		t.Fatalf("status = %s", res.Status)
	}
	e.sb.SetFaults(sandbox.Faults{})
	want := map[string]int{"zookeeper": 1, "hdfs": 1, "spark": 1}
	got := map[string]int{}
	for _, p := range e.list() {
		got[strings.Fields(p)[0]]++
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("installed packages (-want +got):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, a := range e.apps() {
		id := strings.Fields(a)[0]
		if seen[id] {
			t.Errorf("app %s twice", id)
		}
		seen[id] = true
	}
}

func TestHaltLeavesAStateListExplainsAndResumeFinishes(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.sb.SetFaults(sandbox.Faults{FailHealth: "/spark"})
	res, err := e.in.Run(context.Background(), installer.Request{Name: "spark", OnFailure: installer.Halt, Timeout: 2 * time.Second})
	if err == nil || res.Status != installer.StatusHalted {
		t.Fatalf("Run = %v, %v; want halted", res.Status, err)
	}
	advice := strings.Join(res.Advice, "\n")
	for _, want := range []string{"spark 3.5.2 at /spark: failed", "hdfs 3.4.1 at /hdfs: healthy", "universe install --resume " + res.Install, "universe uninstall spark --app-id /spark --yes"} {
		if !strings.Contains(advice, want) {
			t.Errorf("advice lacks %q:\n%s", want, advice)
		}
	}
	list := strings.Join(e.list(), "\n")
	for _, want := range []string{"spark 3.5.2 /spark deploying", "hdfs 3.4.1 /hdfs healthy", "zookeeper 3.9.3 /zookeeper healthy"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	// Resume after the cause is gone.
	e.sb.SetFaults(sandbox.Faults{})
	unfinished, err := e.in.Unfinished()
	if err != nil || len(unfinished) != 1 {
		t.Fatalf("Unfinished = %v, %v; want the halted install", unfinished, err)
	}
	req, err := installer.ResumeRequest(unfinished[0])
	if err != nil {
		t.Fatal(err)
	}
	res2 := e.install(req)
	if res2.Status != installer.StatusSucceeded || res2.Install != res.Install {
		t.Errorf("resume = %s (install %s), want succeeded (install %s)", res2.Status, res2.Install, res.Install)
	}
	if n := len(e.apps()); n != 9 {
		t.Errorf("%d apps after resume, want 9: %v", n, e.apps())
	}
}
