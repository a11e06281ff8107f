package installer_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// appStart is the simulated time an app of the sandbox takes to be
// running (1 s) and, with health checks, healthy (1 s more), at speed 1.
func appStart(doc json.RawMessage, id string) time.Duration {
	var v map[string]any
	_ = json.Unmarshal(doc, &v)
	var find func(g map[string]any) map[string]any
	find = func(g map[string]any) map[string]any {
		if g["id"] == id && g["apps"] == nil {
			return g
		}
		for _, a := range anyList(g["apps"]) {
			if m, ok := a.(map[string]any); ok && marathon.ResolveID(m["id"].(string), g["id"].(string)) == id {
				return m
			}
		}
		return nil
	}
	app := find(v)
	if app != nil && len(anyList(app["healthChecks"])) > 0 {
		return 2 * time.Second
	}
	return time.Second
}

func anyList(v any) []any { l, _ := v.([]any); return l }

// criticalPath is the longest chain of app starts the plan must wait for.
// With barriers, a wave starts when the whole previous wave is healthy (as
// the installer deploys); without, a package starts when its own
// dependencies are. Inside a group, apps start after the apps they depend on.
func criticalPath(p *installer.Plan, barriers bool) time.Duration {
	finish := map[string]time.Duration{}
	waveEnd := map[int]time.Duration{}
	var total time.Duration
	for _, pk := range p.Packages {
		if pk.Action != "install" {
			continue
		}
		var start time.Duration
		for _, d := range pk.WaitsFor {
			start = max(start, finish[d])
		}
		if barriers {
			for w := 0; w < pk.Wave; w++ {
				start = max(start, waveEnd[w])
			}
		}
		// Inside the package: apps start after the apps they depend on.
		appEnd := map[string]time.Duration{}
		var resolveApp func(a installer.PlannedApp) time.Duration
		byID := map[string]installer.PlannedApp{}
		for _, a := range pk.Apps {
			byID[a.ID] = a
		}
		resolveApp = func(a installer.PlannedApp) time.Duration {
			if e, ok := appEnd[a.ID]; ok {
				return e
			}
			s := start
			for _, d := range a.DependsOn {
				if da, ok := byID[d]; ok {
					s = max(s, resolveApp(da))
				}
			}
			appEnd[a.ID] = s + appStart(pk.Marathon, a.ID)
			return appEnd[a.ID]
		}
		var end time.Duration
		for _, a := range pk.Apps {
			end = max(end, resolveApp(a))
		}
		finish[pk.Name] = end
		waveEnd[pk.Wave] = max(waveEnd[pk.Wave], end)
		total = max(total, end)
	}
	return total
}

// BenchmarkInstallFullSet installs every built-in package (through a meta
// package depending on cassandra, spark, kubernetes and swarm) on a
// sandbox running 2 times faster than real time (an app with health checks
// starts in 1 s), and reports the install's
// wall time over the critical path (goal ≤ 1.1: waves truly parallel,
// our overhead negligible).
func BenchmarkInstallFullSet(b *testing.B) {
	const speed = 2.0
	meta := pkgFS(b, "everything 1.0.0 100 cassandra: spark: kubernetes: swarm:")
	src := resolve.Trees(append(resolve.Trees{}, meta.(resolve.Trees)...))
	src = append(src, builtin(b).(resolve.Trees)...)
	var ratio, ratioDeps, wall, ideal, idealDeps float64
	n := 0
	for b.Loop() {
		dir := b.TempDir()
		e := newEnv(b, envOptions{source: src, statePath: filepath.Join(dir, "s.json"), sandbox: sandbox.Config{Speed: speed}})
		start := time.Now()
		res, err := e.in.Run(context.Background(), installer.Request{Name: "everything", Timeout: 5 * time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		cp := time.Duration(float64(criticalPath(res.Plan, true)) / speed)
		cpDeps := time.Duration(float64(criticalPath(res.Plan, false)) / speed)
		ratio += float64(took) / float64(cp)
		ratioDeps += float64(took) / float64(cpDeps)
		wall += took.Seconds()
		ideal += cp.Seconds()
		idealDeps += cpDeps.Seconds()
		n++
		e.sb.Close()
	}
	b.ReportMetric(ratio/float64(n), "wall/waves-path")
	b.ReportMetric(ratioDeps/float64(n), "wall/deps-path")
	b.ReportMetric(wall/float64(n), "wall-s")
	b.ReportMetric(ideal/float64(n), "waves-path-s")
	b.ReportMetric(idealDeps/float64(n), "deps-path-s")
}
