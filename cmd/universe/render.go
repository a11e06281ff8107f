package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// builtinSource is DCOS_PACKAGE_SOURCE for packages of the built-in tree.
const builtinSource = "builtin:packages"

type renderOptions struct {
	version  string
	options  string
	sets     []string
	setFiles []string
	appID    string
	packages string
	output   string
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

NAME is looked up in --packages DIR (a Universe-layout tree) or the built-in
packages: the highest release, or the one whose version is exactly
--package-version. A 6.0 package's dependencies are rendered with the
defaults of the newest version satisfying each range (an install uses the
options they were installed with).

--set key.path=value sets one option; the value is JSON when it parses
(0.5, true, [1], "007") and a string otherwise. --set-file key.path=FILE
sets an option to a file's content. Both apply after --options FILE.`,
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
	f.StringVar(&o.options, "options", "", "a JSON file of options")
	f.StringArrayVar(&o.sets, "set", nil, "set an option: key.path=value (repeatable; JSON when it parses, else a string)")
	f.StringArrayVar(&o.setFiles, "set-file", nil, "set an option to a file's content: key.path=FILE (repeatable)")
	f.StringVar(&o.appID, "app-id", "", "the Marathon app (or group) id to use instead of the template's")
	f.StringVar(&o.packages, "packages", "", "a package tree in the Universe layout (default: the built-in packages)")
	f.StringVarP(&o.output, "output", "o", "pretty", "output format: pretty (indented JSON) or json (compact)")
	return cmd
}

func (o *renderOptions) run(cmd *cobra.Command, app *App, name string) error {
	if o.output != "pretty" && o.output != "json" {
		return usagef("unknown output format %q: use pretty or json", o.output)
	}
	userOptions, err := o.userOptions()
	if err != nil {
		return err
	}
	fsys, source := packages.FS(), builtinSource
	if o.packages != "" {
		st, err := os.Stat(o.packages)
		if err != nil || !st.IsDir() {
			return usagef("--packages %s: not a directory", o.packages)
		}
		abs, err := filepath.Abs(o.packages)
		if err != nil {
			return err
		}
		fsys, source = os.DirFS(o.packages), "file://"+filepath.ToSlash(abs)
	}
	tree, err := repo.Load(cmd.Context(), fsys)
	if err != nil {
		return fmt.Errorf("loading packages: %w", err)
	}
	rev, err := render.Find(tree, name, o.version)
	if err != nil {
		return err
	}
	deps, err := render.DependencyDefaults(tree, rev)
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
	if o.output == "pretty" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, res.JSON, "", "  "); err != nil {
			return err
		}
		out = buf.Bytes()
	}
	_, err = fmt.Fprintf(app.Stdout, "%s\n", out)
	return err
}

// userOptions reads --options, then applies --set and --set-file in turn.
func (o *renderOptions) userOptions() (map[string]any, error) {
	opts := map[string]any{}
	if o.options != "" {
		data, err := os.ReadFile(o.options)
		if err != nil {
			return nil, usagef("--options: %v", err)
		}
		opts, err = render.DecodeOptions(data)
		if err != nil {
			return nil, usagef("--options %s: %v", o.options, err)
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
