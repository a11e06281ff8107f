package installer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/repo"
)

// Labels of ours, set on every app an install creates next to Cosmos's
// DCOS_PACKAGE_* labels.
const (
	// LabelInstall is the id of the install that created the app, so that
	// a rollback or a resumed install finds exactly what it created.
	LabelInstall = "UNIVERSE_INSTALL"
	// LabelDependencies records the dependency edges: the packages this one
	// was rendered against, "name=/app-id" joined with commas.
	LabelDependencies = "UNIVERSE_DEPENDENCIES"
)

// Package is an installed package as discovered from Marathon's labels,
// the way DC/OS Cosmos lists packages: every app with DCOS_PACKAGE_NAME and
// a decodable DCOS_PACKAGE_DEFINITION; the apps of a package that renders
// a group are one package, named by the group's id.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// AppID is the app's id, or the group's for a group package.
	AppID  string   `json:"appId"`
	Group  bool     `json:"group,omitempty"`
	Apps   []string `json:"apps"`
	Source string   `json:"source,omitempty"`
	// Health is healthy, deploying, unhealthy or suspended.
	Health    string `json:"health"`
	Instances int    `json:"instances"`
	Running   int    `json:"running"`
	Healthy   int    `json:"healthy"`
	// Dependencies maps each package this one depends on to its app id
	// (recorded by universe at install; empty for DC/OS-installed apps).
	Dependencies map[string]string `json:"dependencies,omitempty"`
	// Dependents are the app ids of installed packages depending on this one.
	Dependents []string `json:"dependents,omitempty"`
	// Install is the id of the universe install that created it.
	Install string `json:"install,omitempty"`
	// Options are the user-supplied options it was installed with, with
	// the options its config.json marks secret replaced by markers
	// (render.RedactOptions): universe stores them so in
	// DCOS_PACKAGE_OPTIONS, and redacts them here when another tool
	// (DC/OS Cosmos) stored them in clear.
	Options map[string]any `json:"options,omitempty"`

	// options are the options as DCOS_PACKAGE_OPTIONS holds them: secrets
	// redacted when universe installed the package, in clear when Cosmos
	// did (and then reused exactly by an upgrade).
	options    map[string]any
	definition map[string]any
	apps       []marathon.App
}

// Definition returns the package JSON stored in DCOS_PACKAGE_DEFINITION.
func (p *Package) Definition() map[string]any { return p.definition }

// Merged returns the package's merged options: its stored config.json
// defaults overlaid with the options it was installed with. Secret options
// are in clear where the label holds them so (see Options), and markers
// where universe redacted them; Secrets lists the values in clear.
func (p *Package) Merged() map[string]any {
	return render.Merge(render.Defaults(p.config()), p.options)
}

// Secrets returns the secret values in Merged, for redaction.
func (p *Package) Secrets() *render.Secrets {
	return render.FindSecrets(p.config(), p.Merged())
}

func (p *Package) config() map[string]any {
	cfg, _ := p.definition["config"].(map[string]any)
	return cfg
}

// Notes returns a notes field of the stored definition
// ("postInstallNotes", "postUninstallNotes").
func (p *Package) Notes(field string) string {
	s, _ := p.definition[field].(string)
	return s
}

// stringList returns a string array field of the stored definition.
func (p *Package) stringList(field string) []string {
	var out []string
	l, _ := p.definition[field].([]any)
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// FrameworkName is DCOS_PACKAGE_FRAMEWORK_NAME of the package's apps.
func (p *Package) FrameworkName() string {
	for _, a := range p.apps {
		if n := a.Labels["DCOS_PACKAGE_FRAMEWORK_NAME"]; n != "" {
			return n
		}
	}
	return ""
}

// discover lists the installed packages from all apps (sorted by name, then
// app id, as Cosmos sorts) and fills Dependents.
func discover(ctx context.Context, mc *marathon.Client) ([]*Package, []marathon.App, error) {
	apps, err := mc.ListApps(ctx, marathon.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("listing apps: %w", err)
	}
	byID := map[string]*Package{}
	var out []*Package
	for _, a := range apps {
		name := a.Labels[render.LabelName]
		if name == "" {
			continue
		}
		_, def, err := render.DecodeDefinition(a.Labels[render.LabelDefinition])
		if err != nil {
			continue // as Cosmos: apps without a readable definition are not listed
		}
		id, group := a.ID, false
		if g := a.Labels[render.LabelGroup]; g != "" {
			id, group = g, true
		}
		p := byID[id]
		if p == nil {
			p = &Package{
				Name: name, Version: a.Labels[render.LabelVersion], AppID: id, Group: group,
				Source: a.Labels[render.LabelSource], Install: a.Labels[LabelInstall],
				Dependencies: parseDeps(a.Labels[LabelDependencies]),
				options:      decodeOptions(a.Labels[render.LabelOptions]),
				definition:   def,
			}
			p.Options = render.RedactOptions(p.config(), p.options)
			byID[id] = p
			out = append(out, p)
		}
		p.Apps = append(p.Apps, a.ID)
		p.apps = append(p.apps, a)
	}
	for _, p := range out {
		p.Health = health(p)
		sort.Strings(p.Apps)
	}
	for _, p := range out {
		for _, dep := range p.Dependencies {
			if d := byID[dep]; d != nil {
				d.Dependents = append(d.Dependents, p.AppID)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].AppID < out[j].AppID
	})
	for _, p := range out {
		sort.Strings(p.Dependents)
	}
	return out, apps, nil
}

func health(p *Package) string {
	h := "healthy"
	for _, a := range p.apps {
		p.Instances += a.Instances
		p.Running += a.TasksRunning
		if len(a.HealthChecks) > 0 {
			p.Healthy += a.TasksHealthy
		} else {
			p.Healthy += a.TasksRunning
		}
		switch ok, _ := marathon.AppReady(&a); {
		case a.Instances == 0:
			if h == "healthy" {
				h = "suspended"
			}
		case len(a.Deployments) > 0:
			h = "deploying"
		case !ok && h != "deploying":
			h = "unhealthy"
		}
	}
	return h
}

func parseDeps(s string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

func formatDeps(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}

func decodeOptions(label string) map[string]any {
	if label == "" {
		return nil
	}
	data, err := base64.StdEncoding.DecodeString(label)
	if err != nil {
		return nil
	}
	m, err := render.DecodeOptions(data)
	if err != nil || len(m) == 0 {
		return nil
	}
	return m
}

// installedVersion returns the package's version as a repo.Version.
func (p *Package) installedVersion() repo.Version { return repo.ParseVersion(p.Version) }

// List returns the installed packages, discovered from Marathon's labels as
// Cosmos does, with their health and dependency edges.
func (in *Installer) List(ctx context.Context) ([]*Package, error) {
	pkgs, _, err := discover(ctx, in.cfg.Marathon)
	return pkgs, err
}

// jsonRaw marshals v compactly, <, > and & as they are (markers such as
// <secret:/password> stay readable).
func jsonRaw(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
