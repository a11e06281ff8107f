package installer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/universe-pm/universe/marathon"
)

// UninstallRequest says what to uninstall.
type UninstallRequest struct {
	Name string
	// AppID picks one installed instance of Name.
	AppID string
	// All uninstalls every instance of Name.
	All bool
	// Cascade also uninstalls the packages depending on it, first.
	Cascade bool
	// Confirm is asked with the packages to remove, in removal order;
	// false declines. Nil proceeds.
	Confirm func(ctx context.Context, pkgs []*Package) (bool, error)
	// Timeout bounds the removal (5 min when 0).
	Timeout time.Duration
	// BreakLock takes locks held by other installs.
	BreakLock bool
}

// UninstallResult lists what was removed, in order.
type UninstallResult struct {
	Removed  []Removed `json:"removed"`
	Declined bool      `json:"declined,omitempty"`
}

// Removed is one uninstalled package.
type Removed struct {
	Name               string `json:"name"`
	Version            string `json:"version"`
	AppID              string `json:"appId"`
	PostUninstallNotes string `json:"postUninstallNotes,omitempty"`
	// Framework is the Mesos framework the package registered, which
	// removing the app does not tear down.
	Framework string `json:"framework,omitempty"`
}

// NotInstalledError is Cosmos's PackageNotInstalled and
// UninstallNonExistentAppForPackage.
type NotInstalledError struct{ Name, AppID string }

func (e *NotInstalledError) Error() string {
	if e.AppID != "" {
		return fmt.Sprintf("package %s with id %s is not installed", e.Name, e.AppID)
	}
	return fmt.Sprintf("package %s is not installed", e.Name)
}

// AmbiguousError is Cosmos's AmbiguousAppId.
type AmbiguousError struct {
	Name   string
	AppIDs []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("multiple apps named %s are installed: %s; choose one with --app-id or all with --all", e.Name, strings.Join(e.AppIDs, ", "))
}

// DependentsError refuses to remove a package others depend on.
type DependentsError struct {
	Package    string
	Dependents []string // "spark (/spark)"
}

func (e *DependentsError) Error() string {
	return fmt.Sprintf("%s is used by %s; uninstall them first, or use --cascade to uninstall them with it", e.Package, strings.Join(e.Dependents, ", "))
}

// find returns the installed packages called name (with appID, that one).
func find(pkgs []*Package, name, appID string) []*Package {
	var out []*Package
	for _, p := range pkgs {
		if p.Name == name && (appID == "" || p.AppID == marathon.ResolveID(appID, "/")) {
			out = append(out, p)
		}
	}
	return out
}

// Uninstall removes installed packages as `dcos package uninstall` does,
// but refuses when other packages depend on them unless Cascade, which
// removes those first. What it removes is planned again under the
// packages' locks, so that a dependent another universe installed
// meanwhile is never left without its dependency. Errors:
// *NotInstalledError, *AmbiguousError, *DependentsError, an error when
// the packages changed between the plan and the lock, or a Marathon
// failure.
func (in *Installer) Uninstall(ctx context.Context, req UninstallRequest) (*UninstallResult, error) {
	if req.Timeout <= 0 {
		req.Timeout = 5 * time.Minute
	}
	order, err := in.uninstallOrder(ctx, req)
	if err != nil {
		return nil, err
	}
	if req.Confirm != nil {
		ok, err := req.Confirm(ctx, order)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &UninstallResult{Declined: true}, nil
		}
	}
	if in.cfg.Journal != nil {
		var names []string
		for _, p := range order {
			names = append(names, p.Name)
		}
		held, _, err := in.cfg.Journal.Acquire(in.cfg.Cluster, "uninstall-"+in.cfg.NewID(), names, req.Timeout, req.BreakLock)
		if err != nil {
			return nil, err
		}
		defer in.cfg.Journal.Release(held)
		// Another universe may have installed a dependent (or removed
		// something) between the plan and the lock: plan again and
		// remove only what was confirmed.
		now, err := in.uninstallOrder(ctx, req)
		if err != nil {
			return nil, err
		}
		if !sameOrder(order, now) {
			return nil, fmt.Errorf("the packages to uninstall changed while the uninstall was planned (%s, now %s): run it again", describePackages(order), describePackages(now))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	res := &UninstallResult{}
	for _, p := range order {
		in.event(Event{Type: "package", Package: p.Name, Version: p.Version, AppID: p.AppID, State: "removing"})
		if err := in.remove(ctx, p); err != nil {
			return res, fmt.Errorf("uninstalling %s (%s): %w", p.Name, p.AppID, err)
		}
		in.event(Event{Type: "package", Package: p.Name, Version: p.Version, AppID: p.AppID, State: "removed"})
		res.Removed = append(res.Removed, Removed{Name: p.Name, Version: p.Version, AppID: p.AppID,
			PostUninstallNotes: p.Notes("postUninstallNotes"), Framework: p.FrameworkName()})
	}
	return res, nil
}

// uninstallOrder finds what req removes, in removal order: the matching
// packages and, with Cascade, their dependents, transitively.
func (in *Installer) uninstallOrder(ctx context.Context, req UninstallRequest) ([]*Package, error) {
	pkgs, _, err := discover(ctx, in.cfg.Marathon)
	if err != nil {
		return nil, err
	}
	matches := find(pkgs, req.Name, req.AppID)
	switch {
	case len(matches) == 0:
		return nil, &NotInstalledError{Name: req.Name, AppID: req.AppID}
	case len(matches) > 1 && !req.All:
		var ids []string
		for _, m := range matches {
			ids = append(ids, m.AppID)
		}
		return nil, &AmbiguousError{Name: req.Name, AppIDs: ids}
	}
	byID := map[string]*Package{}
	for _, p := range pkgs {
		byID[p.AppID] = p
	}
	set := map[string]*Package{}
	var outside []string
	var visit func(p *Package)
	visit = func(p *Package) {
		if set[p.AppID] != nil {
			return
		}
		set[p.AppID] = p
		for _, d := range p.Dependents {
			dp := byID[d]
			if dp == nil {
				continue
			}
			if !req.Cascade {
				outside = append(outside, fmt.Sprintf("%s (%s)", dp.Name, dp.AppID))
				continue
			}
			visit(dp)
		}
	}
	for _, m := range matches {
		visit(m)
	}
	if len(outside) > 0 {
		sort.Strings(outside)
		return nil, &DependentsError{Package: req.Name, Dependents: outside}
	}
	return removalOrder(set), nil
}

func sameOrder(a, b []*Package) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].AppID != b[i].AppID || a[i].Name != b[i].Name || a[i].Version != b[i].Version || a[i].Install != b[i].Install {
			return false
		}
	}
	return true
}

func describePackages(pkgs []*Package) string {
	var s []string
	for _, p := range pkgs {
		s = append(s, fmt.Sprintf("%s %s (%s)", p.Name, p.Version, p.AppID))
	}
	return strings.Join(s, ", ")
}

// remove deletes a package's app or group and waits for the deployment.
func (in *Installer) remove(ctx context.Context, p *Package) error {
	mc := in.cfg.Marathon
	var r *marathon.DeploymentResult
	var err error
	if p.Group {
		r, err = mc.DeleteGroup(ctx, p.AppID, marathon.GroupOptions{Force: true})
	} else {
		r, err = mc.DeleteApp(ctx, p.AppID, true)
	}
	if err != nil && !marathon.IsNotFound(err) {
		return err
	}
	if r != nil && r.DeploymentID != "" {
		return mc.WaitForDeployment(ctx, r.DeploymentID)
	}
	return nil
}

// removalOrder orders packages so that each comes after everything in the
// set that depends on it.
func removalOrder(set map[string]*Package) []*Package {
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	done := map[string]bool{}
	var out []*Package
	for len(out) < len(ids) {
		progressed := false
		for _, id := range ids {
			if done[id] {
				continue
			}
			ready := true
			for _, d := range set[id].Dependents {
				if set[d] != nil && !done[d] {
					ready = false
				}
			}
			if ready {
				done[id] = true
				out = append(out, set[id])
				progressed = true
			}
		}
		if !progressed { // a cycle of dependents: remove the rest as they come
			for _, id := range ids {
				if !done[id] {
					done[id] = true
					out = append(out, set[id])
				}
			}
		}
	}
	return out
}
