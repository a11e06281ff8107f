package installer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/universe-pm/universe/installer/journal"
	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/marathon"
)

// DefaultTimeout bounds an install when Request.Timeout is 0.
const DefaultTimeout = 15 * time.Minute

// Run installs req.Name and its dependencies. It resolves and renders the
// plan, checks the cluster, asks req.Confirm, takes the packages' locks,
// then deploys wave by wave, each package waiting until its deployment is
// done and its apps run healthy. On failure it rolls back (removes what
// this install created, in reverse order) or halts, as req.OnFailure says.
//
// The Result is returned whenever planning got that far, also with an
// error. Errors: *resolve.ConflictError or *resolve.CycleError when there
// is no solution, *PreflightError, *journal.LockedError, a render error,
// or the deployment's failure (often a *marathon.WaitError).
func (in *Installer) Run(ctx context.Context, req Request) (*Result, error) {
	start := in.cfg.Now()
	switch req.OnFailure {
	case "":
		req.OnFailure = Rollback
	case Rollback, Halt:
	default:
		return nil, fmt.Errorf("unknown failure policy %q: use rollback or halt", req.OnFailure)
	}
	if req.Timeout <= 0 {
		req.Timeout = DefaultTimeout
	}
	id := req.Resume
	if id == "" {
		id = in.cfg.NewID()
	}
	cs, err := in.clusterState(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := in.plan(ctx, &req, id, cs)
	if err != nil {
		return nil, err
	}
	res := &Result{Install: id, Plan: plan}
	for _, p := range plan.Packages {
		res.Packages = append(res.Packages, PackageResult{
			Name: p.Name, Version: p.Version, AppID: p.AppID, Wave: p.Wave, Action: p.Action,
			State: "pending", PostInstallNotes: p.PostInstallNotes,
		})
	}
	in.event(Event{Type: "plan", Install: id, Message: fmt.Sprintf("%d packages, %d waves", len(plan.Packages), plan.Waves)})
	if err := in.preflight(ctx, plan, cs); err != nil {
		return res, err
	}
	if req.DryRun {
		res.Status = StatusDryRun
		return res, nil
	}
	if req.Confirm != nil {
		ok, err := req.Confirm(ctx, plan)
		if err != nil {
			return res, err
		}
		if !ok {
			res.Status = StatusDeclined
			return res, nil
		}
	}
	// Lock every package the plan touches, then look again: someone may
	// have installed something while we planned.
	var names []string
	for _, p := range plan.Packages {
		names = append(names, p.Name)
	}
	if in.cfg.Journal != nil {
		held, stale, err := in.cfg.Journal.Acquire(in.cfg.Cluster, id, names, req.Timeout+5*time.Minute, req.BreakLock)
		if err != nil {
			return res, err
		}
		defer in.cfg.Journal.Release(held)
		for _, l := range stale {
			msg := fmt.Sprintf("took over the lock on %s held by %s (install %s, since %s)", l.Package, l.Owner, l.Install, l.Taken.Format(time.RFC3339))
			res.Stale = append(res.Stale, msg)
			in.event(Event{Type: "warning", Install: id, Package: l.Package, Message: msg})
		}
		if cs, err = in.clusterState(ctx); err != nil {
			return res, err
		}
		if err := in.preflight(ctx, plan, cs); err != nil {
			return res, err
		}
	}
	tr := &tracker{in: in, res: res, secrets: plan.secrets}
	tr.open(req, plan.options)
	tr.keep(cs, plan)
	// A failure's text may quote what was deployed: never its secrets.
	err = plan.secrets.Error(in.execute(ctx, &req, plan, tr))
	res.Elapsed = in.cfg.Now().Sub(start)
	if err == nil {
		res.Status = StatusSucceeded
		if plan.Packages[len(plan.Packages)-1].Action == "reuse" {
			res.Status = StatusInstalled
		}
		tr.finish(res.Status, nil)
		in.event(Event{Type: "done", Install: id, State: res.Status})
		return res, nil
	}
	res.Error = err.Error()
	// The install's context may be over (timeout, Ctrl-C); cleaning up
	// gets its own.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	if req.OnFailure == Halt {
		res.Status = StatusHalted
		res.Advice = in.haltAdvice(res)
		tr.finish(StatusHalted, err)
		in.event(Event{Type: "done", Install: id, State: res.Status, Message: err.Error()})
		return res, err
	}
	removed, rerr := in.rollback(cctx, id, plan)
	rerr = plan.secrets.Error(rerr)
	res.Removed = removed
	for i := range res.Packages {
		for _, r := range removed {
			if res.Packages[i].AppID == r {
				res.Packages[i].State = "removed"
			}
		}
	}
	if rerr != nil {
		res.Status = StatusFailed
		res.Advice = append([]string{"the rollback failed: " + rerr.Error()}, in.haltAdvice(res)...)
		tr.finish(StatusFailed, errors.Join(err, rerr))
		in.event(Event{Type: "done", Install: id, State: res.Status, Message: rerr.Error()})
		return res, fmt.Errorf("%w (rollback failed: %v)", err, rerr)
	}
	res.Status = StatusRolledBack
	tr.finish(StatusRolledBack, err)
	in.event(Event{Type: "done", Install: id, State: res.Status, Message: err.Error()})
	return res, err
}

func (in *Installer) clusterState(ctx context.Context) (*clusterState, error) {
	pkgs, apps, err := discover(ctx, in.cfg.Marathon)
	if err != nil {
		return nil, err
	}
	return &clusterState{pkgs: pkgs, apps: apps}, nil
}

// execute deploys the plan wave by wave within req.Timeout.
func (in *Installer) execute(ctx context.Context, req *Request, plan *Plan, tr *tracker) error {
	ctx, cancel := context.WithTimeoutCause(ctx, req.Timeout, fmt.Errorf("the install did not finish within its timeout of %s", req.Timeout))
	defer cancel()
	// Reused dependencies must be healthy before anything is built on them.
	for i := range plan.Packages {
		p := &plan.Packages[i]
		if p.Action != "reuse" {
			continue
		}
		tr.set(p, "reused", nil)
		for _, a := range p.Apps {
			if err := in.cfg.Marathon.WaitForApp(ctx, a.ID); err != nil {
				tr.set(p, "failed", err)
				return fmt.Errorf("installed dependency %s (%s) is not healthy: %w", p.Name, p.AppID, withCause(ctx, err))
			}
		}
	}
	for w := 0; w < plan.Waves; w++ {
		var wave []*Planned
		for _, p := range plan.ToInstall() {
			if p.Wave == w {
				wave = append(wave, p)
				tr.set(p, "waiting", nil)
			}
		}
		wctx, wcancel := context.WithCancelCause(ctx)
		var wg sync.WaitGroup
		errs := make([]error, len(wave))
		for i, p := range wave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := in.deploy(wctx, plan.Install, p, tr); err != nil {
					errs[i] = fmt.Errorf("%s %s (%s): %w", p.Name, p.Version, p.AppID, withCause(wctx, err))
					tr.set(p, "failed", err)
					wcancel(errs[i])
				}
			}()
		}
		wg.Wait()
		wcancel(nil)
		var first error
		for _, e := range errs {
			if e != nil && first == nil {
				first = e
			}
		}
		if first != nil {
			for _, p := range wave {
				if tr.state(p) != "healthy" && tr.state(p) != "failed" {
					tr.set(p, "cancelled", nil)
				}
			}
			return first
		}
	}
	return nil
}

// withCause replaces a bare context error by the context's cause.
func withCause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && c != ctx.Err() && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w: %w", c, err)
	}
	return err
}

// deploy creates (or adopts, when this install created it already) one
// package's app or group and waits until it is deployed and healthy.
func (in *Installer) deploy(ctx context.Context, id string, p *Planned, tr *tracker) error {
	mc := in.cfg.Marathon
	tr.set(p, "deploying", nil)
	first := p.Apps[0].ID
	exists := false
	switch a, err := mc.GetApp(ctx, first); {
	case err == nil && a.Labels[LabelInstall] == id:
		exists = true
	case err == nil:
		return fmt.Errorf("app %s exists and was not created by this install", first)
	case !marathon.IsNotFound(err):
		return err
	}
	var depID string
	if !exists {
		if p.Group {
			r, err := mc.CreateGroup(ctx, p.doc)
			if err != nil && !marathon.IsConflict(err) {
				return fmt.Errorf("creating group %s: %w", p.AppID, err)
			}
			if r != nil {
				depID = r.DeploymentID
			}
		} else {
			a, err := mc.CreateApp(ctx, p.doc)
			if err != nil && !marathon.IsConflict(err) {
				return fmt.Errorf("creating app %s: %w", p.AppID, err)
			}
			if a != nil {
				depID = a.DeploymentID
			}
		}
		tr.set(p, "created", nil)
	}
	stop := in.watch(ctx, p, tr)
	defer stop()
	if depID != "" {
		if err := mc.WaitForDeployment(ctx, depID); err != nil {
			return err
		}
	}
	for _, a := range p.Apps {
		if err := mc.WaitForApp(ctx, a.ID); err != nil {
			return err
		}
	}
	stop()
	in.report(ctx, p, tr)
	tr.set(p, "healthy", nil)
	return nil
}

// watch polls the package's task counts while it deploys.
func (in *Installer) watch(ctx context.Context, p *Planned, tr *tracker) func() {
	if in.cfg.ProgressInterval < 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(in.cfg.ProgressInterval)
		defer t.Stop()
		for {
			in.report(ctx, p, tr)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

// report emits the package's task counts when they changed.
func (in *Installer) report(ctx context.Context, p *Planned, tr *tracker) {
	var running, healthy, wanted int
	for _, pa := range p.Apps {
		a, err := in.cfg.Marathon.GetApp(ctx, pa.ID)
		if err != nil {
			wanted += pa.Instances
			continue
		}
		wanted += a.Instances
		running += a.TasksRunning
		if len(a.HealthChecks) > 0 {
			healthy += a.TasksHealthy
		} else {
			healthy += a.TasksRunning
		}
	}
	tr.counts(p, running, healthy, wanted)
}

// rollback removes every app this install created, packages in reverse
// wave order, and waits for the removals. What existed before carries no
// label of this install and is never touched.
func (in *Installer) rollback(ctx context.Context, id string, plan *Plan) ([]string, error) {
	mc := in.cfg.Marathon
	pkgs, apps, err := discover(ctx, mc)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Package{}
	for _, p := range pkgs {
		byID[p.AppID] = p
	}
	type target struct {
		id    string
		group bool
		wave  int
		name  string
	}
	seen := map[string]bool{}
	var targets []target
	for _, a := range apps {
		if a.Labels[LabelInstall] != id {
			continue
		}
		t := target{id: a.ID, wave: 1 << 20, name: a.Labels["DCOS_PACKAGE_NAME"]}
		if g := a.Labels["UNIVERSE_PACKAGE_GROUP"]; g != "" {
			t.id, t.group = g, true
		}
		if seen[t.id] {
			continue
		}
		seen[t.id] = true
		if p, ok := plan.Package(t.name); ok {
			t.wave = p.Wave
		}
		// A package another install has built on since (this install was
		// interrupted, and resumed later) is that install's dependency
		// now: it stays.
		if users := outsideDependents(byID, t.id, id); len(users) > 0 {
			in.event(Event{Type: "rollback", Install: id, Package: t.name, AppID: t.id, Wave: t.wave, State: "kept",
				Message: "used by " + strings.Join(users, ", ")})
			continue
		}
		targets = append(targets, t)
	}
	sort.SliceStable(targets, func(i, j int) bool {
		if targets[i].wave != targets[j].wave {
			return targets[i].wave > targets[j].wave
		}
		return targets[i].id < targets[j].id
	})
	var removed []string
	for _, t := range targets {
		in.event(Event{Type: "rollback", Install: id, Package: t.name, AppID: t.id, Wave: t.wave, State: "removing"})
		var r *marathon.DeploymentResult
		if t.group {
			r, err = mc.DeleteGroup(ctx, t.id, marathon.GroupOptions{Force: true})
		} else {
			r, err = mc.DeleteApp(ctx, t.id, true)
		}
		if err != nil && !marathon.IsNotFound(err) {
			return removed, fmt.Errorf("removing %s: %w", t.id, err)
		}
		if r != nil && r.DeploymentID != "" {
			if err := mc.WaitForDeployment(ctx, r.DeploymentID); err != nil {
				return removed, fmt.Errorf("removing %s: %w", t.id, err)
			}
		}
		removed = append(removed, t.id)
		in.event(Event{Type: "rollback", Install: id, Package: t.name, AppID: t.id, Wave: t.wave, State: "removed"})
	}
	return removed, nil
}

// outsideDependents lists the installed packages, not created by install,
// that depend on the package at appID.
func outsideDependents(byID map[string]*Package, appID, install string) []string {
	p := byID[appID]
	if p == nil {
		return nil
	}
	var out []string
	for _, d := range p.Dependents {
		if o := byID[d]; o != nil && o.Install != install {
			out = append(out, fmt.Sprintf("%s (%s)", o.Name, o.AppID))
		}
	}
	return out
}

// haltAdvice says what is running and how to continue or clean up.
func (in *Installer) haltAdvice(res *Result) []string {
	var out []string
	var created []PackageResult
	for _, p := range res.Packages {
		if p.Action != "install" {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s at %s: %s", p.Name, p.Version, p.AppID, p.State))
		if p.State != "pending" && p.State != "waiting" && p.State != "removed" {
			created = append(created, p)
		}
	}
	out = append(out, fmt.Sprintf("to continue: universe install --resume %s", res.Install))
	for i := len(created) - 1; i >= 0; i-- {
		p := created[i]
		out = append(out, fmt.Sprintf("to clean up: universe uninstall %s --app-id %s --yes", p.Name, p.AppID))
	}
	return out
}

// tracker keeps the result's package states and the journal in step.
type tracker struct {
	in      *Installer
	res     *Result
	secrets *render.Secrets
	mu      sync.Mutex
	entry   *journal.Entry
	since   map[string]time.Time
	last    map[string][3]int
}

// open records the install in the journal, with options (the request's,
// secrets redacted) in place of req.Options: a resumed install must be
// given its secrets again.
func (t *tracker) open(req Request, options map[string]any) {
	t.since = map[string]time.Time{}
	t.last = map[string][3]int{}
	if t.in.cfg.Journal == nil {
		return
	}
	req.Options = options
	raw, _ := json.Marshal(req)
	e := &journal.Entry{ID: t.res.Install, Cluster: t.in.cfg.Cluster, Started: t.in.cfg.Now().UTC(), Status: journal.Running, Owner: journal.Self(), Request: raw}
	if old, err := t.in.cfg.Journal.Load(t.res.Install); err == nil {
		e.Started = old.Started
	}
	for _, p := range t.res.Packages {
		e.Packages = append(e.Packages, journal.Package{Name: p.Name, Version: p.Version, AppID: p.AppID, Wave: p.Wave, State: p.State})
	}
	t.entry = e
	t.save()
}

// keep records, when resuming, the packages this install created before
// it was interrupted that the new plan no longer has (another install
// built on them since, so they are reused or out of the solution): they
// stay this install's, in state "kept".
func (t *tracker) keep(cs *clusterState, plan *Plan) {
	if t.entry == nil {
		return
	}
	added := false
	for _, p := range cs.pkgs {
		if p.Install != t.res.Install {
			continue
		}
		planned := false
		for _, pp := range plan.Packages {
			if pp.AppID == p.AppID && pp.Action == "install" {
				planned = true
			}
		}
		if !planned {
			t.entry.Packages = append(t.entry.Packages, journal.Package{Name: p.Name, Version: p.Version, AppID: p.AppID, Wave: -1, State: "kept"})
			added = true
		}
	}
	if added {
		t.save()
	}
}

func (t *tracker) save() {
	if t.entry == nil {
		return
	}
	if err := t.in.cfg.Journal.Save(t.entry); err != nil {
		t.in.event(Event{Type: "warning", Install: t.res.Install, Message: "recording progress: " + err.Error()})
	}
}

func (t *tracker) state(p *Planned) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.res.Packages {
		if r.Name == p.Name {
			return r.State
		}
	}
	return ""
}

func (t *tracker) set(p *Planned, state string, err error) {
	err = t.secrets.Error(err)
	t.mu.Lock()
	now := t.in.cfg.Now()
	for i := range t.res.Packages {
		r := &t.res.Packages[i]
		if r.Name != p.Name {
			continue
		}
		r.State = state
		if state == "deploying" {
			t.since[p.Name] = now
		}
		if s, ok := t.since[p.Name]; ok {
			r.Elapsed = now.Sub(s)
		}
		if err != nil {
			r.Error = err.Error()
		}
	}
	if t.entry != nil {
		for i := range t.entry.Packages {
			if t.entry.Packages[i].Name == p.Name {
				t.entry.Packages[i].State = state
			}
		}
		t.save()
	}
	t.mu.Unlock()
	e := Event{Type: "package", Install: t.res.Install, Package: p.Name, Version: p.Version, AppID: p.AppID, Wave: p.Wave, State: state}
	if err != nil {
		e.Message = err.Error()
	}
	t.in.event(e)
}

func (t *tracker) counts(p *Planned, running, healthy, wanted int) {
	t.mu.Lock()
	c := [3]int{running, healthy, wanted}
	same := t.last[p.Name] == c
	t.last[p.Name] = c
	t.mu.Unlock()
	if same {
		return
	}
	t.in.event(Event{Type: "progress", Install: t.res.Install, Package: p.Name, Version: p.Version, AppID: p.AppID, Wave: p.Wave,
		Running: running, Healthy: healthy, Wanted: wanted})
}

func (t *tracker) finish(status string, err error) {
	if t.entry == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entry.Status = status
	if err != nil {
		t.entry.Error = err.Error()
	}
	t.save()
}

// Unfinished returns the interrupted or halted installs recorded for this
// cluster, newest first, with their requests.
func (in *Installer) Unfinished() ([]*journal.Entry, error) {
	if in.cfg.Journal == nil {
		return nil, nil
	}
	return in.cfg.Journal.Unfinished(in.cfg.Cluster)
}

// ResumeRequest decodes the request recorded in a journal entry, set to
// resume it. Secret options were recorded as markers (render.Marker): merge
// their values over req.Options again (render.Merge), or Run refuses the
// request naming them.
func ResumeRequest(e *journal.Entry) (Request, error) {
	var req Request
	d := json.NewDecoder(bytes.NewReader(e.Request))
	d.UseNumber()
	if err := d.Decode(&req); err != nil {
		return req, fmt.Errorf("reading install %s: %w", e.ID, err)
	}
	req.Resume = e.ID
	return req, nil
}
