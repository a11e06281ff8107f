package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/installer"
)

type listOptions struct {
	cluster clusterFlags
	appID   string
	output  string
	json    bool
}

func newListCmd(app *App) *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list [NAME]",
		Short: "List the installed packages, their health and what depends on what",
		Long: `List discovers installed packages from Marathon's labels as DC/OS Cosmos does
(every app with DCOS_PACKAGE_NAME and a readable DCOS_PACKAGE_DEFINITION), so
packages installed by DC/OS itself are listed too; the apps of a package that
renders a group are one package. It shows each package's version, app id,
health and tasks, the packages it depends on and those that depend on it.`,
		Example: `  universe list
  universe list hdfs -o json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.json {
				o.output = "json"
			}
			if o.output != "text" && o.output != "json" {
				return usagef("unknown output format %q: use text or json", o.output)
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return o.run(cmd.Context(), app, name)
		},
	}
	f := cmd.Flags()
	o.cluster.add(f)
	f.StringVar(&o.appID, "app-id", "", "only the package with this app id")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.BoolVar(&o.json, "json", false, "same as -o json (as the DC/OS CLI)")
	return cmd
}

func (o *listOptions) run(ctx context.Context, app *App, name string) error {
	cl, err := o.cluster.connect(ctx, app)
	if err != nil {
		return err
	}
	defer cl.close()
	in, err := installer.New(installer.Config{Marathon: cl.mc})
	if err != nil {
		return err
	}
	pkgs, err := in.List(ctx)
	if err != nil {
		return err
	}
	var out []*installer.Package
	for _, p := range pkgs {
		if (name == "" || p.Name == name) && (o.appID == "" || p.AppID == normalizeID(o.appID)) {
			out = append(out, p)
		}
	}
	if o.output == "json" {
		if out == nil {
			out = []*installer.Package{}
		}
		return writeJSON(app.Stdout, map[string]any{"packages": out})
	}
	w, flush := tableWriter(app.Stdout, "NAME", "VERSION", "APP", "HEALTH", "TASKS", "DEPENDS ON", "USED BY")
	for _, p := range out {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", p.Name, p.Version, p.AppID, p.Health, p.Healthy, p.Instances,
			dash(depList(p.Dependencies)), dash(strings.Join(p.Dependents, ",")))
	}
	return flush()
}

func depList(m map[string]string) string {
	var l []string
	for k, v := range m {
		l = append(l, k+"("+v+")")
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// normalizeID makes an app id absolute.
func normalizeID(id string) string {
	return "/" + strings.Trim(id, "/")
}
