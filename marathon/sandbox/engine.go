package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/universe-pm/universe/marathon"
)

// action is one action of a deployment step.
type action struct {
	Action string `json:"action"`
	App    string `json:"app"`
}

// deployment is a running deployment plan.
type deployment struct {
	ID       string                    `json:"id"`
	Version  string                    `json:"version"`
	Affected []string                  `json:"affectedApps"`
	Steps    [][]action                `json:"steps"`
	Current  int                       `json:"currentStep"` // 1-based once started
	Original map[string]map[string]any `json:"original"`    // defs before, nil when absent
}

func (d *deployment) affects(id string) bool {
	for _, a := range d.Affected {
		if a == id {
			return true
		}
	}
	return false
}

// change is a new root group: app definitions to set (nil to remove) and
// groups to create or remove.
type change struct {
	apps         map[string]map[string]any
	order        []string
	groups       map[string]*groupState
	removeGroups []string
	force        bool
	dryRun       bool
	restart      map[string]bool
	postEvent    map[string]any
}

func newChange() *change {
	return &change{apps: map[string]map[string]any{}, groups: map[string]*groupState{}}
}

func (c *change) set(id string, def map[string]any) {
	if _, ok := c.apps[id]; !ok {
		c.order = append(c.order, id)
	}
	c.apps[id] = def
}

// target returns the definition an app has after the change.
func (s *Server) target(c *change, id string) (map[string]any, bool) {
	if d, ok := c.apps[id]; ok {
		return d, d != nil
	}
	if a, ok := s.apps[id]; ok {
		return a.Def, true
	}
	return nil, false
}

func (s *Server) targetGroup(c *change, id string) *groupState {
	for _, r := range c.removeGroups {
		if id == r || strings.HasPrefix(id, r+"/") {
			return nil
		}
	}
	if g, ok := c.groups[id]; ok {
		return g
	}
	return s.groups[id]
}

// deps returns the apps an app depends on after the change: its own
// dependencies and those of its groups, a group standing for all its apps.
func (s *Server) deps(c *change, id string, def map[string]any) []string {
	var raw []string
	for _, d := range anyList(def["dependencies"]) {
		if s, ok := d.(string); ok {
			raw = append(raw, s)
		}
	}
	for g := marathon.ParentID(id); g != "/"; g = marathon.ParentID(g) {
		if gs := s.targetGroup(c, g); gs != nil {
			raw = append(raw, gs.Dependencies...)
		}
	}
	var out []string
	for _, d := range raw {
		if _, ok := s.target(c, d); ok {
			if d != id {
				out = append(out, d)
			}
			continue
		}
		prefix := d + "/"
		for aid := range s.apps {
			if strings.HasPrefix(aid, prefix) && aid != id {
				if _, ok := s.target(c, aid); ok {
					out = append(out, aid)
				}
			}
		}
		for aid, def := range c.apps {
			if def != nil && strings.HasPrefix(aid, prefix) && aid != id {
				if _, ok := s.apps[aid]; !ok {
					out = append(out, aid)
				}
			}
		}
	}
	return out
}

var errCycle = &marathon.Error{Status: 422, Message: marathon.MsgObjectNotValid, Details: []marathon.ErrorDetail{{Path: "/", Errors: []string{"Dependency graph has cyclic dependencies."}}}}

// depth returns the length of the longest dependency chain below each
// affected app in the target root group, or errCycle.
func (s *Server) depths(c *change, affected []string) (map[string]int, *marathon.Error) {
	depth := map[string]int{}
	state := map[string]int{}
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case 1:
			return false
		case 2:
			return true
		}
		state[id] = 1
		def, ok := s.target(c, id)
		d := 0
		if ok {
			for _, x := range s.deps(c, id, def) {
				if !visit(x) {
					return false
				}
				if depth[x]+1 > d {
					d = depth[x] + 1
				}
			}
		}
		depth[id], state[id] = d, 2
		return true
	}
	for _, id := range affected {
		if _, ok := s.target(c, id); ok && !visit(id) {
			return nil, errCycle
		}
	}
	return depth, nil
}

// plan builds the deployment steps of a change.
func (s *Server) plan(c *change) (*deployment, *marathon.Error) {
	var stops, starts []string
	type layered struct{ id, act string }
	var rest []layered
	var affected []string
	ids := append([]string(nil), c.order...)
	sort.Strings(ids)
	for _, id := range ids {
		def := c.apps[id]
		old, exists := s.apps[id]
		switch {
		case def == nil && exists:
			stops = append(stops, id)
			affected = append(affected, id)
		case def == nil:
		case !exists:
			starts = append(starts, id)
			rest = append(rest, layered{id, "ScaleApplication"})
			affected = append(affected, id)
		case c.restart[id]:
			rest = append(rest, layered{id, "RestartApplication"})
			affected = append(affected, id)
		case onlyScaled(old.Def, def):
			if num(old.Def["instances"], 1) != num(def["instances"], 1) {
				rest = append(rest, layered{id, "ScaleApplication"})
				affected = append(affected, id)
			}
		default:
			rest = append(rest, layered{id, "RestartApplication"})
			affected = append(affected, id)
		}
	}
	depth, err := s.depths(c, affected)
	if err != nil {
		return nil, err
	}
	d := &deployment{ID: newUUID(), Affected: affected, Original: map[string]map[string]any{}}
	for _, id := range affected {
		if a, ok := s.apps[id]; ok {
			d.Original[id] = a.Def
		} else {
			d.Original[id] = nil
		}
	}
	if len(stops) > 0 {
		st := []action{}
		for _, id := range stops {
			st = append(st, action{"StopApplication", id})
		}
		d.Steps = append(d.Steps, st)
	}
	if len(starts) > 0 {
		st := []action{}
		for _, id := range starts {
			st = append(st, action{"StartApplication", id})
		}
		d.Steps = append(d.Steps, st)
	}
	maxDepth := -1
	for _, l := range rest {
		if depth[l.id] > maxDepth {
			maxDepth = depth[l.id]
		}
	}
	for lvl := 0; lvl <= maxDepth; lvl++ {
		var st []action
		for _, l := range rest {
			if depth[l.id] == lvl {
				st = append(st, action{l.act, l.id})
			}
		}
		if len(st) > 0 {
			d.Steps = append(d.Steps, st)
		}
	}
	return d, nil
}

// roleErrors checks each app's role: Marathon's default role "*", or the
// name of its top-level group when that group enforces roles.
func (s *Server) roleErrors(c *change) *marathon.Error {
	for _, id := range c.order {
		def := c.apps[id]
		role, _ := def["role"].(string)
		if def == nil || role == "" || role == "*" {
			continue
		}
		allowed := []string{"*"}
		if segs := strings.Split(strings.TrimPrefix(id, "/"), "/"); len(segs) > 1 {
			if g := s.targetGroup(c, "/"+segs[0]); g != nil && g.EnforceRole {
				allowed = append(allowed, segs[0])
			}
		}
		if role != allowed[len(allowed)-1] {
			return &marathon.Error{Status: 422, Message: marathon.MsgObjectNotValid, Details: []marathon.ErrorDetail{{Path: "/role", Errors: []string{fmt.Sprintf("got %s, expected one of: [%s]", role, strings.Join(allowed, ", "))}}}}
		}
	}
	return nil
}

// rootErrors are the 422 root-group checks: ID clashes between apps and
// groups.
func (s *Server) rootErrors(c *change) *marathon.Error {
	for _, id := range c.order {
		if c.apps[id] == nil {
			continue
		}
		if s.targetGroup(c, id) != nil {
			return &marathon.Error{Status: 422, Message: marathon.MsgObjectNotValid, Details: []marathon.ErrorDetail{{Path: "/", Errors: []string{"Groups and Applications may not have the same identifier."}}}}
		}
		for g := marathon.ParentID(id); g != "/"; g = marathon.ParentID(g) {
			if _, ok := s.target(c, g); ok {
				return &marathon.Error{Status: 422, Message: marathon.MsgObjectNotValid, Details: []marathon.ErrorDetail{{Path: "/", Errors: []string{"Groups and Applications may not have the same identifier."}}}}
			}
		}
	}
	return nil
}

// apply checks a change in Marathon's precedence (403 max deployments,
// 422 root group, 409 locked), then stores it and starts its deployment.
// The caller has already validated the definitions and checked 409 exists.
func (s *Server) apply(c *change) (*deployment, *marathon.Error) {
	if len(s.deployments) >= s.cfg.MaxRunningDeployments && !c.dryRun {
		return nil, &marathon.Error{Status: http.StatusForbidden, Message: fmt.Sprintf("Max number (%d) of running deployments is achieved. Wait for existing deployments to complete or cancelusing force=true parameter. You can increase max deployment number by using --max_running_deployments parameter but be advised that this can have negative effects on the performance.", s.cfg.MaxRunningDeployments)}
	}
	if err := s.roleErrors(c); err != nil {
		return nil, err
	}
	if err := s.rootErrors(c); err != nil {
		return nil, err
	}
	d, err := s.plan(c)
	if err != nil {
		return nil, err
	}
	if c.dryRun {
		return d, nil
	}
	var conflicts []*deployment
	for _, other := range s.deployments {
		for _, id := range d.Affected {
			if other.affects(id) {
				conflicts = append(conflicts, other)
				break
			}
		}
	}
	if len(conflicts) > 0 {
		if !c.force {
			e := &marathon.Error{Status: http.StatusConflict, Message: marathon.LockedMessage}
			for _, o := range conflicts {
				e.Deployments = append(e.Deployments, marathon.DeploymentRef{ID: o.ID})
			}
			return nil, e
		}
		for _, o := range conflicts {
			s.cancel(o, "The upgrade has been cancelled")
		}
	}
	s.commit(c, d)
	return d, nil
}

// commit stores the change under a new version and queues its deployment.
func (s *Server) commit(c *change, d *deployment) {
	v := s.newVersion()
	d.Version = v
	s.rootVersion = v
	for _, r := range c.removeGroups {
		for id := range s.groups {
			if id == r || strings.HasPrefix(id, r+"/") {
				delete(s.groups, id)
			}
		}
	}
	for id, g := range c.groups {
		g.Version = v
		s.groups[id] = g
	}
	for _, id := range c.order {
		def := c.apps[id]
		old := s.apps[id]
		if def == nil {
			if old != nil {
				delete(s.apps, id)
				s.zombies[id] = old
				s.active[id] = true
			}
			continue
		}
		for g := marathon.ParentID(id); g != "/"; g = marathon.ParentID(g) {
			if _, ok := s.groups[g]; !ok {
				s.groups[g] = &groupState{ID: g, Dependencies: []string{}, Version: v}
			}
		}
		def = s.assignServicePorts(def)
		a := old
		if a == nil {
			a = &appState{ID: id, History: map[string]map[string]any{}, ConfigVersion: v}
			s.apps[id] = a
		} else if !onlyScaled(a.Def, def) || c.restart[id] {
			a.ConfigVersion = v
			a.Failures = 0
		}
		a.ScaleVersion = v
		a.Def, a.Version = def, v
		a.History[v] = def
		a.Versions = append(a.Versions, v)
		a.derive()
		for _, t := range a.Tasks {
			if t.ConfigVersion == a.ConfigVersion {
				t.Version = v
			}
		}
		s.active[id] = true
	}
	s.deployments = append(s.deployments, d)
	s.dirty = true
	if c.postEvent != nil {
		s.emit("api_post_event", "", c.postEvent)
	}
	for _, id := range d.Affected {
		s.active[id] = true
	}
	s.emit("group_change_success", "", map[string]any{"groupId": "/", "version": v})
	s.step()
}

func (s *Server) assignServicePorts(def map[string]any) map[string]any {
	assign := func(o map[string]any, key string) {
		if num(o[key], 0) == 0 {
			o[key] = float64(s.nextPort)
			s.nextPort++
		}
	}
	if isHost(def) {
		for _, p := range anyList(def["portDefinitions"]) {
			if o, ok := p.(map[string]any); ok {
				assign(o, "port")
			}
		}
	} else if c, ok := def["container"].(map[string]any); ok {
		for _, p := range anyList(c["portMappings"]) {
			if o, ok := p.(map[string]any); ok {
				assign(o, "servicePort")
			}
		}
	}
	return def
}

// cancel ends a deployment with deployment_failed.
func (s *Server) cancel(d *deployment, reason string) {
	for i, o := range s.deployments {
		if o == d {
			s.deployments = append(s.deployments[:i], s.deployments[i+1:]...)
			break
		}
	}
	for _, id := range d.Affected {
		s.active[id] = true
	}
	s.dirty = true
	s.emit("deployment_failed", "", map[string]any{"id": d.ID, "plan": s.planJSON(d), "reason": reason})
}

// frozen returns the apps whose deployment step has not started yet.
func (s *Server) frozen() map[string]bool {
	f := map[string]bool{}
	for _, d := range s.deployments {
		for i := d.Current; i < len(d.Steps); i++ {
			for _, a := range d.Steps[i] {
				f[a.App] = true
			}
		}
		if d.Current == 0 {
			for _, st := range d.Steps {
				for _, a := range st {
					f[a.App] = true
				}
			}
		}
	}
	return f
}

// step advances deployments and tasks until nothing changes at this time.
func (s *Server) step() {
	for range 200 {
		progress := false
		for _, d := range append([]*deployment(nil), s.deployments...) {
			if s.advance(d) {
				progress = true
			}
		}
		frozen := s.frozen()
		now := s.now()
		for _, id := range sortedKeys(s.active) {
			if frozen[id] {
				continue
			}
			if z, ok := s.zombies[id]; ok {
				if s.stopApp(z) {
					progress = true
				}
				if _, still := s.apps[id]; !still {
					delete(s.active, id)
				}
				continue
			}
			a, ok := s.apps[id]
			if !ok {
				delete(s.active, id)
				continue
			}
			changed, stable := s.converge(a, now)
			progress = progress || changed
			if stable {
				delete(s.active, id)
			}
		}
		if !progress {
			return
		}
		s.dirty = true
	}
}

// advance moves a deployment to its next step when the current one is done.
func (s *Server) advance(d *deployment) bool {
	if d.Current == 0 {
		if len(d.Steps) == 0 {
			s.finish(d)
			return true
		}
		d.Current = 1
		s.activateStep(d)
		return true
	}
	for _, a := range d.Steps[d.Current-1] {
		if !s.actionDone(a) {
			return false
		}
	}
	s.emit("deployment_step_success", "", map[string]any{"plan": s.planJSON(d), "currentStep": map[string]any{"actions": d.Steps[d.Current-1]}})
	if d.Current == len(d.Steps) {
		s.finish(d)
		return true
	}
	d.Current++
	s.activateStep(d)
	return true
}

func (s *Server) activateStep(d *deployment) {
	for _, a := range d.Steps[d.Current-1] {
		s.active[a.App] = true
	}
	s.emit("deployment_info", "", map[string]any{"plan": s.planJSON(d), "currentStep": map[string]any{"actions": d.Steps[d.Current-1]}})
}

func (s *Server) finish(d *deployment) {
	for i, o := range s.deployments {
		if o == d {
			s.deployments = append(s.deployments[:i], s.deployments[i+1:]...)
			break
		}
	}
	s.emit("deployment_success", "", map[string]any{"id": d.ID, "plan": s.planJSON(d)})
}

func (s *Server) actionDone(a action) bool {
	switch a.Action {
	case "StopApplication":
		_, z := s.zombies[a.App]
		return !z
	case "StartApplication":
		return true
	}
	app, ok := s.apps[a.App]
	if !ok {
		return true
	}
	cur := 0
	for _, t := range app.Tasks {
		if t.ConfigVersion != app.ConfigVersion {
			return false
		}
		if !t.ready(app.hasHC) {
			return false
		}
		cur++
	}
	return cur == app.instances()
}

func (s *Server) agent(id string) *Agent {
	for _, a := range s.agents {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (s *Server) kill(a *appState, t *task, state string) {
	if ag := s.agent(t.AgentID); ag != nil {
		ag.release(t.Need, t.Ports)
	}
	for i, o := range a.Tasks {
		if o == t {
			a.Tasks = append(a.Tasks[:i], a.Tasks[i+1:]...)
			break
		}
	}
	s.statusEvent(a, t, state)
	// Capacity freed: queued apps may fit now.
	for id, other := range s.apps {
		if other.queued > 0 {
			s.active[id] = true
		}
	}
}

func (s *Server) statusEvent(a *appState, t *task, state string) {
	s.emit("status_update_event", a.ID, map[string]any{
		"slaveId": t.AgentID, "taskId": t.ID, "taskStatus": state, "message": "",
		"appId": a.ID, "host": t.Host, "ipAddresses": []any{map[string]any{"ipAddress": "127.0.0.1", "protocol": "IPv4"}},
		"ports": t.Ports, "version": t.Version,
	})
	cond := map[string]string{"TASK_STAGING": "Staging", "TASK_RUNNING": "Running", "TASK_KILLED": "Killed", "TASK_FAILED": "Failed"}[state]
	s.emit("instance_changed_event", a.ID, map[string]any{
		"instanceId": instanceID(t.ID), "condition": cond, "runSpecId": a.ID,
		"agentId": t.AgentID, "host": t.Host, "runSpecVersion": t.Version,
	})
}

// stopApp kills the tasks of a removed app; true when it did something.
func (s *Server) stopApp(z *appState) bool {
	for len(z.Tasks) > 0 {
		s.kill(z, z.Tasks[len(z.Tasks)-1], "TASK_KILLED")
	}
	delete(s.zombies, z.ID)
	s.emit("app_terminated_event", z.ID, map[string]any{"appId": z.ID})
	return true
}

// converge moves an app's tasks towards its definition; it reports whether
// anything changed and whether the app is stable (nothing left to happen
// without outside help).
func (s *Server) converge(a *appState, now time.Time) (changed, stable bool) {
	n := a.instances()
	failTasks := globMatch(s.faults.FailTasks, a.ID)
	failHealth := globMatch(s.faults.FailHealth, a.ID)
	hang := globMatch(s.faults.Hang, a.ID)
	stable = true
	// Task transitions.
	for _, t := range append([]*task(nil), a.Tasks...) {
		switch {
		case t.State == "TASK_STAGING" && hang:
			// Stays staged; lifting the fault (SetFaults) wakes the app.
		case t.State == "TASK_STAGING" && !now.Before(t.RunningAt):
			if failTasks {
				s.kill(a, t, "TASK_FAILED")
				a.Failures++
				a.DelayUntil = now.Add(s.backoffDelay(a))
				a.LastFailure = map[string]any{
					"appId": a.ID, "host": t.Host, "message": "Command exited with status 1 (sandbox --fail-tasks)",
					"state": "TASK_FAILED", "taskId": t.ID, "timestamp": ts(now), "version": t.Version, "slaveId": t.AgentID,
				}
				changed = true
				continue
			}
			t.State, t.StartedAt = "TASK_RUNNING", now
			t.HealthyAt = now.Add(s.scaled(time.Second))
			s.statusEvent(a, t, "TASK_RUNNING")
			changed = true
		case t.State == "TASK_STAGING":
			stable = false
		}
		if t.State == "TASK_RUNNING" && a.hasHC && !t.Healthy && !t.HealthFailed {
			if now.Before(t.HealthyAt) {
				stable = false
				continue
			}
			if failHealth {
				t.HealthFailed = true
				s.emit("failed_health_check_event", a.ID, map[string]any{"appId": a.ID, "taskId": t.ID, "instanceId": instanceID(t.ID), "healthCheck": anyList(a.Def["healthChecks"])[0]})
				s.emit("health_status_changed_event", a.ID, map[string]any{"appId": a.ID, "instanceId": instanceID(t.ID), "version": t.Version, "alive": false})
			} else {
				t.Healthy = true
				s.emit("health_status_changed_event", a.ID, map[string]any{"appId": a.ID, "instanceId": instanceID(t.ID), "version": t.Version, "alive": true})
				s.emit("instance_health_changed_event", a.ID, map[string]any{"instanceId": instanceID(t.ID), "runSpecId": a.ID, "healthy": true, "runSpecVersion": t.Version})
			}
			changed = true
		}
		if t.State == "TASK_RUNNING" && a.hasHC && t.HealthFailed && !failHealth {
			t.HealthFailed, t.Healthy = false, true
			changed = true
		}
	}
	var cur, old []*task
	readyCur := 0
	for _, t := range a.Tasks {
		if t.ConfigVersion == a.ConfigVersion {
			cur = append(cur, t)
			if t.ready(a.hasHC) {
				readyCur++
			}
		} else {
			old = append(old, t)
		}
	}
	// Too many: kill the youngest.
	for len(cur) > n {
		t := cur[len(cur)-1]
		cur = cur[:len(cur)-1]
		s.kill(a, t, "TASK_KILLED")
		changed = true
	}
	// Old tasks go as new ones become ready, keeping minimumHealthCapacity.
	us, _ := a.Def["upgradeStrategy"].(map[string]any)
	keep := int(math.Ceil(float64(n)*num(us["minimumHealthCapacity"], 1))) - readyCur
	if keep < 0 {
		keep = 0
	}
	for len(old) > keep {
		s.kill(a, old[0], "TASK_KILLED")
		old = old[1:]
		changed = true
	}
	if len(old) > 0 {
		stable = false
	}
	// Too few: launch, placing where resources and constraints allow.
	a.queued = 0
	if missing := n - len(cur); missing > 0 {
		if len(old) > 0 {
			// During a restart never run more than n × (1 + maximumOverCapacity)
			// tasks, one more when that equals what must be kept.
			minKeep := int(math.Ceil(float64(n) * num(us["minimumHealthCapacity"], 1)))
			maxTotal := int(math.Floor(float64(n) * (1 + num(us["maximumOverCapacity"], 1))))
			if minKeep == maxTotal {
				maxTotal++
			}
			if room := maxTotal - len(old) - len(cur); room < missing {
				missing = max(room, 0)
				stable = false
			}
		}
		if missing == 0 {
			// Waiting for old tasks to make room.
		} else if now.Before(a.DelayUntil) {
			a.queued = missing
			stable = false
		} else {
			placed := s.launch(a, missing, now)
			if placed > 0 {
				changed = true
			}
			a.queued = missing - placed
			if a.queued > 0 {
				if a.QueuedSince.IsZero() {
					a.QueuedSince = now
				}
				stable = false
			}
		}
	}
	if a.queued == 0 {
		a.QueuedSince = time.Time{}
	}
	for _, t := range a.Tasks {
		if t.State == "TASK_STAGING" || (t.State == "TASK_RUNNING" && a.hasHC && !t.Healthy && !t.HealthFailed) {
			stable = false
		}
	}
	if failTasks && len(a.Tasks) < n {
		stable = false
	}
	return changed, stable
}

func (s *Server) backoffDelay(a *appState) time.Duration {
	d := backoff(a)
	if s.cfg.Speed == 0 {
		return d / 1000
	}
	return s.scaled(d)
}

// launch places up to k new tasks of a and returns how many it placed.
func (s *Server) launch(a *appState, k int, now time.Time) int {
	var taskAgents []*Agent
	if len(a.cons) > 0 {
		for _, t := range a.Tasks {
			if ag := s.agent(t.AgentID); ag != nil {
				taskAgents = append(taskAgents, ag)
			}
		}
	}
	p := newPlacer(a.cons, s.agents, taskAgents)
	placed := 0
	start := 0
	for placed < k {
		var chosen *Agent
		for i := range s.agents {
			ag := s.agents[(start+i)%len(s.agents)]
			if ag.fits(a.need) && p.allows(ag) {
				chosen = ag
				break
			}
		}
		if chosen == nil {
			break
		}
		p.placed(chosen)
		ports := chosen.take(a.need)
		t := &task{
			ID:    strings.ReplaceAll(strings.TrimPrefix(a.ID, "/"), "/", "_") + ".instance-" + newUUID() + "._app.1",
			AppID: a.ID, AgentID: chosen.ID, Host: chosen.Hostname, State: "TASK_STAGING",
			Version: a.Version, ConfigVersion: a.ConfigVersion, StagedAt: now, Ports: ports,
			RunningAt: now.Add(s.scaled(time.Second)), Need: a.need,
		}
		a.Tasks = append(a.Tasks, t)
		s.statusEvent(a, t, "TASK_STAGING")
		placed++
	}
	return placed
}

// planJSON renders a deployment plan as in deployment events.
func (s *Server) planJSON(d *deployment) map[string]any {
	steps := make([]any, 0, len(d.Steps))
	for _, st := range d.Steps {
		steps = append(steps, map[string]any{"actions": st})
	}
	return map[string]any{"id": d.ID, "steps": steps, "version": d.Version, "original": map[string]any{"id": "/"}, "target": map[string]any{"id": "/"}}
}

// deploymentJSON renders a deployment as GET /v2/deployments does.
func (s *Server) deploymentJSON(d *deployment) map[string]any {
	steps := make([]any, 0, len(d.Steps))
	for _, st := range d.Steps {
		steps = append(steps, map[string]any{"actions": st})
	}
	current := []any{}
	if d.Current > 0 {
		for _, a := range d.Steps[d.Current-1] {
			current = append(current, map[string]any{"action": a.Action, "app": a.App, "readinessCheckResults": []any{}})
		}
	}
	affected := d.Affected
	if affected == nil {
		affected = []string{}
	}
	return map[string]any{
		"id": d.ID, "version": d.Version, "affectedApps": affected, "affectedPods": []string{},
		"steps": steps, "currentActions": current, "currentStep": d.Current, "totalSteps": len(d.Steps),
	}
}
