package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/repo/remote"
)

// builtinSource is DCOS_PACKAGE_SOURCE for packages of the built-in tree.
const builtinSource = "builtin:packages"

type renderOptions struct {
	version  string
	opts     optionFlags
	appID    string
	packages string
	output   string
	reveal   bool
	// repoConfig is the configuration file naming the repositories to
	// resolve in when --packages is not given.
	repoConfig string
}

func newRenderCmd(app *App) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render NAME",
		Short: "Print the Marathon JSON a package installs, as DC/OS Cosmos renders it",
		Long: `Render a package's Marathon app (or, for packagingVersion 6.0, group) the way
DC/OS Cosmos 0.6 does: config.json defaults, your options merged over them and
validated (every problem at once), the mustache template with Cosmos's rules,
the DCOS_PACKAGE_* labels, then Marathon's own validation rules.

NAME is resolved as Cosmos does in the configured repositories (see
'universe repo list'; the built-in packages by default), or in --packages DIR
(a Universe-layout tree): the highest release of the highest-priority
repository that has it, or the revision whose version is exactly
--package-version. A 6.0 package's dependencies are rendered with the
defaults of the newest version satisfying each range, from any repository
(an install uses the options they were installed with).

--set key.path=value sets one option; the value is JSON when it parses
(0.5, true, [1], "007") and a string otherwise. --set-file key.path=FILE
sets an option to a file's content. Both apply after --options FILE.

Options that config.json marks secret ("secret": true, or media
application/x-secret+string) are printed as markers such as
"<secret:/service/password>" wherever their values appear, defaults too;
--reveal-secrets prints the Marathon JSON exactly as it would be deployed,
secrets in clear. Errors never show them.`,
		Example: `  universe render spark
  universe render cassandra --set nodes.count=5 --set service.name=cass2 -o json
  universe render hdfs --options hdfs.json --app-id /prod/hdfs
  universe render mypkg --packages ./repo --package-version 1.2.0`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, app, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.version, "package-version", "", "the exact version to render (default: the highest release)")
	o.opts.add(f, "")
	f.StringVar(&o.appID, "app-id", "", "the Marathon app (or group) id to use instead of the template's")
	f.StringVar(&o.packages, "packages", "", "a package tree in the Universe layout (default: the built-in packages)")
	f.StringVarP(&o.output, "output", "o", "pretty", "output format: pretty (indented JSON) or json (compact)")
	f.StringVar(&o.repoConfig, "repo-config", "", "configuration file naming the repositories (default $UNIVERSE_CONFIG or $XDG_CONFIG_HOME/universe/config.json)")
	f.BoolVar(&o.reveal, "reveal-secrets", false, "print secret option values in clear (default: replaced by <secret:/option/pointer>)")
	return cmd
}

func (o *renderOptions) run(cmd *cobra.Command, app *App, name string) error {
	if o.output != "pretty" && o.output != "json" {
		return usagef("unknown output format %q: use pretty or json", o.output)
	}
	userOptions, err := o.opts.values()
	if err != nil {
		return err
	}
	var rev *repo.Revision
	var source string
	var deps map[string]map[string]any
	if o.packages != "" {
		rev, source, deps, err = o.fromTree(cmd.Context(), name)
	} else {
		rev, source, deps, err = o.fromRepositories(cmd.Context(), app, name)
	}
	if err != nil {
		return err
	}
	res, err := render.Render(cmd.Context(), render.Request{
		Revision: rev, Options: userOptions, AppID: o.appID, Source: source, Dependencies: deps,
	})
	if err != nil {
		return renderFailure(rev, err)
	}
	out := res.JSON
	if !o.reveal && !res.Secrets.Empty() {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res.Secrets.Value(res.Value)); err != nil {
			return err
		}
		out = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	if o.output == "pretty" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, out, "", "  "); err != nil {
			return err
		}
		out = buf.Bytes()
	}
	_, err = fmt.Fprintf(app.Stdout, "%s\n", out)
	return err
}

// fromTree resolves name in the --packages tree.
func (o *renderOptions) fromTree(ctx context.Context, name string) (*repo.Revision, string, map[string]map[string]any, error) {
	st, err := os.Stat(o.packages)
	if err != nil || !st.IsDir() {
		return nil, "", nil, usagef("--packages %s: not a directory", o.packages)
	}
	abs, err := filepath.Abs(o.packages)
	if err != nil {
		return nil, "", nil, err
	}
	tree, err := repo.Load(ctx, repo.DirFS(o.packages))
	if err != nil {
		return nil, "", nil, fmt.Errorf("loading packages: %w", err)
	}
	rev, err := render.Find(tree, name, o.version)
	if err != nil {
		return nil, "", nil, err
	}
	deps, err := render.DependencyDefaults(tree, rev)
	if err != nil {
		return nil, "", nil, err
	}
	return rev, "file://" + filepath.ToSlash(abs), deps, nil
}

// fromRepositories resolves name in the configured repositories. The
// source is the repository's URL, as Cosmos records it in
// DCOS_PACKAGE_SOURCE.
func (o *renderOptions) fromRepositories(ctx context.Context, app *App, name string) (*repo.Revision, string, map[string]map[string]any, error) {
	cat, err := openCatalog(ctx, app, o.repoConfig)
	if err != nil {
		return nil, "", nil, err
	}
	defer printCatalogWarnings(app, cat)
	rev, from, err := cat.Resolve(ctx, name, o.version)
	if err != nil {
		return nil, "", nil, err
	}
	deps, err := catalogDependencyDefaults(ctx, cat, rev)
	if err != nil {
		return nil, "", nil, err
	}
	source := builtinSource
	if path, err := remote.ConfigPath(o.repoConfig); err == nil {
		if cfg, err := remote.LoadConfig(path); err == nil {
			for _, s := range cfg.Repositories {
				if s.Name == from && !s.Builtin() {
					source = s.URL
				}
			}
		}
	}
	return rev, source, deps, nil
}

// catalogDependencyDefaults is render.DependencyDefaults across
// repositories: each dependency's defaults come from its newest version
// (by semver) that satisfies the range, in any configured repository.
// Optional dependencies that do not resolve are left out.
func catalogDependencyDefaults(ctx context.Context, cat *catalog.Catalog, rev *repo.Revision) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for _, d := range rev.Dependencies {
		vs, err := cat.Versions(ctx, d.Name)
		var best *repo.Version
		for _, l := range vs {
			v := repo.ParseVersion(l.Version)
			if d.Allows(v) && v.IsSemver() && (best == nil || v.Semver().GreaterThan(best.Semver())) {
				best = &v
			}
		}
		if err != nil || best == nil {
			if d.Optional {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("dependency %s of %s: %w", d.Name, rev.Name, err)
			}
			return nil, fmt.Errorf("dependency %s of %s: no version satisfies %q", d.Name, rev.Name, d.Range)
		}
		dep, _, err := cat.Resolve(ctx, d.Name, best.String())
		if err != nil {
			return nil, fmt.Errorf("dependency %s of %s: %w", d.Name, rev.Name, err)
		}
		cfg, _ := dep.Config.Object()
		out[d.Name] = render.Defaults(cfg)
	}
	return out, nil
}

// optionFlags are --options, --set and --set-file, which render, describe
// --render, install and upgrade share.
type optionFlags struct {
	file     string
	sets     []string
	setFiles []string
}

// add declares the flags; prefix starts each help text (for describe's
// "with --render: ").
func (o *optionFlags) add(f *pflag.FlagSet, prefix string) {
	f.StringVar(&o.file, "options", "", prefix+"a JSON file of options")
	f.StringArrayVar(&o.sets, "set", nil, prefix+"set an option: key.path=value (repeatable; JSON when it parses, else a string)")
	f.StringArrayVar(&o.setFiles, "set-file", nil, prefix+"set an option to a file's content: key.path=FILE (repeatable)")
}

// values reads --options, then applies --set and --set-file in turn; nil
// when no option was given.
func (o *optionFlags) values() (map[string]any, error) {
	opts := map[string]any{}
	if o.file != "" {
		data, err := os.ReadFile(o.file)
		if err != nil {
			return nil, usagef("--options: %v", err)
		}
		opts, err = render.DecodeOptions(data)
		if err != nil {
			return nil, usagef("--options %s: %v", o.file, err)
		}
	}
	for _, s := range o.sets {
		if err := render.ParseSet(opts, s); err != nil {
			return nil, &usageError{err}
		}
	}
	for _, s := range o.setFiles {
		if err := render.ParseSetFile(opts, s, os.ReadFile); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &usageError{err}
			}
			return nil, err
		}
	}
	if len(opts) == 0 {
		return nil, nil
	}
	return opts, nil
}

// renderFailure names the package in a render error.
func renderFailure(rev *repo.Revision, err error) error {
	return fmt.Errorf("rendering %s %s: %w", rev.Name, rev.Version, err)
}
