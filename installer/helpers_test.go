package installer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/journal"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// env is an installer against an instant in-process sandbox.
type env struct {
	t      testing.TB
	sb     *sandbox.Server
	mc     *marathon.Client
	in     *installer.Installer
	state  string
	mu     sync.Mutex
	events []installer.Event
}

type envOptions struct {
	source    resolve.Source
	statePath string
	journal   string
	sandbox   sandbox.Config
	onEvent   func(installer.Event)
}

func builtin(t testing.TB) resolve.Source {
	t.Helper()
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	return resolve.Trees{{Name: "builtin", Tree: tree}}
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	cfg := o.sandbox
	if o.statePath == "" {
		o.statePath = filepath.Join(t.TempDir(), "sandbox.json")
	}
	cfg.StatePath = o.statePath
	seedAgents(t, o.statePath, 8)
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	if err := sb.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	mc, err := marathon.New(marathon.Config{MarathonURL: sb.URL(), RetryMax: 10, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, sb: sb, mc: mc, state: o.journal}
	if e.state == "" {
		e.state = t.TempDir()
	}
	if o.source == nil {
		o.source = builtin(t)
	}
	e.in, err = installer.New(installer.Config{
		Marathon: mc, Source: o.source, Cluster: "sandbox:test",
		Journal:          &journal.Store{Dir: e.state},
		Capacity:         installer.SandboxCapacity(sb.URL(), nil),
		ProgressInterval: 20 * time.Millisecond,
		OnEvent: func(ev installer.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
			if o.onEvent != nil {
				o.onEvent(ev)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// seedAgents writes a sandbox state file with n agents of 8 cpus, 32 GiB
// and DC/OS's port range (the sandbox's own agents offer only
// 31000-32000, where no package with fixed ports fits), unless the file
// exists.
func seedAgents(t testing.TB, path string, n int) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	var agents []map[string]any
	for i := range n {
		agents = append(agents, map[string]any{
			"id": fmt.Sprintf("agent-S%d", i), "hostname": fmt.Sprintf("agent-%d.sandbox", i+1),
			"region": "region-1", "zone": fmt.Sprintf("zone-%d", i%3+1),
			"cpus": 8, "mem": 32768, "disk": 262144, "portsFrom": 1025, "portsTo": 32000,
		})
	}
	data, _ := json.Marshal(map[string]any{"format": 1, "agents": agents})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// install runs an install that must succeed.
func (e *env) install(req installer.Request) *installer.Result {
	e.t.Helper()
	if req.Timeout == 0 {
		req.Timeout = time.Minute
	}
	res, err := e.in.Run(context.Background(), req)
	if err != nil {
		e.t.Fatalf("Run(%s): %v", req.Name, err)
	}
	return res
}

// apps returns "id name version" for every app, sorted.
func (e *env) apps() []string {
	e.t.Helper()
	apps, err := e.mc.ListApps(context.Background(), marathon.ListOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range apps {
		out = append(out, fmt.Sprintf("%s %s %s", a.ID, a.Labels["DCOS_PACKAGE_NAME"], a.Labels["DCOS_PACKAGE_VERSION"]))
	}
	sort.Strings(out)
	return out
}

// list returns "name version appId health deps" for every package.
func (e *env) list() []string {
	e.t.Helper()
	pkgs, err := e.in.List(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, p := range pkgs {
		out = append(out, fmt.Sprintf("%s %s %s %s deps=%v dependents=%v", p.Name, p.Version, p.AppID, p.Health, p.Dependencies, p.Dependents))
	}
	return out
}

// span is, for one package (an app id or a group id), the sandbox event
// sequence numbers of its first event and of its last health or running
// event.
type span struct{ first, ready int64 }

// spans reads the sandbox's event log and returns a span per top-level id
// ("/hdfs" for "/hdfs/name-1").
func (e *env) spans() map[string]span {
	out := map[string]span{}
	for _, ev := range e.sb.EventLog() {
		if ev.AppID == "" {
			continue
		}
		top := "/" + strings.SplitN(strings.TrimPrefix(ev.AppID, "/"), "/", 2)[0]
		sp, ok := out[top]
		if !ok {
			sp.first = ev.Seq
		}
		if ev.Type == "health_status_changed_event" || ev.Type == "status_update_event" || ev.Type == "instance_health_changed_event" {
			sp.ready = ev.Seq
		}
		out[top] = sp
	}
	return out
}

// assertBefore checks that dep was running and healthy before anything of
// pkg happened in the sandbox.
func (e *env) assertBefore(dep, pkg string) {
	e.t.Helper()
	sp := e.spans()
	d, okd := sp[dep]
	p, okp := sp[pkg]
	if !okd || !okp {
		e.t.Fatalf("event log lacks %s or %s: %v", dep, pkg, sp)
	}
	if d.ready == 0 {
		e.t.Errorf("%s never ran", dep)
	}
	if d.ready >= p.first {
		e.t.Errorf("%s became ready at event %d, after %s started at event %d", dep, d.ready, pkg, p.first)
	}
}

// pkgFS builds a synthetic repository: each entry "name version release
// dep-name:range ... from=V ..." (a trailing ? marks an optional
// dependency, from=V an upgradesFrom entry).
func pkgFS(t testing.TB, specs ...string) resolve.Source {
	t.Helper()
	m := fstest.MapFS{}
	for _, s := range specs {
		f := strings.Fields(s)
		name, version, release := f[0], f[1], f[2]
		var deps []map[string]any
		var upgradesFrom []string
		for _, d := range f[3:] {
			if from, ok := strings.CutPrefix(d, "from="); ok {
				upgradesFrom = append(upgradesFrom, from)
				continue
			}
			n, r, _ := strings.Cut(d, ":")
			opt := strings.HasSuffix(r, "?")
			r = strings.TrimSuffix(r, "?")
			deps = append(deps, map[string]any{"name": n, "version": strings.ReplaceAll(r, "_", " "), "optional": opt})
		}
		pj := map[string]any{
			"packagingVersion": "6.0", "name": name, "version": version,
			"maintainer": "t@example.com", "description": name, "tags": []string{}, "dependencies": deps,
		}
		if upgradesFrom != nil {
			pj["upgradesFrom"] = upgradesFrom
		}
		data, _ := json.Marshal(pj)
		dir := strings.ToUpper(name[:1]) + "/" + name + "/" + release + "/"
		m[dir+"package.json"] = &fstest.MapFile{Data: data}
		m[dir+"marathon.json.mustache"] = &fstest.MapFile{Data: []byte(`{"id":"/` + name + `","cmd":"sleep 1000","cpus":0.1,"mem":32,"instances":1}`)}
	}
	tree, err := repo.Load(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return resolve.Trees{{Name: "test", Tree: tree}}
}
