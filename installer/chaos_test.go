package installer_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/journal"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// The chaos suite: random installs, upgrades and uninstalls against an
// in-process sandbox over loopback HTTP, under random faults (5xx bursts,
// dropped connections, latency, unhealthy tasks, hung deployments,
// installer processes killed with SIGKILL, a second installer racing),
// with the invariants checked after every operation and its recovery.
//
//	go test ./installer -run Chaos -v                      # 20s
//	go test ./installer -run Chaos -chaos.duration=10m -v  # longer
//	go test ./installer -run Chaos -chaos.seed=N -v        # replay
//
// UNIVERSE_CHAOS_SEED and UNIVERSE_CHAOS_DURATION do the same for
// `go test ./...`, whose other packages do not know the flags;
// UNIVERSE_CHAOS_TRACE=1 logs every run's operation log.
var (
	chaosSeed     = flag.Int64("chaos.seed", 0, "seed of the chaos suite's first run (env UNIVERSE_CHAOS_SEED); random when 0")
	chaosDuration = flag.Duration("chaos.duration", 0, "how long the chaos suite runs (env UNIVERSE_CHAOS_DURATION); 20s when 0")
)

const chaosCluster = "sandbox:chaos"

// chaosPackages are the packages operated on and the packages each needs.
var chaosPackages = map[string][]string{
	"zookeeper": nil, "hdfs": {"zookeeper"}, "spark": {"hdfs"},
	"etcd": nil, "kubernetes": {"etcd"}, "swarm": {"etcd"}, "cassandra": nil,
}

// chaosOp is one operation, chosen from the seed alone (never from the
// cluster's state) so that a seed replays the same sequence.
type chaosOp struct {
	Kind    string        `json:"kind"` // install, upgrade, uninstall
	Name    string        `json:"name"`
	Version string        `json:"version,omitempty"`
	Cascade bool          `json:"cascade,omitempty"`
	Timeout time.Duration `json:"timeout"`
	// Think is how long the user takes to confirm the plan, which widens
	// the window between planning and locking.
	Think time.Duration `json:"think,omitempty"`
}

func (o chaosOp) String() string {
	s := o.Kind + " " + o.Name
	if o.Version != "" {
		s += " " + o.Version
	}
	if o.Cascade {
		s += " --cascade"
	}
	return s
}

// chaosStats are the suite's counts.
type chaosStats struct {
	mu                                   sync.Mutex
	runs, recoveries, pruned, violations int
	// ops and outcomes by kind; faults: operations under each fault; api:
	// the calls the sandbox faulted.
	ops, faults, outcomes, api         map[string]int
	killedProcesses, unkilledProcesses int
	// errors are the unexpected errors operations reported.
	errors []string
}

func (s *chaosStats) add(m map[string]int, k string) {
	s.mu.Lock()
	m[k]++
	s.mu.Unlock()
}

func fmtCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func chaosSettings(t *testing.T) (seed int64, budget time.Duration) {
	seed, budget = *chaosSeed, *chaosDuration
	if seed == 0 {
		if v := os.Getenv("UNIVERSE_CHAOS_SEED"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("UNIVERSE_CHAOS_SEED=%q: want an integer", v)
			}
			seed = n
		}
	}
	if seed == 0 {
		seed = time.Now().UnixNano() % 1e9
	}
	if budget == 0 {
		if v := os.Getenv("UNIVERSE_CHAOS_DURATION"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("UNIVERSE_CHAOS_DURATION=%q: want a duration like 10m", v)
			}
			budget = d
		}
	}
	if budget == 0 {
		budget = 20 * time.Second
	}
	return seed, budget
}

func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("the chaos suite runs for its time budget")
	}
	seed, budget := chaosSettings(t)
	t.Logf("chaos: seed %d, budget %s (replay: go test ./installer -run TestChaos -chaos.seed=%d)", seed, budget, seed)
	src := builtin(t)
	expected := chaosExpected(t, src)
	versions := map[string][]string{}
	for k := range expected {
		n, v, _ := strings.Cut(k, "@")
		versions[n] = append(versions[n], v)
	}
	for _, vs := range versions {
		slices.Sort(vs)
	}
	st := &chaosStats{ops: map[string]int{}, faults: map[string]int{}, outcomes: map[string]int{}, api: map[string]int{}}
	start := time.Now()
	deadline := start.Add(budget)
	opsDone := 0
	for i := int64(0); time.Now().Before(deadline); i++ {
		r := newChaosRun(t, seed+i, src, expected, versions, st)
		opsDone += r.run(deadline)
		st.runs++
	}
	t.Logf("chaos: %d runs, %d operations in %s (seed %d)", st.runs, opsDone, time.Since(start).Round(time.Millisecond), seed)
	t.Logf("chaos: operations: %s", fmtCounts(st.ops))
	t.Logf("chaos: outcomes: %s", fmtCounts(st.outcomes))
	t.Logf("chaos: operations under faults: %s", fmtCounts(st.faults))
	t.Logf("chaos: API calls faulted by the sandbox: %s", fmtCounts(st.api))
	t.Logf("chaos: installer processes killed: %d (%d finished before their kill)", st.killedProcesses, st.unkilledProcesses)
	t.Logf("chaos: recoveries: %d interrupted installs resumed, %d stale locks pruned", st.recoveries, st.pruned)
	for _, e := range st.errors {
		t.Logf("chaos: unexpected error: %.300s", e)
	}
	t.Logf("chaos: invariant violations: %d", st.violations)
}

// chaosExpected plans every version of every package on an empty sandbox
// and returns the app ids each installs, by "name@version".
func chaosExpected(t *testing.T, src resolve.Source) map[string][]string {
	t.Helper()
	sb, mc := chaosSandbox(t, 0)
	defer sb.Close()
	in, err := installer.New(installer.Config{Marathon: mc, Source: src, Cluster: chaosCluster})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name := range chaosPackages {
		cands, err := src.Candidates(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cands {
			v := c.Revision.Version.String()
			res, err := in.Run(context.Background(), installer.Request{Name: name, Version: v, DryRun: true})
			if err != nil {
				t.Fatalf("planning %s %s: %v", name, v, err)
			}
			p, _ := res.Plan.Package(name)
			var ids []string
			for _, a := range p.Apps {
				ids = append(ids, a.ID)
			}
			sort.Strings(ids)
			out[name+"@"+v] = ids
		}
	}
	return out
}

// chaosSandbox starts a sandbox large enough for every package at once.
func chaosSandbox(t testing.TB, speed float64) (*sandbox.Server, *marathon.Client) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{Agents: 8, AgentCPUs: 8, AgentMem: 32768, AgentDisk: 262144,
		AgentPortsFrom: 1025, AgentPortsTo: 32000, Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return sb, chaosClient(t, sb.URL())
}

func chaosClient(t testing.TB, url string) *marathon.Client {
	t.Helper()
	mc, err := marathon.New(marathon.Config{MarathonURL: url, RetryMax: 8, RetryWaitMin: time.Millisecond, RetryWaitMax: 20 * time.Millisecond, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

func chaosInstaller(t testing.TB, mc *marathon.Client, url string, src resolve.Source, dir string, onEvent func(installer.Event)) *installer.Installer {
	t.Helper()
	in, err := installer.New(installer.Config{
		Marathon: mc, Source: src, Cluster: chaosCluster, Journal: &journal.Store{Dir: dir},
		Capacity: installer.SandboxCapacity(url, nil), ProgressInterval: 50 * time.Millisecond, OnEvent: onEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// chaosRun is one sandbox, one journal directory and a sequence of
// operations.
type chaosRun struct {
	t        *testing.T
	seed     int64
	rng      *rand.Rand
	sb       *sandbox.Server
	mc       *marathon.Client
	in       *installer.Installer
	store    *journal.Store
	dir      string
	src      resolve.Source
	expected map[string][]string
	versions map[string][]string
	st       *chaosStats
	log      []string

	fmu    sync.Mutex
	faults sandbox.Faults
	// deferred is set when the last operation's recovery waits for the
	// next one.
	deferred bool
}

func newChaosRun(t *testing.T, seed int64, src resolve.Source, expected, versions map[string][]string, st *chaosStats) *chaosRun {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	speed := 0.0
	if rng.IntN(2) == 0 {
		speed = 25
	}
	sb, mc := chaosSandbox(t, speed)
	dir, err := os.MkdirTemp(t.TempDir(), "journal")
	if err != nil {
		t.Fatal(err)
	}
	r := &chaosRun{t: t, seed: seed, rng: rng, sb: sb, mc: mc, dir: dir, src: src, expected: expected, versions: versions, st: st,
		store: &journal.Store{Dir: dir}}
	r.in = chaosInstaller(t, mc, sb.URL(), src, dir, nil)
	r.logf("run seed %d, sandbox speed %v", seed, speed)
	return r
}

func (r *chaosRun) logf(format string, args ...any) {
	r.fmu.Lock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
	r.fmu.Unlock()
}

// setFaults changes the active faults.
func (r *chaosRun) setFaults(f func(*sandbox.Faults)) {
	r.fmu.Lock()
	defer r.fmu.Unlock()
	f(&r.faults)
	r.sb.SetFaults(r.faults)
}

// randomOp chooses an operation. Upgrades and uninstalls mostly pick an
// installed package, so a seed replays the same choices as long as the
// operations end the same way (kills and bursts depend on timing too).
func (r *chaosRun) randomOp(installed map[string]string) chaosOp {
	names := []string{"zookeeper", "hdfs", "spark", "etcd", "kubernetes", "swarm", "cassandra"}
	op := chaosOp{Name: names[r.rng.IntN(len(names))], Timeout: 20 * time.Second}
	var have []string
	for _, n := range names {
		if _, ok := installed[n]; ok {
			have = append(have, n)
		}
	}
	pickInstalled := len(have) > 0 && r.rng.IntN(5) > 0
	switch n := r.rng.IntN(10); {
	case n < 5:
		op.Kind = "install"
		if r.rng.IntN(3) == 0 {
			vs := r.versions[op.Name]
			op.Version = vs[r.rng.IntN(len(vs))]
		}
	case n < 7:
		op.Kind = "upgrade"
		if pickInstalled {
			op.Name = have[r.rng.IntN(len(have))]
		}
		// Another version than the installed one.
		cur, _, _ := strings.Cut(installed[op.Name], " ")
		vs := slices.DeleteFunc(slices.Clone(r.versions[op.Name]), func(v string) bool { return v == cur })
		op.Version = vs[r.rng.IntN(len(vs))]
	default:
		op.Kind = "uninstall"
		if pickInstalled {
			op.Name = have[r.rng.IntN(len(have))]
		}
		op.Cascade = r.rng.IntN(2) == 0
	}
	return op
}

// run performs 6 to 15 operations, or fewer when the deadline passes.
func (r *chaosRun) run(deadline time.Time) int {
	defer r.sb.Close()
	defer func() {
		c := r.sb.InjectedFaults()
		r.st.mu.Lock()
		r.st.api["503"] += c.Errors
		r.st.api["drop-before-apply"] += c.DropsBefore
		r.st.api["drop-after-apply"] += c.DropsAfter
		r.st.api["delayed"] += c.Delayed
		r.st.mu.Unlock()
	}()
	if os.Getenv("UNIVERSE_CHAOS_TRACE") != "" {
		defer func() { r.t.Logf("run %d:\n  %s", r.seed, strings.Join(r.log, "\n  ")) }()
	}
	n := 6 + r.rng.IntN(10)
	done := 0
	runStart := time.Now()
	defer func() { r.logf("run took %s", time.Since(runStart).Round(time.Millisecond)) }()
	for i := 0; (i < n && time.Now().Before(deadline)) || r.deferred; i++ {
		r.step(i)
		done++
	}
	return done
}

// plannedFaults are the faults of one operation.
type plannedFaults struct {
	burst     bool
	drop      float64
	latency   time.Duration
	unhealthy string
	hang      string
	kill      bool
	race      bool
}

func (r *chaosRun) planFaults(op chaosOp) plannedFaults {
	var f plannedFaults
	target := func() string {
		name := op.Name
		for deps := chaosPackages[name]; len(deps) > 0 && r.rng.IntN(2) == 0; deps = chaosPackages[name] {
			name = deps[0]
		}
		if r.rng.IntN(4) == 0 {
			names := []string{"zookeeper", "hdfs", "spark", "etcd", "kubernetes", "swarm", "cassandra"}
			name = names[r.rng.IntN(len(names))]
		}
		return "/" + name + "*"
	}
	if r.rng.IntN(10) < 2 {
		return f // a clean operation
	}
	f.burst = r.rng.IntN(3) == 0
	if r.rng.IntN(4) == 0 {
		f.drop = 0.05 + r.rng.Float64()*0.15
	}
	if r.rng.IntN(4) == 0 {
		f.latency = time.Duration(1+r.rng.IntN(15)) * time.Millisecond
	}
	if r.rng.IntN(5) == 0 {
		f.unhealthy = target()
	}
	if r.rng.IntN(6) == 0 {
		f.hang = target()
	}
	switch r.rng.IntN(10) {
	case 0, 1, 2:
		f.kill = true
	case 3, 4, 5:
		f.race = true
	}
	return f
}

func (f plannedFaults) String() string {
	var parts []string
	if f.burst {
		parts = append(parts, "5xx-bursts")
	}
	if f.drop > 0 {
		parts = append(parts, fmt.Sprintf("drops=%.2f", f.drop))
	}
	if f.latency > 0 {
		parts = append(parts, "latency="+f.latency.String())
	}
	if f.unhealthy != "" {
		parts = append(parts, "unhealthy="+f.unhealthy)
	}
	if f.hang != "" {
		parts = append(parts, "hang="+f.hang)
	}
	if f.kill {
		parts = append(parts, "kill")
	}
	if f.race {
		parts = append(parts, "race")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// step performs one operation under its faults, recovers, and checks.
func (r *chaosRun) step(i int) {
	t := r.t
	before := r.snapshot()
	op := r.randomOp(before.packages())
	f := r.planFaults(op)
	if f.unhealthy != "" || f.hang != "" {
		op.Timeout = 400*time.Millisecond + time.Duration(r.rng.IntN(500))*time.Millisecond
	}
	var race chaosOp
	if f.race {
		race = r.raceOp(op, before.packages())
		// Both users take a moment to confirm; the first one often a long
		// one, in which the second one's operation may finish.
		op.Think = time.Duration(r.rng.IntN(100)) * time.Millisecond
		if r.rng.IntN(2) == 0 {
			op.Think = 200*time.Millisecond + time.Duration(r.rng.IntN(600))*time.Millisecond
		}
		race.Think = time.Duration(r.rng.IntN(100)) * time.Millisecond
	}
	killAt, killAfter := r.killPoint()
	raceDelay := time.Duration(r.rng.IntN(50)) * time.Millisecond
	burstSeed := r.rng.Uint64()

	opStart := time.Now()
	r.logf("op %d: %s [faults: %s]", i, op, f)
	r.st.add(r.st.ops, op.Kind)
	for _, k := range strings.Split(f.String(), ",") {
		if k != "none" {
			k, _, _ = strings.Cut(k, "=")
			r.st.add(r.st.faults, k)
		}
	}

	// Faults on.
	r.setFaults(func(s *sandbox.Faults) {
		*s = sandbox.Faults{DropRate: f.drop, Latency: sandbox.Duration(f.latency), FailHealth: f.unhealthy, Hang: f.hang}
	})
	stopFaults := make(chan struct{})
	var fwg sync.WaitGroup
	if f.burst {
		fwg.Add(1)
		go func() {
			defer fwg.Done()
			rng := rand.New(rand.NewPCG(burstSeed, 1))
			for {
				select {
				case <-stopFaults:
					return
				case <-time.After(time.Duration(20+rng.IntN(200)) * time.Millisecond):
				}
				rate := 0.3 + rng.Float64()*0.6
				r.setFaults(func(s *sandbox.Faults) { s.ErrorRate = rate })
				select {
				case <-stopFaults:
					return
				case <-time.After(time.Duration(20+rng.IntN(150)) * time.Millisecond):
				}
				r.setFaults(func(s *sandbox.Faults) { s.ErrorRate = 0 })
			}
		}()
	}
	if f.unhealthy != "" || f.hang != "" {
		// Lifted a little after the operation's timeout, so that the
		// operation times out and rolls back, and an upgrade's rollback
		// (which waits for the previous version) can finish.
		fwg.Add(1)
		go func() {
			defer fwg.Done()
			select {
			case <-stopFaults:
			case <-time.After(op.Timeout + 300*time.Millisecond):
				r.setFaults(func(s *sandbox.Faults) { s.FailHealth, s.Hang = "", "" })
			}
		}()
	}

	outcome := ""
	var opErr error
	var wg sync.WaitGroup
	if f.race {
		in2 := chaosInstaller(t, chaosClient(t, r.sb.URL()), r.sb.URL(), r.src, r.dir, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(raceDelay)
			st, err := chaosDo(context.Background(), in2, race)
			r.logf("op %d: racing %s: %s %v", i, race, st, err)
			r.st.add(r.st.ops, "raced-"+race.Kind)
		}()
	}
	if f.kill {
		outcome, opErr = r.inProcess(op, killAt, killAfter)
	} else {
		outcome, opErr = chaosDo(context.Background(), r.in, op)
	}
	wg.Wait()
	close(stopFaults)
	fwg.Wait()
	r.setFaults(func(s *sandbox.Faults) { *s = sandbox.Faults{} })
	r.logf("op %d: %s: %s after %s: %v", i, op, outcome, time.Since(opStart).Round(time.Millisecond), opErr)
	r.st.add(r.st.outcomes, op.Kind+":"+outcome)

	if outcome == "error" {
		r.st.mu.Lock()
		r.st.errors = append(r.st.errors, fmt.Sprintf("run %d op %d %s: %v", r.seed, i, op, opErr))
		r.st.mu.Unlock()
	}
	if outcome == "killed" && !r.deferred && r.rng.IntN(3) == 0 {
		// The user does something else before recovering: the next
		// operation meets the killed one's journal entry and locks.
		r.deferred = true
		r.logf("op %d: recovery deferred to after the next operation", i)
		r.st.add(r.st.faults, "recovery-deferred")
		return
	}
	r.recover()
	r.logf("op %d: recovered and settled after %s", i, time.Since(opStart).Round(time.Millisecond))
	after := r.snapshot()
	if r.deferred {
		// The state before this operation had an interrupted install in it.
		f.race = true
		r.deferred = false
	}
	v := r.check(op, f, outcome, before, after)
	if outcome == "helper-failed" {
		v = append(v, fmt.Sprintf("the child installer process failed: %v", opErr))
	}
	r.logf("op %d: checked after %s", i, time.Since(opStart).Round(time.Millisecond))
	if len(v) > 0 {
		r.st.violations += len(v)
		t.Fatalf("chaos: invariant violations after op %d (%s) of run seed %d (replay: -chaos.seed=%d):\n  %s\noperation log:\n  %s\nstate (-before +after):\n%s",
			i, op, r.seed, r.seed, strings.Join(v, "\n  "), strings.Join(r.log, "\n  "), cmp.Diff(before.lines(), after.lines()))
	}
}

// raceOp chooses the operation a second installer runs against op: often
// its adversary (removing what op builds on, building on what op
// removes), else an operation on a related package, else any.
func (r *chaosRun) raceOp(op chaosOp, installed map[string]string) chaosOp {
	race := r.randomOp(installed)
	race.Timeout = op.Timeout
	var dependents []string
	for n, deps := range chaosPackages {
		if slices.Contains(deps, op.Name) {
			dependents = append(dependents, n)
		}
	}
	slices.Sort(dependents)
	pick := func(l []string) string { return l[r.rng.IntN(len(l))] }
	switch r.rng.IntN(4) {
	case 0, 1: // the adversary
		switch op.Kind {
		case "install", "upgrade":
			race = chaosOp{Kind: "uninstall", Name: op.Name, Cascade: r.rng.IntN(2) == 0, Timeout: op.Timeout}
			if deps := chaosPackages[op.Name]; len(deps) > 0 && r.rng.IntN(2) == 0 {
				race.Name = pick(deps)
			}
		case "uninstall":
			race = chaosOp{Kind: "install", Name: op.Name, Timeout: op.Timeout}
			if len(dependents) > 0 && r.rng.IntN(3) > 0 {
				race.Name = pick(dependents)
			}
		}
	case 2: // a related package
		related := append(append([]string{op.Name}, chaosPackages[op.Name]...), dependents...)
		race.Name = pick(related)
		if race.Version != "" {
			race.Version = pick(r.versions[race.Name])
		}
	}
	return race
}

// killPoint chooses when a child installer kills itself: at its n-th
// progress event, or after a delay.
func (r *chaosRun) killPoint() (int, time.Duration) {
	if r.rng.IntN(2) == 0 {
		return 1 + r.rng.IntN(8), 0
	}
	return 0, time.Duration(5+r.rng.IntN(400)) * time.Millisecond
}

// chaosDo performs op and returns its outcome: the result's status, or the
// kind of error when there is no result.
func chaosDo(ctx context.Context, in *installer.Installer, op chaosOp) (string, error) {
	var status string
	var err error
	think := func(ctx context.Context) (bool, error) {
		select {
		case <-time.After(op.Think):
			return true, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	switch op.Kind {
	case "install":
		var res *installer.Result
		res, err = in.Run(ctx, installer.Request{Name: op.Name, Version: op.Version, Timeout: op.Timeout,
			Confirm: func(ctx context.Context, _ *installer.Plan) (bool, error) { return think(ctx) }})
		if res != nil {
			status = res.Status
		}
	case "upgrade":
		var res *installer.UpgradeResult
		res, err = in.Upgrade(ctx, installer.UpgradeRequest{Name: op.Name, Version: op.Version, Timeout: op.Timeout,
			Confirm: func(ctx context.Context, _ *installer.UpgradePlan) (bool, error) { return think(ctx) }})
		if res != nil {
			status = res.Status
		}
	case "uninstall":
		_, err = in.Uninstall(ctx, installer.UninstallRequest{Name: op.Name, Cascade: op.Cascade, Timeout: op.Timeout,
			Confirm: func(ctx context.Context, _ []*installer.Package) (bool, error) { return think(ctx) }})
		if err == nil {
			status = "uninstalled"
		}
	case "resume": // Name is the install id
		var entries []*journal.Entry
		if entries, err = in.Unfinished(); err != nil {
			break
		}
		err = fmt.Errorf("no unfinished install %s", op.Name)
		for _, e := range entries {
			if e.ID != op.Name {
				continue
			}
			var req installer.Request
			if req, err = installer.ResumeRequest(e); err != nil {
				break
			}
			req.Timeout = op.Timeout
			var res *installer.Result
			res, err = in.Run(ctx, req)
			if res != nil {
				status = res.Status
			}
		}
	}
	if status == "" && err != nil {
		var (
			le *journal.LockedError
			ni *installer.NotInstalledError
			de *installer.DependentsError
			ur *installer.UpgradeRefusedError
			ce *resolve.ConflictError
		)
		switch {
		case errors.As(err, &le):
			status = "locked"
		case errors.As(err, &ni):
			status = "not-installed"
		case errors.As(err, &de):
			status = "has-dependents"
		case errors.As(err, &ur):
			status = "refused"
		case errors.As(err, &ce):
			status = "conflict"
		default:
			status = "error"
		}
	}
	if status == "" {
		status = "ok"
	}
	return status, err
}

// inProcess performs op in a child process (this test binary, re-executed
// as TestChaosHelper) that SIGKILLs itself after killAfter or at its
// killAt-th event.
func (r *chaosRun) inProcess(op chaosOp, killAt int, killAfter time.Duration) (string, error) {
	raw, _ := json.Marshal(op)
	ctx, cancel := context.WithTimeout(context.Background(), op.Timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChaosHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "UNIVERSE_CHAOS_HELPER=1", "CHAOS_URL="+r.sb.URL(), "CHAOS_JOURNAL="+r.dir,
		"CHAOS_OP="+string(raw), "CHAOS_KILL_AT="+strconv.Itoa(killAt), "CHAOS_KILL_AFTER="+killAfter.String())
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.st.mu.Lock()
			r.st.killedProcesses++
			r.st.mu.Unlock()
			r.logf("  killed (at event %d / after %s)", killAt, killAfter)
			return "killed", nil
		}
	}
	r.st.mu.Lock()
	r.st.unkilledProcesses++
	r.st.mu.Unlock()
	if err != nil {
		return "helper-failed", fmt.Errorf("helper: %v\n%s", err, out)
	}
	line := ""
	for _, l := range strings.Split(string(out), "\n") {
		if s, ok := strings.CutPrefix(l, "CHAOS-OUTCOME "); ok {
			line = s
		}
	}
	if line == "" {
		return "helper-failed", fmt.Errorf("helper printed no outcome:\n%s", out)
	}
	outcome, msg, _ := strings.Cut(line, " ")
	if msg != "" {
		return outcome, errors.New(msg)
	}
	return outcome, nil
}

// TestChaosHelper is not a test: it is the installer process that
// TestChaos starts and kills.
func TestChaosHelper(t *testing.T) {
	if os.Getenv("UNIVERSE_CHAOS_HELPER") != "1" {
		t.Skip("helper process for TestChaos")
	}
	var op chaosOp
	if err := json.Unmarshal([]byte(os.Getenv("CHAOS_OP")), &op); err != nil {
		t.Fatal(err)
	}
	killAt, _ := strconv.Atoi(os.Getenv("CHAOS_KILL_AT"))
	killAfter, _ := time.ParseDuration(os.Getenv("CHAOS_KILL_AFTER"))
	die := func() {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	}
	var mu sync.Mutex
	n := 0
	url := os.Getenv("CHAOS_URL")
	in := chaosInstaller(t, chaosClient(t, url), url, builtin(t), os.Getenv("CHAOS_JOURNAL"), func(ev installer.Event) {
		if ev.Type != "package" && ev.Type != "rollback" {
			return
		}
		mu.Lock()
		n++
		hit := n == killAt
		mu.Unlock()
		if hit {
			die()
		}
	})
	if killAt == 0 {
		time.AfterFunc(killAfter, die)
	}
	outcome, err := chaosDo(context.Background(), in, op)
	msg := ""
	if err != nil {
		msg = " " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	fmt.Printf("CHAOS-OUTCOME %s%s\n", outcome, msg)
}

// recover does what a user does after a failure: resume every unfinished
// install (which finishes it or rolls it back), and clear the locks of
// killed processes. Then it waits for the sandbox's deployments.
func (r *chaosRun) recover() {
	t := r.t
	entries, err := r.in.Unfinished()
	if err != nil {
		t.Fatalf("Unfinished: %v", err)
	}
	if len(entries) > 0 && r.rng.IntN(3) == 0 {
		// The resume is interrupted too.
		killAt, killAfter := r.killPoint()
		op := chaosOp{Kind: "resume", Name: entries[0].ID, Timeout: 20 * time.Second}
		outcome, err := r.inProcess(op, killAt, killAfter)
		r.logf("  recovery: resuming %s in a child process: %s %v", entries[0].ID, outcome, err)
		if outcome == "helper-failed" {
			t.Fatalf("chaos: run seed %d: the child installer resuming %s failed: %v\noperation log:\n  %s", r.seed, entries[0].ID, err, strings.Join(r.log, "\n  "))
		}
		r.st.add(r.st.faults, "kill-during-recovery")
		if entries, err = r.in.Unfinished(); err != nil {
			t.Fatalf("Unfinished: %v", err)
		}
	}
	for _, e := range entries {
		req, err := installer.ResumeRequest(e)
		if err != nil {
			t.Fatalf("ResumeRequest(%s): %v", e.ID, err)
		}
		req.Timeout = 20 * time.Second
		res, err := r.in.Run(context.Background(), req)
		status := ""
		if res != nil {
			status = res.Status
		}
		r.logf("  recovery: resumed install %s (%s, was %s): %s %v", e.ID, req.Name, e.Status, status, err)
		r.st.mu.Lock()
		r.st.recoveries++
		r.st.mu.Unlock()
	}
	pruned, err := r.store.PruneStale(chaosCluster)
	if err != nil {
		t.Fatalf("PruneStale: %v", err)
	}
	for _, l := range pruned {
		r.logf("  recovery: pruned the stale lock on %s of %s", l.Package, l.Install)
	}
	r.st.mu.Lock()
	r.st.pruned += len(pruned)
	r.st.mu.Unlock()
	// Let deployments started before a kill finish.
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		r.sb.Settle()
		ds, err := r.mc.Deployments(context.Background())
		if err == nil && len(ds) == 0 {
			break
		}
	}
}

// chaosApp is an app as the invariants read it, straight from /v2/apps.
type chaosApp struct {
	ID           string            `json:"id"`
	Labels       map[string]string `json:"labels"`
	Instances    int               `json:"instances"`
	TasksRunning int               `json:"tasksRunning"`
	TasksHealthy int               `json:"tasksHealthy"`
	Deployments  []any             `json:"deployments"`
}

// chaosState is the cluster's packages: instance key (app or group id) →
// its apps.
type chaosState struct {
	apps      []chaosApp
	instances map[string][]chaosApp
}

func (s chaosState) lines() []string {
	var out []string
	for _, a := range s.apps {
		out = append(out, fmt.Sprintf("%s %s %s install=%s deps=%s deploying=%v", a.ID, a.Labels["DCOS_PACKAGE_NAME"], a.Labels["DCOS_PACKAGE_VERSION"],
			a.Labels[installer.LabelInstall], a.Labels[installer.LabelDependencies], len(a.Deployments) > 0))
	}
	sort.Strings(out)
	return out
}

// packages maps each installed package name to "version appId".
func (s chaosState) packages() map[string]string {
	out := map[string]string{}
	for key, apps := range s.instances {
		out[apps[0].Labels["DCOS_PACKAGE_NAME"]] = apps[0].Labels["DCOS_PACKAGE_VERSION"] + " " + key
	}
	return out
}

func (r *chaosRun) snapshot() chaosState {
	t := r.t
	resp, err := http.Get(r.sb.URL() + "/v2/apps")
	if err != nil {
		t.Fatalf("GET /v2/apps: %v", err)
	}
	defer resp.Body.Close()
	var body struct{ Apps []chaosApp }
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v2/apps: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET /v2/apps: %v", err)
	}
	s := chaosState{apps: body.Apps, instances: map[string][]chaosApp{}}
	for _, a := range body.Apps {
		if a.Labels["DCOS_PACKAGE_NAME"] == "" {
			continue
		}
		key := a.ID
		if g := a.Labels["UNIVERSE_PACKAGE_GROUP"]; g != "" {
			key = g
		}
		s.instances[key] = append(s.instances[key], a)
	}
	return s
}

// check returns the invariants the state after op violates.
func (r *chaosRun) check(op chaosOp, f plannedFaults, outcome string, before, after chaosState) []string {
	var v []string
	bad := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	ctx := context.Background()

	// No duplicate apps, no duplicate packages.
	ids := map[string]bool{}
	for _, a := range after.apps {
		if ids[a.ID] {
			bad("app %s listed twice", a.ID)
		}
		ids[a.ID] = true
	}
	names := map[string][]string{}
	for key, apps := range after.instances {
		names[apps[0].Labels["DCOS_PACKAGE_NAME"]] = append(names[apps[0].Labels["DCOS_PACKAGE_NAME"]], key)
	}
	for n, keys := range names {
		if len(keys) > 1 {
			sort.Strings(keys)
			bad("package %s installed %d times: %v", n, len(keys), keys)
		}
	}
	// Every instance complete, its labels consistent, its dependencies
	// installed, its install recorded.
	agreed := []string{"DCOS_PACKAGE_NAME", "DCOS_PACKAGE_VERSION", "DCOS_PACKAGE_SOURCE", "DCOS_PACKAGE_OPTIONS",
		"DCOS_PACKAGE_DEFINITION", "UNIVERSE_PACKAGE_GROUP", installer.LabelInstall, installer.LabelDependencies}
	keys := make([]string, 0, len(after.instances))
	for k := range after.instances {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		apps := after.instances[key]
		first := apps[0]
		name, version := first.Labels["DCOS_PACKAGE_NAME"], first.Labels["DCOS_PACKAGE_VERSION"]
		for _, a := range apps[1:] {
			for _, l := range agreed {
				if a.Labels[l] != first.Labels[l] {
					bad("%s: label %s of app %s is %.40q, of app %s %.40q", key, l, a.ID, a.Labels[l], first.ID, first.Labels[l])
				}
			}
		}
		var got []string
		for _, a := range apps {
			got = append(got, a.ID)
		}
		sort.Strings(got)
		want, ok := r.expected[name+"@"+version]
		switch {
		case !ok:
			bad("%s: %s %s is no version of the repository", key, name, version)
		case !slices.Equal(want, got):
			bad("%s: %s %s is partly installed: apps %v, want %v", key, name, version, got, want)
		}
		deps := map[string]string{}
		if s := first.Labels[installer.LabelDependencies]; s != "" {
			for _, kv := range strings.Split(s, ",") {
				k, id, _ := strings.Cut(kv, "=")
				deps[k] = id
			}
		}
		var depNames []string
		for d, id := range deps {
			depNames = append(depNames, d)
			if da, ok := after.instances[id]; !ok || da[0].Labels["DCOS_PACKAGE_NAME"] != d {
				bad("%s: depends on %s at %s, which is not installed", key, d, id)
			}
		}
		sort.Strings(depNames)
		if wantDeps := chaosPackages[name]; !slices.Equal(depNames, wantDeps) && !(len(depNames) == 0 && len(wantDeps) == 0) {
			bad("%s: records dependencies %v, want %v", key, depNames, wantDeps)
		}
		id := first.Labels[installer.LabelInstall]
		if id == "" {
			bad("%s: no %s label", key, installer.LabelInstall)
		} else if !strings.HasPrefix(id, "upgrade-") {
			e, err := r.store.Load(id)
			if err != nil {
				bad("%s: created by install %s, which the journal does not have: %v", key, id, err)
			} else {
				// Planned (or, resumed after another install built on it,
				// kept) by that install, which ended well, or, kept, in any
				// way.
				state := ""
				for _, p := range e.Packages {
					if p.Name == name && p.AppID == key {
						state = p.State
					}
				}
				switch {
				case state == "":
					bad("%s: install %s did not plan %s at %s: %+v", key, id, name, key, e.Packages)
				case state != "kept" && e.Status != journal.Succeeded && e.Status != installer.StatusInstalled:
					bad("%s: created by install %s, which the journal says %s", key, id, e.Status)
				}
			}
		}
		for _, a := range apps {
			if len(a.Deployments) == 0 && a.TasksRunning != a.Instances {
				bad("%s: app %s runs %d of %d tasks with no deployment", key, a.ID, a.TasksRunning, a.Instances)
			}
		}
	}
	// installer.List agrees with the apps.
	pkgs, err := r.in.List(ctx)
	if err != nil {
		bad("List: %v", err)
	}
	var listed, seen []string
	for _, p := range pkgs {
		listed = append(listed, fmt.Sprintf("%s %s %s %v", p.Name, p.Version, p.AppID, p.Apps))
		if p.Health != "healthy" && p.Health != "deploying" {
			bad("%s: %s is %s", p.AppID, p.Name, p.Health)
		}
	}
	for _, key := range keys {
		apps := after.instances[key]
		var appIDs []string
		for _, a := range apps {
			appIDs = append(appIDs, a.ID)
		}
		sort.Strings(appIDs)
		seen = append(seen, fmt.Sprintf("%s %s %s %v", apps[0].Labels["DCOS_PACKAGE_NAME"], apps[0].Labels["DCOS_PACKAGE_VERSION"], key, appIDs))
	}
	sort.Strings(listed)
	sort.Strings(seen)
	if d := cmp.Diff(seen, listed); d != "" {
		bad("List disagrees with the sandbox's apps (-apps +list):\n%s", d)
	}
	// The journal is clean.
	if un, err := r.in.Unfinished(); err != nil || len(un) > 0 {
		bad("unfinished installs after recovery: %d %v", len(un), err)
	}
	if des, err := os.ReadDir(filepath.Join(r.dir, "installs")); err == nil {
		for _, de := range des {
			id, ok := strings.CutSuffix(de.Name(), ".json")
			if !ok {
				bad("stray file in the journal: %s", de.Name())
				continue
			}
			if e, err := r.store.Load(id); err != nil || e.Status == journal.Running {
				bad("journal entry %s: still running after recovery (%v)", id, err)
			}
		}
	}
	if locks, err := r.store.Locks(chaosCluster); err != nil || len(locks) > 0 {
		bad("locks left after recovery: %+v %v", locks, err)
	}
	// Faults cost time, never state: what the operation reported is what
	// happened, and nothing it did not touch changed.
	if f.race || outcome == "killed" || outcome == installer.StatusFailed {
		return v // either way, the structural invariants above hold
	}
	b, a := before.packages(), after.packages()
	unchanged := func(skip ...string) {
		for n, was := range b {
			if slices.Contains(skip, n) {
				continue
			}
			if a[n] != was {
				bad("%s changed from %q to %q by %s (%s)", n, was, a[n], op, outcome)
			}
		}
	}
	switch {
	case op.Kind == "install" && (outcome == installer.StatusSucceeded || outcome == installer.StatusInstalled):
		if _, ok := a[op.Name]; !ok {
			bad("%s %s but %s is not installed", op, outcome, op.Name)
		}
		unchanged()
	case op.Kind == "install":
		if d := cmp.Diff(b, a); d != "" {
			bad("%s ended %s but changed the packages (-before +after):\n%s", op, outcome, d)
		}
	case op.Kind == "uninstall" && outcome == "uninstalled":
		if _, ok := a[op.Name]; ok {
			bad("%s succeeded but %s is installed", op, op.Name)
		}
		for n := range a {
			if _, ok := b[n]; !ok {
				bad("%s installed %s", op, n)
			}
		}
		var gone []string
		for n := range b {
			if _, ok := a[n]; !ok {
				gone = append(gone, n)
			}
		}
		if !op.Cascade && len(gone) != 1 {
			bad("%s removed %v", op, gone)
		}
		unchanged(gone...)
	case op.Kind == "uninstall":
		for n, now := range a {
			if b[n] != now {
				bad("%s failed (%s) but %s changed from %q to %q", op, outcome, n, b[n], now)
			}
		}
	case op.Kind == "upgrade" && outcome == installer.StatusUpgraded:
		if got, _, _ := strings.Cut(a[op.Name], " "); got != op.Version {
			bad("%s upgraded, but %s is at %q", op, op.Name, a[op.Name])
		}
		unchanged(op.Name)
	case op.Kind == "upgrade":
		unchanged()
	}
	return v
}

// TestChaosCheckCatchesViolations breaks a cluster the way a bug would
// and expects the chaos suite's invariants to say so.
func TestChaosCheckCatchesViolations(t *testing.T) {
	if testing.Short() {
		t.Skip("installs into sandboxes")
	}
	src := builtin(t)
	expected := chaosExpected(t, src)
	versions := map[string][]string{}
	ctx := context.Background()
	install := chaosOp{Kind: "install", Name: "spark", Timeout: time.Minute}
	relabel := func(r *chaosRun, id, label, value string) {
		a, err := r.mc.GetApp(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a.Labels[label] = value
		if _, err := r.mc.UpdateApp(ctx, id, map[string]any{"labels": a.Labels}, marathon.UpdateOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		outcome string
		breakIt func(r *chaosRun)
		want    string
	}{
		{"nothing broken", installer.StatusSucceeded, func(r *chaosRun) {}, ""},
		{"partial install", installer.StatusSucceeded, func(r *chaosRun) {
			if _, err := r.mc.DeleteApp(ctx, "/hdfs/data", true); err != nil {
				t.Fatal(err)
			}
		}, "/hdfs: hdfs 3.4.1 is partly installed"},
		{"inconsistent labels", installer.StatusSucceeded, func(r *chaosRun) {
			relabel(r, "/hdfs/name-1", installer.LabelInstall, "other")
		}, "/hdfs: label UNIVERSE_INSTALL of app"},
		{"dangling dependency", installer.StatusSucceeded, func(r *chaosRun) {
			relabel(r, "/spark", installer.LabelDependencies, "hdfs=/gone")
		}, "/spark: depends on hdfs at /gone, which is not installed"},
		{"unrecorded install", installer.StatusSucceeded, func(r *chaosRun) {
			relabel(r, "/spark", installer.LabelInstall, "never-ran")
		}, "/spark: created by install never-ran, which the journal does not have"},
		{"unfinished journal entry", installer.StatusSucceeded, func(r *chaosRun) {
			host, _ := os.Hostname()
			if err := r.store.Save(&journal.Entry{ID: "killed", Cluster: chaosCluster, Status: journal.Running, Owner: journal.Owner{PID: 1 << 30, Host: host}}); err != nil {
				t.Fatal(err)
			}
		}, "unfinished installs after recovery: 1"},
		{"lock left", installer.StatusSucceeded, func(r *chaosRun) {
			if _, _, err := r.store.Acquire(chaosCluster, "x", []string{"spark"}, time.Hour, false); err != nil {
				t.Fatal(err)
			}
		}, "locks left after recovery"},
		{"rolled back but changed", installer.StatusRolledBack, func(r *chaosRun) {}, "install spark ended rolled-back but changed the packages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &chaosStats{ops: map[string]int{}, faults: map[string]int{}, outcomes: map[string]int{}, api: map[string]int{}}
			r := newChaosRun(t, 1, src, expected, versions, st)
			defer r.sb.Close()
			before := r.snapshot()
			if outcome, err := chaosDo(ctx, r.in, install); err != nil || outcome != installer.StatusSucceeded {
				t.Fatalf("install spark = %s, %v", outcome, err)
			}
			r.recover()
			tc.breakIt(r)
			r.recover()
			if tc.name == "unfinished journal entry" || tc.name == "lock left" {
				// What recovery would clean up is planted after it.
				tc.breakIt(r)
			}
			v := r.check(install, plannedFaults{}, tc.outcome, before, r.snapshot())
			got := strings.Join(v, "\n")
			switch {
			case tc.want == "" && got != "":
				t.Errorf("check of an intact cluster = %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("check = %q, want it to report %q", got, tc.want)
			}
		})
	}
}
