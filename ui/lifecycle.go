package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/render"
)

// installedPackage is a row of the installed services (the options it was
// installed with are left out: they may hold secrets).
type installedPackage struct {
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	AppID     string   `json:"appId"`
	Group     bool     `json:"group,omitempty"`
	Apps      []string `json:"apps"`
	Health    string   `json:"health"`
	Instances int      `json:"instances"`
	Running   int      `json:"running"`
	Healthy   int      `json:"healthy"`
	// DependsOn are the packages it depends on, "name (app id)"; RequiredBy
	// the app ids of the packages depending on it.
	DependsOn  []string `json:"dependsOn"`
	RequiredBy []string `json:"requiredBy"`
	Install    string   `json:"install,omitempty"`
	// SecretOptions are the JSON pointers of secret options universe
	// stored redacted: an upgrade must be given their values again.
	SecretOptions []string `json:"secretOptions"`
}

func (s *Server) apiInstalled(w http.ResponseWriter, r *http.Request) {
	in, err := s.newInstaller(nil, "")
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	pkgs, err := in.List(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, err)
		return
	}
	out := make([]installedPackage, 0, len(pkgs))
	for _, p := range pkgs {
		ip := installedPackage{
			Name: p.Name, Version: p.Version, AppID: p.AppID, Group: p.Group, Apps: p.Apps,
			Health: p.Health, Instances: p.Instances, Running: p.Running, Healthy: p.Healthy,
			DependsOn: []string{}, RequiredBy: []string{}, Install: p.Install,
			SecretOptions: render.RedactedOptions(p.Options),
		}
		if ip.SecretOptions == nil {
			ip.SecretOptions = []string{}
		}
		if ip.Apps == nil {
			ip.Apps = []string{}
		}
		for _, name := range sortedKeys(p.Dependencies) {
			ip.DependsOn = append(ip.DependsOn, name+" ("+p.Dependencies[name]+")")
		}
		ip.RequiredBy = append(ip.RequiredBy, p.Dependents...)
		out = append(out, ip)
	}
	writeJSON(w, http.StatusOK, map[string]any{"packages": out})
}

// uninstallRequest is the body of POST /api/installed/{name}/uninstall.
type uninstallRequest struct {
	AppID string `json:"appId,omitempty"`
	// Cascade also removes the packages depending on it.
	Cascade bool `json:"cascade,omitempty"`
	// DryRun answers what would be removed and removes nothing.
	DryRun bool `json:"dryRun,omitempty"`
}

// uninstallResponse says what an uninstall removes (dry run) or removed.
type uninstallResponse struct {
	// Remove are the packages to remove, in removal order (dry run).
	Remove []installedPackage `json:"remove,omitempty"`
	// Dependents are the packages depending on it, "name (app id)", when
	// it was refused for them (without cascade).
	Dependents []string            `json:"dependents,omitempty"`
	Removed    []installer.Removed `json:"removed,omitempty"`
	Error      string              `json:"error,omitempty"`
}

func (s *Server) apiUninstall(w http.ResponseWriter, r *http.Request) {
	var req uninstallRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	in, err := s.newInstaller(nil, "")
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	var out uninstallResponse
	ur := installer.UninstallRequest{Name: r.PathValue("name"), AppID: req.AppID, Cascade: req.Cascade}
	if req.DryRun {
		ur.Confirm = func(_ context.Context, pkgs []*installer.Package) (bool, error) {
			for _, p := range pkgs {
				out.Remove = append(out.Remove, installedPackage{Name: p.Name, Version: p.Version, AppID: p.AppID})
			}
			return false, nil
		}
	}
	// An uninstall the user confirmed finishes even if the page goes away.
	ctx := context.WithoutCancel(r.Context())
	if req.DryRun {
		ctx = r.Context()
	}
	res, err := in.Uninstall(ctx, ur)
	if res != nil {
		out.Removed = res.Removed
	}
	var de *installer.DependentsError
	var ae *installer.AmbiguousError
	switch {
	case errors.As(err, &de):
		out.Dependents, out.Error = de.Dependents, err.Error()
		writeJSON(w, http.StatusConflict, out)
	case errors.As(err, &ae):
		out.Error = err.Error()
		writeJSON(w, http.StatusConflict, out)
	case err != nil:
		out.Error = err.Error()
		status := statusOf(err)
		if status == http.StatusInternalServerError {
			status = http.StatusBadGateway
		}
		writeJSON(w, status, out)
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// upgradeRequest is the body of POST /api/installed/{name}/upgrade.
type upgradeRequest struct {
	AppID string `json:"appId,omitempty"`
	// Version is the target version; the newest when empty.
	Version string         `json:"version,omitempty"`
	Options map[string]any `json:"options,omitempty"`
	// Secrets are values for secret options by JSON pointer (those the
	// installed package lists in secretOptions), set over Options.
	Secrets map[string]string `json:"secrets,omitempty"`
	// DryRun answers the plan and its Marathon JSON diff, changing nothing.
	DryRun bool `json:"dryRun,omitempty"`
}

func (s *Server) apiUpgrade(w http.ResponseWriter, r *http.Request) {
	var req upgradeRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	name := r.PathValue("name")
	in, err := s.newInstaller(nil, "")
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	if req.DryRun {
		ctx = r.Context()
	}
	opts, err := withSecrets(req.Options, req.Secrets)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	res, err := in.Upgrade(ctx, installer.UpgradeRequest{Name: name, AppID: req.AppID, Version: req.Version, Options: opts, DryRun: req.DryRun})
	// The installer hides secret options in the plan's diff and Marathon
	// JSON (render.Marker).
	if err != nil {
		var re *installer.UpgradeRefusedError
		status := statusOf(err)
		if errors.As(err, &re) {
			status = http.StatusConflict
		} else if status == http.StatusInternalServerError {
			status = http.StatusBadGateway
		}
		body := map[string]any{"error": err.Error()}
		if res != nil {
			body["result"] = res
		}
		writeJSON(w, status, body)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// withSecrets returns options with each secret value set at its JSON
// pointer, objects created on the way.
func withSecrets(options map[string]any, secrets map[string]string) (map[string]any, error) {
	if len(secrets) == 0 {
		return options, nil
	}
	out := render.Merge(map[string]any{}, options)
	for _, ptr := range sortedKeys(secrets) {
		toks := strings.Split(ptr, "/")
		if ptr == "" || toks[0] != "" {
			return nil, fmt.Errorf(`request body: "secrets": %q is not a JSON pointer to an option`, ptr)
		}
		cur := out
		for i, t := range toks[1:] {
			t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
			if i == len(toks)-2 {
				cur[t] = secrets[ptr]
				break
			}
			next, ok := cur[t].(map[string]any)
			if !ok {
				if _, exists := cur[t]; exists {
					return nil, fmt.Errorf(`request body: "secrets": %s runs through a value that is not an object`, ptr)
				}
				next = map[string]any{}
				cur[t] = next
			}
			cur = next
		}
	}
	return out, nil
}
