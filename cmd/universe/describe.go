package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/repo/index"
)

type describeOptions struct {
	config   string
	output   string
	version  string
	versions bool
	options  bool
	// render prints the Marathon JSON the package installs, with the
	// option flags below, as 'universe render' does.
	render bool
	ro     renderOptions
}

func newDescribeCmd(app *App) *cobra.Command {
	o := &describeOptions{}
	cmd := &cobra.Command{
		Use:   "describe NAME [--package-version V] [--package-versions] [--config] [--render [--options FILE] [--set k=v]...]",
		Short: "Show a package from the configured repositories",
		Long: `Describe resolves NAME as Cosmos does: the highest-priority repository that
has it, at its highest releaseVersion, or the revision whose version is
exactly --package-version. --package-versions lists every version in every
repository; --config prints the package's options as path, type, default
and description (-o json: the raw config schema); --render prints the
Marathon JSON it installs with the options given, as 'universe render' does.`,
		Example: `  universe describe cassandra
  universe describe cassandra --package-version 4.1.5 --config
  universe describe cassandra --package-versions -o json
  universe describe spark --render --set service.cpus=2`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.output {
			case "text", "json":
			default:
				return usagef("unknown output format %q: use text or json", o.output)
			}
			cat, err := openCatalog(cmd.Context(), app, o.config)
			if err != nil {
				return err
			}
			defer printCatalogWarnings(app, cat)
			if o.versions {
				vs, err := cat.Versions(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return o.writeVersions(app.Stdout, vs)
			}
			rev, from, err := cat.Resolve(cmd.Context(), args[0], o.version)
			if err != nil {
				return err
			}
			if o.options {
				return o.writeOptions(app.Stdout, rev)
			}
			if o.render {
				o.ro.repoConfig, o.ro.version = o.config, o.version
				o.ro.output = "pretty"
				if o.output == "json" {
					o.ro.output = "json"
				}
				return o.ro.run(cmd, app, args[0])
			}
			return o.writePackage(app.Stdout, rev, from)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "repo-config", "", "configuration file (default $UNIVERSE_CONFIG or $XDG_CONFIG_HOME/universe/config.json)")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.StringVar(&o.version, "package-version", "", "the exact version to describe")
	f.BoolVar(&o.versions, "package-versions", false, "list the versions of the package")
	f.BoolVar(&o.options, "config", false, "show the package's configuration options")
	f.BoolVar(&o.render, "render", false, "print the Marathon JSON the package installs (with --options, --set, --set-file, --app-id)")
	o.ro.opts.add(f, "with --render: ")
	f.StringVar(&o.ro.appID, "app-id", "", "with --render: the Marathon app (or group) id to use instead of the template's")
	return cmd
}

func (o *describeOptions) writeVersions(w io.Writer, vs []catalog.Located) error {
	if o.output == "json" {
		return writeJSON(w, vs)
	}
	tw, flush := tableWriter(w, "VERSION", "RELEASE", "REPOSITORY")
	for _, v := range vs {
		if v.Yanked {
			v.Version += " (yanked)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", v.Version, v.Release, v.Repository)
	}
	return flush()
}

func (o *describeOptions) writePackage(w io.Writer, rev *repo.Revision, from string) error {
	meta := rev.Meta()
	if o.output == "json" {
		out := map[string]any{
			"repository":     from,
			"releaseVersion": rev.Release,
			"package":        json.RawMessage(rev.PackageJSON.Data),
		}
		if rev.Resource != nil {
			out["resource"] = json.RawMessage(rev.Resource.Data)
		}
		return writeJSON(w, out)
	}
	str := func(k string) string {
		switch v := meta[k].(type) {
		case string:
			return v
		case nil:
			return ""
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	rows := [][2]string{
		{"name", rev.Name},
		{"version", rev.Version.String()},
		{"releaseVersion", strconv.Itoa(rev.Release)},
		{"packagingVersion", rev.PackagingVersion},
		{"repository", from},
		{"description", str("description")},
		{"maintainer", str("maintainer")},
		{"website", str("website")},
		{"scm", str("scm")},
		{"tags", strings.Join(stringsOf(meta["tags"]), ", ")},
		{"selected", str("selected")},
		{"framework", str("framework")},
		{"minDcosReleaseVersion", rev.MinDcosReleaseVersion},
		{"upgradesFrom", strings.Join(rev.UpgradesFrom, ", ")},
		{"downgradesTo", strings.Join(rev.DowngradesTo, ", ")},
	}
	var deps []string
	for _, d := range rev.Dependencies {
		s := d.Name
		if d.Range != "" {
			s += " " + d.Range
		}
		if d.Optional {
			s += " (optional)"
		}
		deps = append(deps, s)
	}
	rows = append(rows, [2]string{"dependencies", strings.Join(deps, ", ")})
	var lic []string
	if ls, ok := meta["licenses"].([]any); ok {
		for _, l := range ls {
			if m, ok := l.(map[string]any); ok {
				lic = append(lic, fmt.Sprintf("%v (%v)", m["name"], m["url"]))
			}
		}
	}
	rows = append(rows, [2]string{"licenses", strings.Join(lic, ", ")},
		[2]string{"preInstallNotes", str("preInstallNotes")},
		[2]string{"postInstallNotes", str("postInstallNotes")},
		[2]string{"postUninstallNotes", str("postUninstallNotes")})
	term := isTerminalWriter(w)
	tw := w
	var flush func() error = func() error { return nil }
	if term {
		t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		tw, flush = t, t.Flush
	}
	for _, r := range rows {
		if r[1] == "" {
			continue
		}
		v := r[1]
		if term {
			v = strings.ReplaceAll(v, "\n", "\n\t")
		} else {
			v = strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(v)
		}
		fmt.Fprintf(tw, "%s\t%s\n", r[0], v)
	}
	return flush()
}

func stringsOf(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// writeOptions prints the config schema as one row per option: its
// dotted path, type, default and description, in file order.
func (o *describeOptions) writeOptions(w io.Writer, rev *repo.Revision) error {
	if rev.Config == nil {
		if o.output == "json" {
			_, err := io.WriteString(w, "{}\n")
			return err
		}
		fmt.Fprintf(w, "package %s %s has no configuration options\n", rev.Name, rev.Version)
		return nil
	}
	cfg, _ := rev.Config.Object()
	redacted := render.RedactConfig(cfg)
	hidden := !reflect.DeepEqual(cfg, redacted)
	if o.output == "json" {
		data := rev.Config.Data
		if hidden {
			// Re-encoded (keys sorted) only when a secret default is hidden.
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(redacted); err != nil {
				return err
			}
			data = buf.Bytes()
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			_, err := io.WriteString(w, "\n")
			return err
		}
		return nil
	}
	v, err := index.Parse(rev.Config.Data)
	if err != nil {
		return fmt.Errorf("%s: %w", rev.Config.Path, err)
	}
	tw, flush := tableWriter(w, "OPTION", "TYPE", "DEFAULT", "DESCRIPTION")
	term := isTerminalWriter(w)
	// orig and red follow schema in config.json as decoded, and redacted.
	var walk func(prefix string, schema *index.Object, orig, red map[string]any)
	walk = func(prefix string, schema *index.Object, orig, red map[string]any) {
		origProps, _ := orig["properties"].(map[string]any)
		redProps, _ := red["properties"].(map[string]any)
		pv, _ := schema.Get("properties")
		props, ok := pv.(*index.Object)
		if !ok {
			return
		}
		for i, k := range props.Keys {
			p, ok := props.Vals[i].(*index.Object)
			if !ok {
				continue
			}
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			typ := ""
			if t, ok := p.Get("type"); ok {
				typ = compactJSON(t)
			}
			origP, _ := origProps[k].(map[string]any)
			redP, _ := redProps[k].(map[string]any)
			def := ""
			if d, ok := p.Get("default"); ok {
				def = compactJSON(d)
				if rd := redP["default"]; hidden && !reflect.DeepEqual(rd, origP["default"]) {
					def, _ = rd.(string)
					if _, isStr := rd.(string); !isStr {
						b, _ := json.Marshal(rd)
						def = string(b)
					}
				}
			}
			desc := strings.Join(strings.Fields(p.String("description")), " ")
			if term && len(def) > 40 {
				def = def[:37] + "..."
			}
			if term && len(desc) > 80 {
				desc = desc[:77] + "..."
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", path, typ, def, desc)
			walk(path, p, origP, redP)
		}
	}
	if root, ok := v.(*index.Object); ok {
		walk("", root, cfg, redacted)
	}
	return flush()
}

// compactJSON shows a schema value: strings bare, anything else as JSON.
func compactJSON(v any) string {
	if s, ok := v.(string); ok {
		return strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(s)
	}
	return string(index.Append(nil, v))
}
