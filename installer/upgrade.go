package installer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/repo"
)

// UpgradeRequest changes an installed package's version (and options).
type UpgradeRequest struct {
	Name  string
	AppID string
	// Version is the exact target version.
	Version string
	// Options are merged over the options the package was installed with.
	Options map[string]any
	Timeout time.Duration
	DryRun  bool
	// Confirm is asked with the plan (and its diff); false declines.
	Confirm   func(ctx context.Context, p *UpgradePlan) (bool, error)
	BreakLock bool
}

// UpgradePlan is what an upgrade will change.
type UpgradePlan struct {
	Name  string `json:"name"`
	AppID string `json:"appId"`
	From  string `json:"from"`
	To    string `json:"to"`
	// Diff is a unified diff of the Marathon JSON, current to new (long
	// label values shortened to their digest, secret option values
	// replaced by markers).
	Diff string `json:"diff"`
	// Marathon is the new app or group, secret option values replaced by
	// markers (see render.Marker).
	Marathon json.RawMessage `json:"marathon"`
	// Dependencies are the installed packages the new version uses.
	Dependencies []string `json:"dependencies,omitempty"`

	doc     map[string]any
	group   bool
	apps    []PlannedApp
	secrets *render.Secrets
}

// The statuses of an UpgradeResult.
const (
	StatusUpgraded = "upgraded"
)

// UpgradeResult is what an upgrade did.
type UpgradeResult struct {
	Plan   *UpgradePlan `json:"plan"`
	Status string       `json:"status"`
	Error  string       `json:"error,omitempty"`
}

// UpgradeRefusedError says why a version change is not allowed.
type UpgradeRefusedError struct {
	Name, From, To string
	UpgradesFrom   []string
	DowngradesTo   []string
}

func (e *UpgradeRefusedError) Error() string {
	if e.From == e.To {
		return fmt.Sprintf("%s is already at version %s", e.Name, e.To)
	}
	return fmt.Sprintf("%s %s cannot be changed to %s: %s %s allows upgrades from %s, and %s %s allows downgrades to %s",
		e.Name, e.From, e.To, e.Name, e.To, listOrNone(e.UpgradesFrom), e.Name, e.From, listOrNone(e.DowngradesTo))
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return "[" + strings.Join(l, ", ") + "]"
}

// matchesSpec is Cosmos's VersionSpecification: "*" or an exact string.
func matchesSpec(specs []string, v string) bool {
	return slices.Contains(specs, "*") || slices.Contains(specs, v)
}

func revisionList(rev *repo.Revision, field string) []string {
	var out []string
	l, _ := rev.Meta()[field].([]any)
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Upgrade moves an installed package to another version as its
// upgradesFrom (or the installed version's downgradesTo) allow, re-resolving
// its dependencies against what is installed (installing those the new
// version needs and the cluster lacks, once confirmed), shows the diff, applies it
// and waits until healthy; on failure it rolls the apps back to their
// previous versions. Errors: *NotInstalledError, *AmbiguousError,
// *UpgradeRefusedError, *resolve.ConflictError, or the failure (after a
// rollback).
func (in *Installer) Upgrade(ctx context.Context, req UpgradeRequest) (*UpgradeResult, error) {
	if req.Timeout <= 0 {
		req.Timeout = DefaultTimeout
	}
	pkgs, apps, err := discover(ctx, in.cfg.Marathon)
	if err != nil {
		return nil, err
	}
	matches := find(pkgs, req.Name, req.AppID)
	switch {
	case len(matches) == 0:
		return nil, &NotInstalledError{Name: req.Name, AppID: req.AppID}
	case len(matches) > 1:
		var ids []string
		for _, m := range matches {
			ids = append(ids, m.AppID)
		}
		return nil, &AmbiguousError{Name: req.Name, AppIDs: ids}
	}
	cur := matches[0]
	cands, err := in.cfg.Source.Candidates(ctx, req.Name)
	if err != nil {
		return nil, err
	}
	var target *resolve.Candidate
	var installedRev *repo.Revision
	var versions []string
	for i, c := range cands {
		v := c.Revision.Version.String()
		versions = append(versions, v)
		if target == nil && v == req.Version {
			target = &cands[i]
		}
		if installedRev == nil && v == cur.Version {
			installedRev = c.Revision
		}
	}
	if target == nil {
		return nil, fmt.Errorf("no repository has %s version %s; available: %s", req.Name, req.Version, strings.Join(versions, ", "))
	}
	downgradesTo := cur.stringList("downgradesTo")
	if downgradesTo == nil && installedRev != nil {
		downgradesTo = revisionList(installedRev, "downgradesTo")
	}
	upgradesFrom := target.Revision.UpgradesFrom
	if cur.Version == req.Version || (!matchesSpec(upgradesFrom, cur.Version) && !matchesSpec(downgradesTo, req.Version)) {
		return nil, &UpgradeRefusedError{Name: req.Name, From: cur.Version, To: req.Version, UpgradesFrom: upgradesFrom, DowngradesTo: downgradesTo}
	}
	// Re-resolve the dependencies against what is installed.
	installed := map[string]resolve.Installed{}
	byName := map[string]*Package{}
	for _, p := range pkgs {
		if p == cur {
			continue
		}
		if _, dup := installed[p.Name]; !dup {
			installed[p.Name] = resolve.Installed{Name: p.Name, Version: p.installedVersion(), AppID: p.AppID}
			byName[p.Name] = p
		}
	}
	sol, err := resolve.Resolve(ctx, in.cfg.Source, resolve.Request{Name: req.Name, Root: target, Installed: installed, Ignore: map[string]bool{req.Name: true}})
	if err != nil {
		return nil, err
	}
	// Dependencies the new version needs and the cluster lacks are
	// installed after the confirmation, before the upgrade, each by its own
	// install (with its own rollback); the plan renders against their
	// defaults, the options they will be installed with.
	var toInstall []resolve.Choice
	newDeps := map[string]map[string]any{}
	for _, c := range sol.Choices {
		if c.Name == req.Name || c.Installed != nil || byName[c.Name] != nil {
			continue
		}
		toInstall = append(toInstall, c)
		var cfg map[string]any
		if c.Revision.Config != nil {
			cfg, _ = c.Revision.Config.Object()
		}
		newDeps[c.Name] = render.Defaults(cfg)
	}
	root, _ := sol.Choice(req.Name)
	var missing []string
	deps := map[string]map[string]any{}
	depIDs := map[string]string{}
	depSecrets := &render.Secrets{}
	for _, d := range root.Dependencies {
		if p := byName[d]; p != nil {
			deps[d] = p.Merged()
			depIDs[d] = p.AppID
			depSecrets = depSecrets.Add(p.Secrets())
			continue
		}
		if m, ok := newDeps[d]; ok {
			deps[d] = m
			missing = append(missing, d)
			continue
		}
		return nil, fmt.Errorf("%s %s needs %s, which cannot be found", req.Name, req.Version, d)
	}
	// Secret options stored redacted must be given again (Render refuses
	// their markers and says so); stored in clear (by Cosmos), they are
	// reused as they are.
	res, err := render.Render(ctx, render.Request{
		Revision: target.Revision, Options: render.Merge(cur.options, req.Options), AppID: cur.AppID,
		Source: in.sourceURI(target.Repository), Dependencies: deps, Secrets: depSecrets.Add(cur.Secrets()),
	})
	if err != nil {
		return nil, fmt.Errorf("rendering %s %s: %w", req.Name, req.Version, err)
	}
	labels := map[string]string{LabelInstall: cur.Install}
	if cur.Install == "" {
		labels[LabelInstall] = "upgrade-" + in.cfg.NewID()
	}
	if len(depIDs) > 0 {
		labels[LabelDependencies] = formatDeps(depIDs)
	}
	plan := &UpgradePlan{Name: req.Name, AppID: cur.AppID, From: cur.Version, To: req.Version, doc: res.Value, group: res.Group}
	plan.apps = decorate(res.Value, res.Group, labels)
	prev, prevSecrets := in.previousDoc(ctx, cur, installedRev, apps, deps, labels, res)
	plan.secrets = res.Secrets.Add(prevSecrets)
	plan.Marathon = jsonRaw(plan.secrets.Value(res.Value))
	for d, id := range depIDs {
		plan.Dependencies = append(plan.Dependencies, d+" ("+id+")")
	}
	for _, c := range toInstall {
		plan.Dependencies = append(plan.Dependencies, fmt.Sprintf("%s (to install: %s)", c.Name, c.Version))
	}
	slices.Sort(plan.Dependencies)
	plan.Diff = jsonDiff(prev, plan.secrets.Value(res.Value).(map[string]any))
	out := &UpgradeResult{Plan: plan}
	if req.DryRun {
		out.Status = StatusDryRun
		return out, nil
	}
	if req.Confirm != nil {
		ok, err := req.Confirm(ctx, plan)
		if err != nil {
			return out, err
		}
		if !ok {
			out.Status = StatusDeclined
			return out, nil
		}
	}
	for _, c := range toInstall {
		if _, err := in.Run(ctx, Request{Name: c.Name, Version: c.Version.String(), Timeout: req.Timeout, BreakLock: req.BreakLock}); err != nil {
			return out, fmt.Errorf("installing %s %s, which %s %s needs: %w", c.Name, c.Version, req.Name, req.Version, err)
		}
	}
	if len(missing) > 0 {
		// Record the edges to the dependencies just installed.
		now, _, err := discover(ctx, in.cfg.Marathon)
		if err != nil {
			return out, err
		}
		for _, d := range missing {
			if ps := find(now, d, ""); len(ps) > 0 {
				depIDs[d] = ps[0].AppID
			}
		}
		labels[LabelDependencies] = formatDeps(depIDs)
		decorate(plan.doc, plan.group, labels)
		plan.Marathon = jsonRaw(plan.secrets.Value(plan.doc))
	}
	if in.cfg.Journal != nil {
		// The package and those it depends on, so that no other universe
		// removes a dependency under it.
		names := []string{req.Name}
		for d := range depIDs {
			names = append(names, d)
		}
		held, _, err := in.cfg.Journal.Acquire(in.cfg.Cluster, "upgrade-"+in.cfg.NewID(), names, req.Timeout+5*time.Minute, req.BreakLock)
		if err != nil {
			return out, err
		}
		defer in.cfg.Journal.Release(held)
	}
	// Another universe may have changed the package or its dependencies
	// between the plan and the lock; Marathon's PUT would recreate an
	// uninstalled app.
	if err := in.recheck(ctx, cur, depIDs); err != nil {
		return out, err
	}
	previous := map[string]string{}
	for _, a := range cur.apps {
		previous[a.ID] = a.Version
	}
	var previousGroup map[string]any
	if plan.group && cur.Group && flatGroup(cur) {
		previousGroup = currentDoc(cur, apps)
	}
	err = plan.secrets.Error(in.applyUpgrade(ctx, req, plan))
	if err == nil {
		out.Status = StatusUpgraded
		return out, nil
	}
	out.Error = err.Error()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	if rerr := plan.secrets.Error(in.rollbackUpgrade(cctx, plan, previous, previousGroup)); rerr != nil {
		out.Status = StatusFailed
		return out, fmt.Errorf("upgrading %s: %w (rolling back failed: %v)", req.Name, err, rerr)
	}
	out.Status = StatusRolledBack
	return out, fmt.Errorf("upgrading %s to %s: %w; rolled back to %s", req.Name, req.Version, err, cur.Version)
}

// recheck confirms that what an upgrade was planned against is still
// installed: the package at the same version, from the same install, and
// its dependencies at the same app ids. Errors: *NotInstalledError
// (wrapped) when the package or a dependency is gone.
func (in *Installer) recheck(ctx context.Context, cur *Package, depIDs map[string]string) error {
	pkgs, _, err := discover(ctx, in.cfg.Marathon)
	if err != nil {
		return err
	}
	now := find(pkgs, cur.Name, cur.AppID)
	if len(now) == 0 {
		return fmt.Errorf("%w: it was uninstalled while the upgrade was planned", &NotInstalledError{Name: cur.Name, AppID: cur.AppID})
	}
	if now[0].Version != cur.Version || now[0].Install != cur.Install {
		return fmt.Errorf("%s at %s changed while the upgrade was planned (version %s, now %s): plan the upgrade again", cur.Name, cur.AppID, cur.Version, now[0].Version)
	}
	for d, id := range depIDs {
		if len(find(pkgs, d, id)) == 0 {
			return fmt.Errorf("%w: it was uninstalled while the upgrade of %s was planned", &NotInstalledError{Name: d, AppID: id}, cur.Name)
		}
	}
	return nil
}

func (in *Installer) applyUpgrade(ctx context.Context, req UpgradeRequest, plan *UpgradePlan) error {
	ctx, cancel := context.WithTimeoutCause(ctx, req.Timeout, fmt.Errorf("the upgrade did not finish within its timeout of %s", req.Timeout))
	defer cancel()
	mc := in.cfg.Marathon
	in.event(Event{Type: "package", Package: plan.Name, Version: plan.To, AppID: plan.AppID, State: "deploying"})
	var r *marathon.DeploymentResult
	var err error
	if plan.group {
		r, err = mc.UpdateGroup(ctx, plan.AppID, plan.doc, marathon.GroupOptions{Force: true})
	} else {
		r, err = mc.UpdateApp(ctx, plan.AppID, plan.doc, marathon.UpdateOptions{Force: true, Replace: true})
	}
	if err != nil {
		return err
	}
	if r != nil && r.DeploymentID != "" {
		if err := mc.WaitForDeployment(ctx, r.DeploymentID); err != nil {
			in.event(Event{Type: "package", Package: plan.Name, Version: plan.To, AppID: plan.AppID, State: "failed", Message: plan.secrets.Error(err).Error()})
			return withCause(ctx, err)
		}
	}
	for _, a := range plan.apps {
		if err := mc.WaitForApp(ctx, a.ID); err != nil {
			in.event(Event{Type: "package", Package: plan.Name, Version: plan.To, AppID: plan.AppID, State: "failed", Message: plan.secrets.Error(err).Error()})
			return withCause(ctx, err)
		}
	}
	in.event(Event{Type: "package", Package: plan.Name, Version: plan.To, AppID: plan.AppID, State: "healthy"})
	return nil
}

// flatGroup reports whether every app of a group package is a direct
// child of its group, so that one group document restores them all.
func flatGroup(p *Package) bool {
	for _, id := range p.Apps {
		if marathon.ParentID(id) != p.AppID {
			return false
		}
	}
	return len(p.Apps) > 0
}

// rollbackUpgrade restores the previous version. A group package gets its
// previous group back in one deployment (PUT /v2/groups with the apps'
// previous definitions, which also removes apps the new version added and
// brings back those it dropped), so that an interrupted rollback never
// leaves its apps at different versions. Otherwise every app goes back to
// its previous version (Marathon's rollback: PUT {"version": v}) and apps
// the new version added are removed.
func (in *Installer) rollbackUpgrade(ctx context.Context, plan *UpgradePlan, previous map[string]string, previousGroup map[string]any) error {
	mc := in.cfg.Marathon
	if previousGroup != nil {
		r, err := mc.UpdateGroup(ctx, plan.AppID, previousGroup, marathon.GroupOptions{Force: true})
		if err != nil {
			return fmt.Errorf("%s: %w", plan.AppID, err)
		}
		if r != nil && r.DeploymentID != "" {
			if err := mc.WaitForDeployment(ctx, r.DeploymentID); err != nil {
				return fmt.Errorf("%s: %w", plan.AppID, err)
			}
		}
		in.event(Event{Type: "rollback", Package: plan.Name, AppID: plan.AppID, State: "restored"})
		return nil
	}
	var errs []error
	for _, a := range plan.apps {
		v, ok := previous[a.ID]
		var r *marathon.DeploymentResult
		var err error
		if ok {
			r, err = mc.UpdateApp(ctx, a.ID, map[string]any{"version": v}, marathon.UpdateOptions{Force: true})
		} else {
			r, err = mc.DeleteApp(ctx, a.ID, true)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a.ID, err))
			continue
		}
		if r != nil && r.DeploymentID != "" {
			if err := mc.WaitForDeployment(ctx, r.DeploymentID); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", a.ID, err))
			}
		}
		in.event(Event{Type: "rollback", Package: plan.Name, AppID: a.ID, State: "restored"})
	}
	return errors.Join(errs...)
}

// previousDoc is the installed package's Marathon JSON as rendered, for
// the diff, with secrets redacted: its revision re-rendered with the
// options it was installed with (secrets stored redacted render as their
// markers) when the repositories still have it (so the diff shows what the
// package changes, not Marathon's defaults), else its apps' definitions.
// Those carry the deployed secrets in clear, and universe does not know
// those it stored redacted: every value at a place where the new document
// (next) holds a secret is redacted. It also returns the secrets it knows
// of.
func (in *Installer) previousDoc(ctx context.Context, cur *Package, rev *repo.Revision, apps []marathon.App, deps map[string]map[string]any, labels map[string]string, next *render.Result) (map[string]any, *render.Secrets) {
	known := cur.Secrets().Add(next.Secrets)
	if rev != nil {
		res, err := render.Render(ctx, render.Request{Revision: rev, Options: cur.options, AppID: cur.AppID, Source: cur.Source,
			Dependencies: deps, Secrets: known, Redacted: true, SkipValidation: true})
		if err == nil {
			decorate(res.Value, res.Group, labels)
			return res.Secrets.Value(res.Value).(map[string]any), res.Secrets
		}
	}
	doc := currentDoc(cur, apps)
	redactLike(doc, next.Value, known)
	v, _ := known.Value(doc).(map[string]any)
	return v, known
}

// redactLike redacts, in old, each string at a place where new holds a
// string with a secret in it: as the new string is redacted when they are
// the same, else wholly.
func redactLike(old, new any, s *render.Secrets) {
	redact := func(ov, nv any) (any, bool) {
		ns, ok := nv.(string)
		if !ok {
			return nil, false
		}
		if os, ok := ov.(string); ok && s.String(ns) != ns {
			if os == ns {
				return s.String(ns), true
			}
			return "<secret: redacted, as the new value holds a secret here>", true
		}
		return nil, true
	}
	switch n := new.(type) {
	case map[string]any:
		if o, ok := old.(map[string]any); ok {
			for k, nv := range n {
				if r, isStr := redact(o[k], nv); r != nil {
					o[k] = r
				} else if !isStr {
					redactLike(o[k], nv, s)
				}
			}
		}
	case []any:
		if o, ok := old.([]any); ok {
			for i := range min(len(o), len(n)) {
				if r, isStr := redact(o[i], n[i]); r != nil {
					o[i] = r
				} else if !isStr {
					redactLike(o[i], n[i], s)
				}
			}
		}
	}
}

// currentDoc is the installed package's Marathon JSON as the new one would
// be written: its apps' definitions without the runtime fields.
func currentDoc(p *Package, apps []marathon.App) map[string]any {
	defs := map[string]map[string]any{}
	for _, a := range p.apps {
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(a.Raw))
		d.UseNumber()
		if d.Decode(&m) != nil {
			continue
		}
		for _, k := range []string{"version", "versionInfo", "tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy", "deployments", "tasks", "lastTaskFailure", "readinessCheckResults", "taskStats"} {
			delete(m, k)
		}
		defs[a.ID] = m
	}
	if !p.Group {
		for _, m := range defs {
			return m
		}
		return nil
	}
	var list []any
	for _, id := range p.Apps {
		list = append(list, defs[id])
	}
	return map[string]any{"id": p.AppID, "apps": list}
}

// jsonDiff is a unified-style line diff of two documents, indented, with
// label values over 80 bytes shortened to their length and digest.
func jsonDiff(a, b map[string]any) string {
	la := strings.Split(indentJSON(shorten(a)), "\n")
	lb := strings.Split(indentJSON(shorten(b)), "\n")
	// Longest common subsequence, fine for documents of a few hundred lines.
	n, m := len(la), len(lb)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if la[i] == lb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && la[i] == lb[j]:
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + la[i] + "\n")
			i++
		default:
			out.WriteString("+ " + lb[j] + "\n")
			j++
		}
	}
	return out.String()
}

// indentJSON is v indented, <, > and & as they are (markers readable).
func indentJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

func shorten(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if s, ok := x.(string); ok && len(s) > 80 && k != "cmd" {
				sum := sha256.Sum256([]byte(s))
				out[k] = fmt.Sprintf("<%d bytes, sha256 %s>", len(s), hex.EncodeToString(sum[:6]))
				continue
			}
			out[k] = shorten(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = shorten(x)
		}
		return out
	}
	return v
}
