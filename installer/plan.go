package installer

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
)

// Plan is what an install will do: the packages, each with its version,
// rendered Marathon JSON and wave. Dependencies come in earlier waves;
// packages of one wave deploy in parallel. Reused packages are installed
// already and have wave -1.
type Plan struct {
	Install  string    `json:"install"`
	Packages []Planned `json:"packages"`
	// Waves is the number of waves to deploy.
	Waves int `json:"waves"`

	// secrets are the secret option values of every planned package
	// (config.json's secret options, defaults included), which the plan's
	// Marathon JSON, its events and its errors show redacted.
	secrets *render.Secrets
	// options are the request's options as the journal records them:
	// secrets replaced by markers.
	options map[string]any
}

// Planned is one package of a plan.
type Planned struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Release    int    `json:"releaseVersion,omitempty"`
	Repository string `json:"repository,omitempty"`
	// AppID is the app's id, or the group's for a group package.
	AppID string `json:"appId"`
	Group bool   `json:"group,omitempty"`
	Wave  int    `json:"wave"`
	// Action is install, or reuse for a dependency already installed.
	Action string `json:"action"`
	// WaitsFor are the packages this one depends on.
	WaitsFor []string     `json:"waitsFor,omitempty"`
	Apps     []PlannedApp `json:"apps,omitempty"`
	// Marathon is the app or group to create (with its labels), secret
	// option values replaced by markers (see render.Marker); what is
	// deployed carries them in clear.
	Marathon         json.RawMessage `json:"marathon,omitempty"`
	PreInstallNotes  string          `json:"preInstallNotes,omitempty"`
	PostInstallNotes string          `json:"postInstallNotes,omitempty"`

	doc    map[string]any
	merged map[string]any
}

// PlannedApp is one Marathon app of a planned package.
type PlannedApp struct {
	ID        string   `json:"id"`
	CPUs      float64  `json:"cpus"`
	Mem       float64  `json:"mem"`
	Instances int      `json:"instances"`
	DependsOn []string `json:"dependencies,omitempty"`
}

// Package returns the planned package called name.
func (p *Plan) Package(name string) (*Planned, bool) {
	for i := range p.Packages {
		if p.Packages[i].Name == name {
			return &p.Packages[i], true
		}
	}
	return nil, false
}

// ToInstall returns the packages to create, in wave order.
func (p *Plan) ToInstall() []*Planned {
	var out []*Planned
	for i := range p.Packages {
		if p.Packages[i].Action == "install" {
			out = append(out, &p.Packages[i])
		}
	}
	return out
}

// clusterState is what planning reads from the cluster.
type clusterState struct {
	pkgs []*Package
	apps []marathon.App
}

func (cs *clusterState) byName() map[string]*Package {
	m := map[string]*Package{}
	for _, p := range cs.pkgs {
		if _, dup := m[p.Name]; !dup {
			m[p.Name] = p
		}
	}
	return m
}

// plan resolves and renders. ignore names installed packages created by
// the install being resumed, which are planned again (and adopted).
func (in *Installer) plan(ctx context.Context, req *Request, id string, cs *clusterState) (*Plan, error) {
	if in.cfg.Source == nil {
		return nil, fmt.Errorf("installer: no package source")
	}
	installed := map[string]resolve.Installed{}
	ignore := map[string]bool{}
	byName := cs.byName()
	for name, p := range byName {
		if id != "" && p.Install == id {
			ignore[name] = true
			continue
		}
		installed[name] = resolve.Installed{Name: name, Version: p.installedVersion(), AppID: p.AppID}
	}
	// Another instance of the requested package, under another app id, is
	// a new install (as with Cosmos), not a reuse.
	if p := byName[req.Name]; p != nil && req.AppID != "" && marathon.ResolveID(req.AppID, "/") != p.AppID {
		delete(installed, req.Name)
		ignore[req.Name] = true
	}
	sol, err := resolve.Resolve(ctx, in.cfg.Source, resolve.Request{
		Name: req.Name, Version: req.Version, Installed: installed, Ignore: ignore,
	})
	if err != nil {
		return nil, err
	}
	return in.render(ctx, req, id, sol, byName, ignore)
}

func (in *Installer) render(ctx context.Context, req *Request, id string, sol *resolve.Solution, byName map[string]*Package, ignore map[string]bool) (*Plan, error) {
	plan := &Plan{Install: id, secrets: &render.Secrets{}}
	merged := map[string]map[string]any{}
	appIDs := map[string]string{}
	for _, c := range sol.Choices {
		if c.Installed != nil {
			p := byName[c.Name]
			plan.Packages = append(plan.Packages, Planned{
				Name: c.Name, Version: c.Version.String(), AppID: c.Installed.AppID, Wave: -1, Action: "reuse",
				merged: p.Merged(), Apps: reusedApps(p),
			})
			merged[c.Name] = p.Merged()
			appIDs[c.Name] = c.Installed.AppID
			plan.secrets = plan.secrets.Add(p.Secrets())
			if c.Name == req.Name {
				plan.options = render.RedactOptions(p.config(), req.Options)
			}
			continue
		}
		rev := c.Revision
		deps := map[string]map[string]any{}
		depIDs := map[string]string{}
		for _, d := range c.Dependencies {
			deps[d] = merged[d]
			depIDs[d] = appIDs[d]
		}
		// The dependencies' secrets reach the template as dependencies.*.
		rr := render.Request{Revision: rev, Source: in.sourceURI(c.Repository), Dependencies: deps, Secrets: plan.secrets}
		if c.Name == req.Name {
			rr.Options, rr.AppID = req.Options, req.AppID
			var config map[string]any
			if rev.Config != nil {
				config, _ = rev.Config.Object()
			}
			plan.options = render.RedactOptions(config, req.Options)
		}
		res, err := render.Render(ctx, rr)
		if err != nil {
			return nil, fmt.Errorf("rendering %s %s: %w", c.Name, c.Version, err)
		}
		plan.secrets = res.Secrets
		doc := res.Value
		pl := Planned{
			Name: c.Name, Version: c.Version.String(), Release: rev.Release, Repository: c.Repository,
			Group: res.Group, Wave: c.Wave, Action: "install", WaitsFor: c.Dependencies,
			doc: doc, merged: res.Merged,
		}
		pl.AppID, _ = doc["id"].(string)
		pl.AppID = marathon.ResolveID(pl.AppID, "/")
		labels := map[string]string{LabelInstall: id}
		if len(depIDs) > 0 {
			labels[LabelDependencies] = formatDeps(depIDs)
		}
		pl.Apps = decorate(doc, res.Group, labels)
		meta := rev.Meta()
		pl.PreInstallNotes, _ = meta["preInstallNotes"].(string)
		pl.PostInstallNotes, _ = meta["postInstallNotes"].(string)
		merged[c.Name] = res.Merged
		appIDs[c.Name] = pl.AppID
		plan.Packages = append(plan.Packages, pl)
		if c.Wave+1 > plan.Waves {
			plan.Waves = c.Wave + 1
		}
	}
	// Every package's JSON is shown redacted by every package's secrets:
	// a dependency's secret may be rendered into its dependent.
	for i := range plan.Packages {
		if p := &plan.Packages[i]; p.doc != nil {
			p.Marathon = jsonRaw(plan.secrets.Value(p.doc))
		}
	}
	plan.options = plan.secrets.Value(plan.options).(map[string]any)
	return plan, nil
}

func (in *Installer) sourceURI(repository string) string {
	if in.cfg.SourceURI != nil {
		return in.cfg.SourceURI(repository)
	}
	return repository
}

// decorate adds labels to every app of doc and returns the apps with their
// absolute ids and resources.
func decorate(doc map[string]any, group bool, labels map[string]string) []PlannedApp {
	var out []PlannedApp
	add := func(app map[string]any, base string) {
		l, _ := app["labels"].(map[string]any)
		if l == nil {
			l = map[string]any{}
		}
		for k, v := range labels {
			l[k] = v
		}
		app["labels"] = l
		id, _ := app["id"].(string)
		pa := PlannedApp{ID: marathon.ResolveID(id, base), CPUs: num(app["cpus"], 1), Mem: num(app["mem"], 128), Instances: int(num(app["instances"], 1))}
		for _, d := range anyList(app["dependencies"]) {
			if s, ok := d.(string); ok {
				pa.DependsOn = append(pa.DependsOn, marathon.ResolveID(s, marathon.ParentID(pa.ID)))
			}
		}
		out = append(out, pa)
	}
	if !group {
		add(doc, "/")
		return out
	}
	var walk func(g map[string]any, base string)
	walk = func(g map[string]any, base string) {
		gid, _ := g["id"].(string)
		gid = marathon.ResolveID(gid, base)
		for _, a := range anyList(g["apps"]) {
			if app, ok := a.(map[string]any); ok {
				add(app, gid)
			}
		}
		for _, s := range anyList(g["groups"]) {
			if sub, ok := s.(map[string]any); ok {
				walk(sub, gid)
			}
		}
	}
	walk(doc, "/")
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

func num(v any, def float64) float64 {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		if err == nil {
			return f
		}
	case float64:
		return n
	case int:
		return float64(n)
	}
	return def
}

// preflight checks the plan against the cluster before anything is
// created: ids taken by something else, and room for the new tasks.
func (in *Installer) preflight(ctx context.Context, plan *Plan, cs *clusterState) error {
	var problems []string
	existing := map[string]marathon.App{}
	for _, a := range cs.apps {
		existing[a.ID] = a
	}
	var cpus, mem, bigCPU, bigMem float64
	for _, p := range plan.ToInstall() {
		for _, a := range p.Apps {
			if e, ok := existing[a.ID]; ok && e.Labels[LabelInstall] != plan.Install {
				what := "an app that is not from a package"
				if n := e.Labels[render.LabelName]; n != "" {
					what = fmt.Sprintf("package %s %s", n, e.Labels[render.LabelVersion])
				}
				problems = append(problems, fmt.Sprintf("%s: app id %s is taken by %s; choose another with --app-id or remove it", p.Name, a.ID, what))
			}
			cpus += a.CPUs * float64(a.Instances)
			mem += a.Mem * float64(a.Instances)
			bigCPU, bigMem = max(bigCPU, a.CPUs), max(bigMem, a.Mem)
		}
		if p.Group {
			for id, e := range existing {
				if strings.HasPrefix(id, p.AppID+"/") && e.Labels[LabelInstall] != plan.Install && !hasApp(p.Apps, id) {
					problems = append(problems, fmt.Sprintf("%s: group %s already holds app %s; choose another id with --app-id", p.Name, p.AppID, id))
				}
			}
		}
	}
	if in.cfg.Capacity != nil && len(problems) == 0 {
		c, err := in.cfg.Capacity(ctx)
		if err != nil {
			return fmt.Errorf("reading the cluster's capacity: %w", err)
		}
		if c != nil {
			if cpus > c.CPUs+1e-9 || mem > c.Mem+1e-9 {
				problems = append(problems, fmt.Sprintf("not enough room: the install needs %.1f cpus and %.0f MiB, the cluster has %.1f cpus and %.0f MiB free", cpus, mem, c.CPUs, c.Mem))
			} else if bigCPU > c.LargestCPUs+1e-9 || bigMem > c.LargestMem+1e-9 {
				problems = append(problems, fmt.Sprintf("not enough room: a task needs %.1f cpus and %.0f MiB, the largest free agent has %.1f cpus and %.0f MiB", bigCPU, bigMem, c.LargestCPUs, c.LargestMem))
			}
		}
	}
	if len(problems) > 0 {
		return &PreflightError{Problems: problems}
	}
	return nil
}

func hasApp(apps []PlannedApp, id string) bool {
	for _, a := range apps {
		if a.ID == id {
			return true
		}
	}
	return false
}

func reusedApps(p *Package) []PlannedApp {
	out := make([]PlannedApp, len(p.apps))
	for i, a := range p.apps {
		out[i] = PlannedApp{ID: a.ID, CPUs: a.CPUs, Mem: a.Mem, Instances: a.Instances}
	}
	return out
}
