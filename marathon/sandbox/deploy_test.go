package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/marathon/sandbox"
)

// firstEvents returns, per app, the order in which the apps first reached
// a task status.
func firstEvents(s *sandbox.Server, status string) []string {
	var order []string
	seen := map[string]bool{}
	for _, e := range s.EventLog() {
		if e.Type != "status_update_event" {
			continue
		}
		var p struct{ AppID, TaskStatus string }
		_ = json.Unmarshal(e.Data, &p)
		if p.TaskStatus == status && !seen[p.AppID] {
			seen[p.AppID] = true
			order = append(order, p.AppID)
		}
	}
	return order
}

func TestDependencyOrder(t *testing.T) {
	s := start(t, sandbox.Config{})
	group := `{"id":"/shop","apps":[
		{"id":"web","cmd":"sleep 100","dependencies":["api"]},
		{"id":"api","cmd":"sleep 100","dependencies":["/shop/db","cache"]},
		{"id":"cache","cmd":"sleep 100"},
		{"id":"db","cmd":"sleep 100"}]}`
	dry := call(t, s, "PUT", "/v2/groups/shop?dryRun=true", group)
	if dry.status != 200 {
		t.Fatalf("dryRun = %d %s", dry.status, dry.body)
	}
	conforms(t, "DeploymentSteps", dry.json(t))
	var steps struct {
		Steps []struct {
			Actions []struct{ Action, App string }
		}
	}
	_ = json.Unmarshal(dry.body, &steps)
	var got [][]string
	for _, st := range steps.Steps {
		var row []string
		for _, a := range st.Actions {
			row = append(row, a.Action+" "+a.App)
		}
		got = append(got, row)
	}
	want := [][]string{
		{"StartApplication /shop/api", "StartApplication /shop/cache", "StartApplication /shop/db", "StartApplication /shop/web"},
		{"ScaleApplication /shop/cache", "ScaleApplication /shop/db"},
		{"ScaleApplication /shop/api"},
		{"ScaleApplication /shop/web"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dryRun steps (-want +got):\n%s", diff)
	}
	if a := call(t, s, "POST", "/v2/groups", group); a.status != 201 {
		t.Fatalf("POST group = %d %s", a.status, a.body)
	}
	order := firstEvents(s, "TASK_RUNNING")
	pos := map[string]int{}
	for i, id := range order {
		pos[id] = i
	}
	if len(order) != 4 || pos["/shop/api"] < pos["/shop/db"] || pos["/shop/api"] < pos["/shop/cache"] || pos["/shop/web"] < pos["/shop/api"] {
		t.Errorf("apps started in order %v, want db and cache before api before web", order)
	}
	if d := call(t, s, "GET", "/v2/deployments", "").json(t).([]any); len(d) != 0 {
		t.Errorf("deployments after an instant deployment = %v, want none", d)
	}
	// Event order of §4.6 for a single app.
	s2 := start(t, sandbox.Config{})
	call(t, s2, "POST", "/v2/apps", `{"id":"/one","cmd":"sleep 100"}`)
	var types []string
	for _, e := range s2.EventLog() {
		if len(types) == 0 || types[len(types)-1] != e.Type {
			types = append(types, e.Type)
		}
	}
	wantTypes := []string{"api_post_event", "group_change_success", "deployment_info", "deployment_step_success", "deployment_info", "status_update_event", "instance_changed_event", "status_update_event", "instance_changed_event", "deployment_step_success", "deployment_success"}
	if diff := cmp.Diff(wantTypes, types); diff != "" {
		t.Errorf("event order (-want +got):\n%s", diff)
	}
}

func TestLockAndForce(t *testing.T) {
	// Tasks of /slow never become healthy, so its deployment never ends.
	s := start(t, sandbox.Config{Faults: sandbox.Faults{FailHealth: "/slow"}})
	a := call(t, s, "POST", "/v2/apps", `{"id":"/slow","cmd":"sleep 100","healthChecks":[{"protocol":"COMMAND","command":{"value":"true"}}]}`)
	first := a.header.Get("Marathon-Deployment-Id")
	if a.status != 201 || first == "" {
		t.Fatalf("POST = %d %s", a.status, a.body)
	}
	ds := call(t, s, "GET", "/v2/deployments", "").json(t).([]any)
	if len(ds) != 1 {
		t.Fatalf("deployments = %v, want the one of /slow", ds)
	}
	conforms(t, "DeploymentStepInfo", ds[0])
	if d := ds[0].(map[string]any); d["currentStep"] != json.Number("2") || d["totalSteps"] != json.Number("2") {
		t.Errorf("deployment at step %v of %v, want 2 of 2", d["currentStep"], d["totalSteps"])
	}
	app := call(t, s, "GET", "/v2/apps/slow", "").obj(t)["app"].(map[string]any)
	if app["tasksUnhealthy"] != json.Number("1") || app["tasksHealthy"] != json.Number("0") {
		t.Errorf("counts healthy %v unhealthy %v, want 0 and 1", app["tasksHealthy"], app["tasksUnhealthy"])
	}
	locked := call(t, s, "PUT", "/v2/apps/slow", `{"cmd":"sleep 200"}`)
	wantBody := map[string]any{
		"message":     "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
		"deployments": []any{map[string]any{"id": first}},
	}
	var got map[string]any
	_ = json.Unmarshal(locked.body, &got)
	if locked.status != 409 {
		t.Fatalf("PUT on a locked app = %d %s, want 409", locked.status, locked.body)
	}
	if diff := cmp.Diff(wantBody, got); diff != "" {
		t.Errorf("locked body (-want +got):\n%s", diff)
	}
	if del := call(t, s, "DELETE", "/v2/apps/slow?force=false", ""); del.status != 409 {
		t.Errorf("DELETE force=false on a locked app = %d, want 409", del.status)
	}
	forced := call(t, s, "PUT", "/v2/apps/slow?force=true", `{"cmd":"sleep 200"}`)
	if forced.status != 200 {
		t.Fatalf("PUT force=true = %d %s", forced.status, forced.body)
	}
	conforms(t, "DeploymentResult", forced.json(t))
	var failed []string
	for _, e := range s.EventLog() {
		if e.Type == "deployment_failed" {
			var p struct{ ID, Reason string }
			_ = json.Unmarshal(e.Data, &p)
			failed = append(failed, p.ID+": "+p.Reason)
		}
	}
	if diff := cmp.Diff([]string{first + ": The upgrade has been cancelled"}, failed); diff != "" {
		t.Errorf("deployment_failed events (-want +got):\n%s", diff)
	}
	// Cancel with rollback, then without.
	second := forced.obj(t)["deploymentId"].(string)
	rb := call(t, s, "DELETE", "/v2/deployments/"+second, "")
	if rb.status != 200 || rb.obj(t)["deploymentId"] == second {
		t.Errorf("DELETE deployment = %d %s, want 200 and a new rollback deployment", rb.status, rb.body)
	}
	third := rb.obj(t)["deploymentId"].(string)
	stop := call(t, s, "DELETE", "/v2/deployments/"+third+"?force=true", "")
	if stop.status != 202 || len(stop.body) != 0 {
		t.Errorf("DELETE deployment force=true = %d %q, want 202 and no body", stop.status, stop.body)
	}
	if ds := call(t, s, "GET", "/v2/deployments", "").json(t).([]any); len(ds) != 0 {
		t.Errorf("deployments after cancelling = %v", ds)
	}
}

func TestQueueUntilCapacity(t *testing.T) {
	s := start(t, sandbox.Config{Agents: 1, AgentCPUs: 1, AgentMem: 1024})
	call(t, s, "POST", "/v2/apps", `{"id":"/big","cmd":"sleep 100","cpus":1,"mem":128}`)
	b := call(t, s, "POST", "/v2/apps", `{"id":"/waits","cmd":"sleep 100","cpus":0.5,"mem":128}`)
	dep := b.header.Get("Marathon-Deployment-Id")
	q := call(t, s, "GET", "/v2/queue", "")
	conforms(t, "Queue", q.json(t))
	items := q.obj(t)["queue"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["app"].(map[string]any)["id"] != "/waits" || items[0].(map[string]any)["count"] != json.Number("1") {
		t.Fatalf("queue = %s, want /waits with 1 task", q.body)
	}
	ds := call(t, s, "GET", "/v2/deployments", "").json(t).([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["id"] != dep {
		t.Fatalf("deployments = %v, want %s still running", ds, dep)
	}
	agents := s.Agents()
	if agents[0].Free.CPUs != 0 || agents[0].Used.CPUs != 1 {
		t.Errorf("agent used/free cpus = %v/%v, want 1/0", agents[0].Used.CPUs, agents[0].Free.CPUs)
	}
	if del := call(t, s, "DELETE", "/v2/apps/big", ""); del.status != 200 {
		t.Fatalf("DELETE /big = %d", del.status)
	}
	if ds := call(t, s, "GET", "/v2/deployments", "").json(t).([]any); len(ds) != 0 {
		t.Errorf("deployments after capacity freed = %v, want none", ds)
	}
	if q := call(t, s, "GET", "/v2/queue", "").obj(t)["queue"].([]any); len(q) != 0 {
		t.Errorf("queue after capacity freed = %v", q)
	}
	app := call(t, s, "GET", "/v2/apps/waits", "").obj(t)["app"].(map[string]any)
	if app["tasksRunning"] != json.Number("1") {
		t.Errorf("/waits tasksRunning = %v, want 1", app["tasksRunning"])
	}
	// Adding an agent through the admin API places queued tasks too.
	call(t, s, "POST", "/v2/apps", `{"id":"/more","cmd":"sleep 100","cpus":1}`)
	if q := call(t, s, "GET", "/v2/queue", "").obj(t)["queue"].([]any); len(q) != 1 {
		t.Fatalf("queue = %v, want /more", q)
	}
	if a := call(t, s, "POST", "/_sandbox/agents", `{"cpus":2,"mem":2048}`); a.status != 201 {
		t.Fatalf("POST /_sandbox/agents = %d", a.status)
	}
	if q := call(t, s, "GET", "/v2/queue", "").obj(t)["queue"].([]any); len(q) != 0 {
		t.Errorf("queue after adding an agent = %v", q)
	}
}

func TestConstraints(t *testing.T) {
	// 6 agents: hostnames agent-1..6.sandbox, zones zone-1..3, racks rack-1..5.
	tests := []struct {
		constraints string
		instances   int
		placed      int
		check       func(hosts []string) bool
	}{
		{`[["hostname","UNIQUE"]]`, 8, 6, nil},
		{`[["@zone","MAX_PER","1"]]`, 5, 3, nil},
		{`[["@zone","GROUP_BY"]]`, 6, 6, func(h []string) bool { return zoneCounts(h) == [3]int{2, 2, 2} }},
		{`[["hostname","CLUSTER","agent-2.sandbox"]]`, 3, 3, func(h []string) bool { return all(h, "agent-2.sandbox") }},
		{`[["rack","LIKE","rack-[12]"]]`, 3, 3, func(h []string) bool { return all(h, "agent-1.sandbox", "agent-2.sandbox", "agent-6.sandbox") }},
		{`[["hostname","UNLIKE","agent-1.*"]]`, 2, 2, func(h []string) bool { return !all(h, "agent-1.sandbox") || len(h) == 0 }},
		{`[["rack","IS","rack-3"]]`, 2, 2, func(h []string) bool { return all(h, "agent-3.sandbox") }},
		{`[["nosuchattr","UNIQUE"]]`, 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.constraints, func(t *testing.T) {
			s := start(t, sandbox.Config{Agents: 6})
			body := `{"id":"/c","cmd":"sleep 100","cpus":0.1,"mem":16,"instances":` + itoa(tt.instances) + `,"constraints":` + tt.constraints + `}`
			if a := call(t, s, "POST", "/v2/apps", body); a.status != 201 {
				t.Fatalf("POST = %d %s", a.status, a.body)
			}
			app := call(t, s, "GET", "/v2/apps/c", "").obj(t)["app"].(map[string]any)
			var hosts []string
			for _, tk := range app["tasks"].([]any) {
				hosts = append(hosts, tk.(map[string]any)["host"].(string))
			}
			if len(hosts) != tt.placed {
				t.Errorf("placed %d tasks on %v, want %d", len(hosts), hosts, tt.placed)
			}
			if tt.check != nil && !tt.check(hosts) {
				t.Errorf("placement %v breaks %s", hosts, tt.constraints)
			}
			if tt.placed < tt.instances {
				q := call(t, s, "GET", "/v2/queue", "").obj(t)["queue"].([]any)
				if len(q) != 1 || q[0].(map[string]any)["count"] != json.Number(itoa(tt.instances-tt.placed)) {
					t.Errorf("queue = %v, want %d waiting", q, tt.instances-tt.placed)
				}
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func all(hosts []string, allowed ...string) bool {
	for _, h := range hosts {
		ok := false
		for _, a := range allowed {
			ok = ok || h == a
		}
		if !ok {
			return false
		}
	}
	return true
}

func zoneCounts(hosts []string) [3]int {
	var c [3]int
	for _, h := range hosts {
		var n int
		_, _ = fmtSscanf(h, &n)
		c[(n-1)%3]++
	}
	return c
}

func fmtSscanf(h string, n *int) (int, error) {
	h = strings.TrimPrefix(strings.TrimSuffix(h, ".sandbox"), "agent-")
	return 1, json.Unmarshal([]byte(h), n)
}

func TestEventStream(t *testing.T) {
	s := start(t, sandbox.Config{})
	req, _ := http.NewRequest("GET", s.URL()+"/v2/events", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET /v2/events with Accept application/json = %d, want 405", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", s.URL()+"/v2/events?event_type=deployment_success&event_type=status_update_event", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	readFrame := func() (string, string) {
		var typ, data string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading events: %v", err)
			}
			if !strings.HasSuffix(line, "\r\n") {
				t.Fatalf("line %q does not end in CRLF", line)
			}
			line = strings.TrimSuffix(line, "\r\n")
			switch {
			case line == "" && typ != "":
				return typ, data
			case strings.HasPrefix(line, "event: "):
				typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			}
		}
	}
	call(t, s, "POST", "/v2/apps", `{"id":"/ev","cmd":"sleep 100"}`)
	var got []string
	for len(got) == 0 || got[len(got)-1] != "deployment_success" {
		typ, data := readFrame()
		var p map[string]any
		if err := json.Unmarshal([]byte(data), &p); err != nil || p["eventType"] != typ || p["timestamp"] == nil {
			t.Fatalf("event %s data %s: want eventType and timestamp", typ, data)
		}
		if typ == "status_update_event" {
			typ += " " + p["taskStatus"].(string)
		}
		got = append(got, typ)
	}
	want := []string{"status_update_event TASK_STAGING", "status_update_event TASK_RUNNING", "deployment_success"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("filtered events (-want +got):\n%s", diff)
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func TestClockDrivesTasks(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := sandbox.New(sandbox.Config{Speed: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpServer(t, s)
	post(t, srv, "/v2/apps", `{"id":"/h","cmd":"sleep 100","healthChecks":[{"protocol":"COMMAND","command":{"value":"true"}}]}`)
	counts := func() string {
		var env struct {
			App struct{ TasksStaged, TasksRunning, TasksHealthy int }
		}
		get(t, srv, "/v2/apps/h", &env)
		a := env.App
		return itoa(a.TasksStaged) + itoa(a.TasksRunning) + itoa(a.TasksHealthy)
	}
	if c := counts(); c != "100" {
		t.Errorf("at t0 staged/running/healthy = %s, want 100", c)
	}
	clock.t = clock.t.Add(time.Second)
	s.Settle()
	if c := counts(); c != "010" {
		t.Errorf("at t0+1s staged/running/healthy = %s, want 010", c)
	}
	clock.t = clock.t.Add(time.Second)
	s.Settle()
	if c := counts(); c != "011" {
		t.Errorf("at t0+2s staged/running/healthy = %s, want 011", c)
	}
}

func TestFailTasks(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := sandbox.New(sandbox.Config{Speed: 1, Clock: clock, Faults: sandbox.Faults{FailTasks: "/crash*"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpServer(t, s)
	post(t, srv, "/v2/apps", `{"id":"/crashy","cmd":"sleep 100","backoffSeconds":10}`)
	clock.t = clock.t.Add(time.Second)
	s.Settle()
	var env struct {
		App struct {
			TasksRunning    int
			LastTaskFailure *struct{ State, Message string }
		}
	}
	get(t, srv, "/v2/apps/crashy", &env)
	if env.App.LastTaskFailure == nil || env.App.LastTaskFailure.State != "TASK_FAILED" {
		t.Fatalf("lastTaskFailure = %+v, want TASK_FAILED", env.App.LastTaskFailure)
	}
	var q struct {
		Queue []struct {
			Count int
			Delay struct {
				TimeLeftSeconds float64
				Overdue         bool
			}
		}
	}
	get(t, srv, "/v2/queue", &q)
	if len(q.Queue) != 1 || q.Queue[0].Delay.TimeLeftSeconds != 10 {
		t.Errorf("queue = %+v, want one entry delayed 10s", q.Queue)
	}
	var ds []any
	get(t, srv, "/v2/deployments", &ds)
	if len(ds) != 1 {
		t.Errorf("deployments = %v, want the failing deployment still running", ds)
	}
	// After the backoff the task is relaunched (and fails again).
	clock.t = clock.t.Add(10 * time.Second)
	s.Settle()
	get(t, srv, "/v2/queue", &q)
	staged := 0
	for _, e := range s.EventLog() {
		if strings.Contains(string(e.Data), `"TASK_STAGING"`) {
			staged++
		}
	}
	if staged != 2 {
		t.Errorf("tasks launched = %d, want 2 (one relaunch after backoff)", staged)
	}
}

func TestDurableState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := sandbox.New(sandbox.Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sandbox.New(sandbox.Config{StatePath: path}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second sandbox on one state file: err = %v, want in use", err)
	}
	srv := httpServer(t, s)
	post(t, srv, "/v2/apps", `{"id":"/keep/me","cmd":"sleep 100","instances":2}`)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := sandbox.New(sandbox.Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	srv2 := httpServer(t, s2)
	var env struct {
		App struct {
			ID           string
			TasksRunning int
			Version      string
		}
	}
	get(t, srv2, "/v2/apps/keep/me", &env)
	if env.App.ID != "/keep/me" || env.App.TasksRunning != 2 {
		t.Errorf("after restart app = %+v, want /keep/me with 2 tasks", env.App)
	}
	used := 0.0
	for _, a := range s2.Agents() {
		used += a.Used.CPUs
	}
	if used != 2 {
		t.Errorf("after restart agents use %v cpus, want 2", used)
	}
	var g struct{ Groups []struct{ ID string } }
	get(t, srv2, "/v2/groups", &g)
	if len(g.Groups) != 1 || g.Groups[0].ID != "/keep" {
		t.Errorf("after restart groups = %+v, want /keep", g.Groups)
	}
}

func TestMaxDeploymentsPrecedence(t *testing.T) {
	s := start(t, sandbox.Config{MaxRunningDeployments: 1, Faults: sandbox.Faults{FailHealth: "/*"}})
	hc := `,"healthChecks":[{"protocol":"COMMAND","command":{"value":"true"}}]}`
	if a := call(t, s, "POST", "/v2/apps", `{"id":"/one","cmd":"sleep 1"`+hc); a.status != 201 {
		t.Fatalf("POST /one = %d", a.status)
	}
	want := "Max number (1) of running deployments is achieved. Wait for existing deployments to complete or cancelusing force=true parameter. You can increase max deployment number by using --max_running_deployments parameter but be advised that this can have negative effects on the performance."
	// 403 comes after validation (422) and before 409 exists.
	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"id":"/two"}`, 422},
		{`{"id":"/one","cmd":"sleep 1"}`, 403},
		{`{"id":"/two","cmd":"sleep 1"}`, 403},
	} {
		a := call(t, s, "POST", "/v2/apps", tt.body)
		if a.status != tt.status {
			t.Errorf("POST %s = %d %s, want %d", tt.body, a.status, a.body, tt.status)
		}
		if tt.status == 403 && a.obj(t)["message"] != want {
			t.Errorf("403 message = %s", a.body)
		}
	}
}

// TestRestartUpgradeStrategy checks that a restart keeps
// minimumHealthCapacity of the old tasks and never runs more than
// instances × (1 + maximumOverCapacity).
func TestRestartUpgradeStrategy(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := sandbox.New(sandbox.Config{Speed: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpServer(t, s)
	post(t, srv, "/v2/apps", `{"id":"/r","cmd":"sleep 100","instances":4,"cpus":0.1,"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0}}`)
	for range 3 {
		clock.t = clock.t.Add(time.Second)
		s.Settle()
	}
	req, _ := http.NewRequest("PUT", srv+"/v2/apps/r", strings.NewReader(`{"cmd":"sleep 200"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT = %v %v", resp, err)
	}
	resp.Body.Close()
	var versions []string
	maxTasks := 0
	for step := 0; step < 10; step++ {
		var env struct {
			App struct {
				Version string
				Tasks   []struct{ Version, State string }
			}
		}
		get(t, srv, "/v2/apps/r", &env)
		old := 0
		for _, tk := range env.App.Tasks {
			if tk.Version != env.App.Version {
				old++
			}
		}
		maxTasks = max(maxTasks, len(env.App.Tasks))
		versions = append(versions, itoa(old)+"/"+itoa(len(env.App.Tasks)))
		if step == 0 && old != 2 {
			t.Errorf("right after the PUT %d old tasks remain, want 2 (minimumHealthCapacity 0.5 of 4)", old)
		}
		clock.t = clock.t.Add(time.Second)
		s.Settle()
	}
	if maxTasks > 4 {
		t.Errorf("up to %d tasks ran during the restart (old/total %v), want at most 4 (maximumOverCapacity 0)", maxTasks, versions)
	}
	if versions[len(versions)-1] != "0/4" {
		t.Errorf("restart ended at old/total %s, want 0/4 (%v)", versions[len(versions)-1], versions)
	}
}

func TestRoleEnforcement(t *testing.T) {
	s := start(t, sandbox.Config{})
	if a := call(t, s, "POST", "/v2/apps", `{"id":"/dev/a","cmd":"sleep 1","role":"dev"}`); a.status != 422 || !strings.Contains(string(a.body), `"got dev, expected one of: [*]"`) {
		t.Errorf("role of a group that does not enforce roles = %d %s, want 422", a.status, a.body)
	}
	if a := call(t, s, "POST", "/v2/groups", `{"id":"/prod","enforceRole":true,"apps":[{"id":"a","cmd":"sleep 1","role":"prod"}]}`); a.status != 201 {
		t.Errorf("role of an enforcing group = %d %s, want 201", a.status, a.body)
	}
	if a := call(t, s, "POST", "/v2/apps", `{"id":"/prod/b","cmd":"sleep 1","role":"other"}`); a.status != 422 || !strings.Contains(string(a.body), `"got other, expected one of: [*, prod]"`) {
		t.Errorf("foreign role in an enforcing group = %d %s, want 422", a.status, a.body)
	}
}

func TestKillTasks(t *testing.T) {
	s := start(t, sandbox.Config{})
	call(t, s, "POST", "/v2/apps", `{"id":"/k","cmd":"sleep 100","instances":3,"cpus":0.1}`)
	if a := call(t, s, "DELETE", "/v2/apps/k/tasks", ""); a.status != 200 || len(a.obj(t)["tasks"].([]any)) != 3 {
		t.Fatalf("DELETE tasks = %d %s", a.status, a.body)
	}
	app := call(t, s, "GET", "/v2/apps/k", "").obj(t)["app"].(map[string]any)
	if app["tasksRunning"] != json.Number("3") {
		t.Errorf("after killing, tasksRunning = %v, want 3 relaunched", app["tasksRunning"])
	}
	if a := call(t, s, "DELETE", "/v2/apps/k/tasks?scale=true", ""); a.status != 200 {
		t.Fatalf("DELETE tasks?scale=true = %d %s", a.status, a.body)
	}
	app = call(t, s, "GET", "/v2/apps/k", "").obj(t)["app"].(map[string]any)
	if app["instances"] != json.Number("0") || app["tasksRunning"] != json.Number("0") {
		t.Errorf("after killing with scale, instances %v running %v, want 0 and 0", app["instances"], app["tasksRunning"])
	}
}

// TestAgentPorts: a fixed host port outside the agents' range waits in the
// queue (Mesos's default range is 31000-32000), and is placed when the
// agents offer it; a range that makes no sense is refused.
func TestAgentPorts(t *testing.T) {
	const app = `{"id":"/zk","cmd":"sleep 100","cpus":0.1,"mem":64,"requirePorts":true,"portDefinitions":[{"port":1140}]}`
	s := start(t, sandbox.Config{Agents: 1})
	call(t, s, "POST", "/v2/apps", app)
	if q := call(t, s, "GET", "/v2/queue", "").obj(t)["queue"].([]any); len(q) != 1 {
		t.Errorf("queue with agents offering 31000-32000 = %v, want /zk waiting for port 1140", q)
	}
	s = start(t, sandbox.Config{Agents: 1, AgentPortsFrom: 1025, AgentPortsTo: 32000})
	call(t, s, "POST", "/v2/apps", app)
	if q := call(t, s, "GET", "/v2/queue", "").obj(t)["queue"].([]any); len(q) != 0 {
		t.Errorf("queue with agents offering 1025-32000 = %v, want /zk placed", q)
	}
	if a := s.Agents(); a[0].Total.Ports != 32000-1025+1 || a[0].Used.Ports != 1 {
		t.Errorf("agent ports = %+v", a[0])
	}
	for _, r := range [][2]int{{2000, 1000}, {0, 10}, {1, 70000}} {
		if _, err := sandbox.New(sandbox.Config{AgentPortsFrom: r[0], AgentPortsTo: r[1]}); err == nil {
			t.Errorf("sandbox.New with agent ports %d-%d succeeded", r[0], r[1])
		}
	}
}

func TestHangKeepsDeploymentsUntilLifted(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := sandbox.New(sandbox.Config{Speed: 1, Clock: clock, Faults: sandbox.Faults{Hang: "/slow*"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpServer(t, s)
	post(t, srv, "/v2/apps", `{"id":"/slow","cmd":"sleep 100"}`)
	post(t, srv, "/v2/apps", `{"id":"/fast","cmd":"sleep 100"}`)
	clock.t = clock.t.Add(time.Hour)
	s.Settle()
	var ds []struct{ AffectedApps []string }
	get(t, srv, "/v2/deployments", &ds)
	if len(ds) != 1 || len(ds[0].AffectedApps) != 1 || ds[0].AffectedApps[0] != "/slow" {
		t.Fatalf("deployments after an hour = %+v, want only /slow's, hung", ds)
	}
	var env struct {
		App struct{ TasksStaged, TasksRunning int }
	}
	get(t, srv, "/v2/apps/slow", &env)
	if env.App.TasksStaged != 1 || env.App.TasksRunning != 0 {
		t.Errorf("/slow tasks staged %d running %d, want 1 staged", env.App.TasksStaged, env.App.TasksRunning)
	}
	s.SetFaults(sandbox.Faults{})
	clock.t = clock.t.Add(time.Minute)
	s.Settle()
	get(t, srv, "/v2/deployments", &ds)
	if len(ds) != 0 {
		t.Errorf("deployments after lifting the fault = %+v, want none", ds)
	}
}
