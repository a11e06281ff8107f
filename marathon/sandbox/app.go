package sandbox

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/universe-pm/universe/marathon"
)

// timeFormat is Marathon's timestamp layout.
const timeFormat = "2006-01-02T15:04:05.000Z"

func ts(t time.Time) string { return t.UTC().Format(timeFormat) }

// appState is one app of the root group with its versions and tasks.
type appState struct {
	ID            string                    `json:"id"`
	Def           map[string]any            `json:"def"`
	Version       string                    `json:"version"`
	ConfigVersion string                    `json:"configVersion"`
	ScaleVersion  string                    `json:"scaleVersion"`
	History       map[string]map[string]any `json:"history"`
	Versions      []string                  `json:"versions"`
	Tasks         []*task                   `json:"tasks"`
	LastFailure   map[string]any            `json:"lastTaskFailure,omitempty"`
	Failures      int                       `json:"failures"`
	DelayUntil    time.Time                 `json:"delayUntil"`
	QueuedSince   time.Time                 `json:"queuedSince"`

	queued int // tasks wanted but not placed
	need   need
	cons   []constraint
	hasHC  bool
}

// task is a simulated Mesos task.
type task struct {
	ID            string    `json:"id"`
	AppID         string    `json:"appId"`
	AgentID       string    `json:"slaveId"`
	Host          string    `json:"host"`
	State         string    `json:"state"`
	Version       string    `json:"version"`
	ConfigVersion string    `json:"configVersion"`
	StagedAt      time.Time `json:"stagedAt"`
	StartedAt     time.Time `json:"startedAt"`
	Ports         []int     `json:"ports"`
	Healthy       bool      `json:"healthy"`
	HealthFailed  bool      `json:"healthFailed"`
	RunningAt     time.Time `json:"runningAt"`
	HealthyAt     time.Time `json:"healthyAt"`
	Need          need      `json:"-"`
}

func (t *task) ready(hasHC bool) bool {
	return t.State == "TASK_RUNNING" && (!hasHC || t.Healthy)
}

// canon deep-copies a decoded JSON value, turning numbers into float64 so
// that definitions compare with reflect.DeepEqual.
func canon(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = canon(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = canon(e)
		}
		return a
	case json.Number:
		f, _ := x.Float64()
		return f
	case int:
		return float64(x)
	}
	return v
}

func num(v any, def float64) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case json.Number:
		f, err := x.Float64()
		if err == nil {
			return f
		}
	}
	return def
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok || m[k] == nil {
		m[k] = v
	}
}

// normalize fills Marathon's defaults into a canonical copy of def, with
// its id made absolute, and migrates the deprecated fields.
func normalize(def map[string]any, id string) map[string]any {
	m := canon(def).(map[string]any)
	m["id"] = id
	delete(m, "version")
	delete(m, "versionInfo")
	for _, k := range []string{"tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy", "deployments", "tasks", "lastTaskFailure", "taskStats", "readinessCheckResults"} {
		delete(m, k)
	}
	setDefault(m, "cpus", 1.0)
	setDefault(m, "mem", 128.0)
	setDefault(m, "disk", 0.0)
	setDefault(m, "gpus", 0.0)
	setDefault(m, "instances", 1.0)
	setDefault(m, "backoffSeconds", 1.0)
	setDefault(m, "backoffFactor", 1.15)
	setDefault(m, "maxLaunchDelaySeconds", 300.0)
	setDefault(m, "executor", "")
	setDefault(m, "role", "*")
	setDefault(m, "requirePorts", false)
	setDefault(m, "killSelection", "YOUNGEST_FIRST")
	setDefault(m, "env", map[string]any{})
	setDefault(m, "labels", map[string]any{})
	setDefault(m, "constraints", []any{})
	setDefault(m, "dependencies", []any{})
	setDefault(m, "healthChecks", []any{})
	setDefault(m, "readinessChecks", []any{})
	setDefault(m, "fetch", []any{})
	setDefault(m, "secrets", map[string]any{})
	setDefault(m, "taskKillGracePeriodSeconds", nil)
	delete(m, "taskKillGracePeriodSeconds")
	if u, ok := m["uris"].([]any); ok {
		f := []any{}
		for _, x := range u {
			f = append(f, map[string]any{"uri": x, "extract": true, "executable": false, "cache": false})
		}
		if len(f) > 0 {
			m["fetch"] = f
		}
		delete(m, "uris")
	}
	deps := []any{}
	for _, d := range m["dependencies"].([]any) {
		if s, ok := d.(string); ok {
			deps = append(deps, marathon.ResolveID(s, marathon.ParentID(id)))
		}
	}
	m["dependencies"] = deps
	us, _ := m["upgradeStrategy"].(map[string]any)
	if us == nil {
		us = map[string]any{}
	}
	setDefault(us, "minimumHealthCapacity", 1.0)
	setDefault(us, "maximumOverCapacity", 1.0)
	m["upgradeStrategy"] = us
	setDefault(m, "unreachableStrategy", map[string]any{"inactiveAfterSeconds": 0.0, "expungeAfterSeconds": 0.0})
	// Networks: legacy docker.network and ipAddress are migrated.
	c, _ := m["container"].(map[string]any)
	d, _ := c["docker"].(map[string]any)
	if _, ok := m["networks"]; !ok {
		switch d["network"] {
		case "BRIDGE":
			m["networks"] = []any{map[string]any{"mode": "container/bridge"}}
		case "USER":
			m["networks"] = []any{map[string]any{"mode": "container"}}
		default:
			if ip, ok := m["ipAddress"].(map[string]any); ok {
				n := map[string]any{"mode": "container"}
				if name, ok := ip["networkName"]; ok {
					n["name"] = name
				}
				m["networks"] = []any{n}
			} else {
				m["networks"] = []any{map[string]any{"mode": "host"}}
			}
		}
	}
	delete(m, "ipAddress")
	if d != nil {
		delete(d, "network")
		if pm, ok := d["portMappings"]; ok {
			if _, has := c["portMappings"]; !has {
				c["portMappings"] = pm
			}
			delete(d, "portMappings")
		}
		setDefault(d, "forcePullImage", false)
		setDefault(d, "privileged", false)
		setDefault(d, "parameters", []any{})
	}
	if c != nil {
		setDefault(c, "type", "DOCKER")
		setDefault(c, "volumes", []any{})
	}
	for _, h := range m["healthChecks"].([]any) {
		if o, ok := h.(map[string]any); ok {
			setDefault(o, "protocol", "HTTP")
			setDefault(o, "gracePeriodSeconds", 300.0)
			setDefault(o, "intervalSeconds", 60.0)
			setDefault(o, "timeoutSeconds", 20.0)
			setDefault(o, "maxConsecutiveFailures", 3.0)
			if o["protocol"] != "COMMAND" {
				if _, has := o["port"]; !has {
					setDefault(o, "portIndex", 0.0)
				}
			}
			if p, _ := o["protocol"].(string); strings.Contains(p, "HTTP") {
				setDefault(o, "path", "/")
			}
		}
	}
	for _, r := range m["readinessChecks"].([]any) {
		if o, ok := r.(map[string]any); ok {
			setDefault(o, "name", "readinessCheck")
			setDefault(o, "protocol", "HTTP")
			setDefault(o, "path", "/")
			setDefault(o, "portName", "http-api")
			setDefault(o, "intervalSeconds", 30.0)
			setDefault(o, "timeoutSeconds", 10.0)
			setDefault(o, "httpStatusCodesForReady", []any{200.0})
			setDefault(o, "preserveLastResponse", false)
		}
	}
	host := isHost(m)
	if host {
		if ports, ok := m["ports"].([]any); ok {
			if _, has := m["portDefinitions"]; !has {
				pds := []any{}
				for _, p := range ports {
					pds = append(pds, map[string]any{"port": p, "protocol": "tcp"})
				}
				m["portDefinitions"] = pds
			}
		}
		setDefault(m, "portDefinitions", []any{map[string]any{"port": 0.0, "name": "default", "protocol": "tcp"}})
		for _, p := range m["portDefinitions"].([]any) {
			if o, ok := p.(map[string]any); ok {
				setDefault(o, "protocol", "tcp")
			}
		}
	} else {
		delete(m, "portDefinitions")
		if c != nil {
			for _, p := range anyList(c["portMappings"]) {
				if o, ok := p.(map[string]any); ok {
					setDefault(o, "protocol", "tcp")
					setDefault(o, "servicePort", 0.0)
				}
			}
		}
	}
	delete(m, "ports")
	return m
}

func anyList(v any) []any { a, _ := v.([]any); return a }

func isHost(m map[string]any) bool {
	for _, n := range anyList(m["networks"]) {
		if o, ok := n.(map[string]any); ok && o["mode"] != "host" {
			return false
		}
	}
	return true
}

// derive computes what one task needs and the app's constraints.
func (a *appState) derive() {
	m := a.Def
	n := need{cpus: num(m["cpus"], 1), mem: num(m["mem"], 128), disk: num(m["disk"], 0)}
	requirePorts, _ := m["requirePorts"].(bool)
	if isHost(m) {
		for _, p := range anyList(m["portDefinitions"]) {
			o, _ := p.(map[string]any)
			port := 0
			if requirePorts {
				port = int(num(o["port"], 0))
			}
			n.ports = append(n.ports, port)
		}
	} else {
		c, _ := m["container"].(map[string]any)
		for _, p := range anyList(c["portMappings"]) {
			o, _ := p.(map[string]any)
			if hp, ok := o["hostPort"]; ok {
				n.ports = append(n.ports, int(num(hp, 0)))
			}
		}
	}
	a.need = n
	a.cons = parseConstraints(anyList(m["constraints"]))
	a.hasHC = len(anyList(m["healthChecks"])) > 0
}

func (a *appState) instances() int { return int(num(a.Def["instances"], 1)) }

// onlyScaled reports whether two definitions differ in instances alone.
func onlyScaled(old, new map[string]any) bool {
	o, n := make(map[string]any, len(old)), make(map[string]any, len(new))
	for k, v := range old {
		o[k] = v
	}
	for k, v := range new {
		n[k] = v
	}
	delete(o, "instances")
	delete(n, "instances")
	return reflect.DeepEqual(o, n)
}

// counts are the task counts Marathon reports for an app.
func (a *appState) counts() (staged, running, healthy, unhealthy int) {
	for _, t := range a.Tasks {
		switch t.State {
		case "TASK_STAGING":
			staged++
		case "TASK_RUNNING":
			running++
		}
		if a.hasHC && t.Healthy {
			healthy++
		}
		if a.hasHC && t.HealthFailed {
			unhealthy++
		}
	}
	return
}

func (a *appState) taskJSON(t *task) map[string]any {
	m := map[string]any{
		"id": t.ID, "appId": t.AppID, "host": t.Host, "slaveId": t.AgentID,
		"state": t.State, "stagedAt": ts(t.StagedAt), "version": t.Version, "role": "*",
		"ports": t.Ports, "servicePorts": []int{},
		"ipAddresses": []any{map[string]any{"ipAddress": "127.0.0.1", "protocol": "IPv4"}},
	}
	if m["ports"] == nil {
		m["ports"] = []int{}
	}
	if !t.StartedAt.IsZero() {
		m["startedAt"] = ts(t.StartedAt)
	}
	if a.hasHC && t.State == "TASK_RUNNING" && (t.Healthy || t.HealthFailed) {
		r := map[string]any{"alive": t.Healthy, "consecutiveFailures": 0, "instanceId": instanceID(t.ID)}
		if t.Healthy {
			r["lastSuccess"] = ts(t.HealthyAt)
		} else {
			r["consecutiveFailures"] = 3
			r["lastFailure"] = ts(t.HealthyAt)
			r["lastFailureCause"] = "health check failed (sandbox --fail-health)"
		}
		m["healthCheckResults"] = []any{r}
	} else {
		m["healthCheckResults"] = []any{}
	}
	return m
}

func instanceID(taskID string) string {
	if i := strings.Index(taskID, "._app."); i > 0 {
		return taskID[:i]
	}
	return taskID
}

// embeds is what an app listing asks to include.
type embeds struct {
	counts, tasks, deployments, readiness, lastTaskFailure, taskStats bool
}

// appJSON renders an app as Marathon's AppInfo.
func (s *Server) appJSON(a *appState, e embeds) map[string]any {
	m := make(map[string]any, len(a.Def)+10)
	for k, v := range a.Def {
		m[k] = v
	}
	m["version"] = a.Version
	m["versionInfo"] = map[string]any{"lastScalingAt": a.ScaleVersion, "lastConfigChangeAt": a.ConfigVersion}
	if e.counts {
		st, ru, he, un := a.counts()
		m["tasksStaged"], m["tasksRunning"], m["tasksHealthy"], m["tasksUnhealthy"] = st, ru, he, un
	}
	if e.deployments || e.tasks {
		ds := []any{}
		for _, d := range s.deployments {
			if d.affects(a.ID) {
				ds = append(ds, map[string]any{"id": d.ID})
			}
		}
		m["deployments"] = ds
	}
	if e.tasks {
		ts := make([]any, 0, len(a.Tasks))
		for _, t := range a.Tasks {
			ts = append(ts, a.taskJSON(t))
		}
		m["tasks"] = ts
	}
	if e.lastTaskFailure && a.LastFailure != nil {
		m["lastTaskFailure"] = a.LastFailure
	}
	if e.readiness {
		m["readinessCheckResults"] = []any{}
	}
	if e.taskStats {
		m["taskStats"] = map[string]any{}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func backoff(a *appState) time.Duration {
	b := num(a.Def["backoffSeconds"], 1) * math.Pow(num(a.Def["backoffFactor"], 1.15), float64(a.Failures-1))
	if mx := num(a.Def["maxLaunchDelaySeconds"], 300); b > mx {
		b = mx
	}
	return time.Duration(b * float64(time.Second))
}
