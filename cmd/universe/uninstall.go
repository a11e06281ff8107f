package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/installer"
)

type uninstallOptions struct {
	cluster   clusterFlags
	appID     string
	all       bool
	yes       bool
	cascade   bool
	timeout   time.Duration
	output    string
	breakLock bool
	stdin     io.Reader
}

func newUninstallCmd(app *App) *cobra.Command {
	o := &uninstallOptions{}
	cmd := &cobra.Command{
		Use:   "uninstall NAME",
		Short: "Uninstall a package (refusing while other packages depend on it)",
		Long: `Uninstall removes an installed package's app (or group), as 'dcos package
uninstall' does: with several instances, --app-id picks one and --all takes
them all. It refuses when other installed packages depend on it, and lists
them; --cascade uninstalls those first. A framework the package registered
with Mesos is not torn down by removing its app: the output says how.`,
		Example: `  universe uninstall spark --yes
  universe uninstall hdfs --cascade
  universe uninstall etcd --app-id /etcd2`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output != "text" && o.output != "json" {
				return usagef("unknown output format %q: use text or json", o.output)
			}
			if o.all && o.appID != "" {
				return usagef("--all and --app-id exclude each other")
			}
			return o.run(cmd.Context(), app, args[0])
		},
	}
	f := cmd.Flags()
	o.cluster.add(f)
	f.StringVar(&o.appID, "app-id", "", "the instance to uninstall")
	f.BoolVar(&o.all, "all", false, "uninstall every instance of the package")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&o.cascade, "cascade", false, "also uninstall the packages that depend on it, first")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "bound for the removal")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.BoolVar(&o.breakLock, "break-lock", false, "take the locks of another install (when it is gone)")
	return cmd
}

func (o *uninstallOptions) run(ctx context.Context, app *App, name string) error {
	cl, err := o.cluster.connect(ctx, app)
	if err != nil {
		return err
	}
	defer cl.close()
	in, err := newInstaller(ctx, app, cl, o.cluster.config, nil)
	if err != nil {
		return err
	}
	res, err := in.Uninstall(ctx, installer.UninstallRequest{
		Name: name, AppID: o.appID, All: o.all, Cascade: o.cascade, Timeout: o.timeout, BreakLock: o.breakLock,
		Confirm: func(ctx context.Context, pkgs []*installer.Package) (bool, error) {
			if o.yes {
				return true, nil
			}
			return o.confirm(app, name, pkgs)
		},
	})
	if err != nil {
		return err
	}
	if o.output == "json" {
		return writeJSON(app.Stdout, res)
	}
	if res.Declined {
		fmt.Fprintln(app.Stdout, "Nothing uninstalled.")
		return nil
	}
	for _, r := range res.Removed {
		fmt.Fprintf(app.Stdout, "Uninstalled package [%s] version [%s] (%s)\n", r.Name, r.Version, r.AppID)
		if r.PostUninstallNotes != "" {
			fmt.Fprintln(app.Stdout, indent(r.PostUninstallNotes))
		}
		if r.Framework != "" {
			fmt.Fprintf(app.Stdout, "  The Mesos framework %q may still be registered: tear it down with\n  curl -X POST -d 'frameworkId=<id>' <mesos-master>/master/teardown (id from /master/frameworks).\n", r.Framework)
		}
	}
	return nil
}

// confirm asks, as the DC/OS CLI does, to type the package name (or an app
// id) to go ahead.
func (o *uninstallOptions) confirm(app *App, name string, pkgs []*installer.Package) (bool, error) {
	var ids []string
	for _, p := range pkgs {
		ids = append(ids, fmt.Sprintf("%s %s (%s)", p.Name, p.Version, p.AppID))
	}
	fmt.Fprintf(app.Stderr, "WARNING: This action cannot be undone. This will uninstall %s and delete all of its persistent data (logs, configurations, database artifacts, everything).\n", strings.Join(ids, ", "))
	fmt.Fprintf(app.Stderr, "Please type the name of the package to confirm: ")
	in := o.stdin
	if in == nil {
		in = os.Stdin
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(app.Stderr)
		return false, fmt.Errorf("no confirmation (use --yes to uninstall without asking)")
	}
	answer := strings.TrimSpace(line)
	if answer == name || (o.appID != "" && normalizeID(answer) == normalizeID(o.appID)) {
		return true, nil
	}
	fmt.Fprintf(app.Stderr, "Expected %q; got %q.\n", name, answer)
	return false, nil
}
