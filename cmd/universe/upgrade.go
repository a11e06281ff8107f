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

type upgradeOptions struct {
	cluster   clusterFlags
	version   string
	opts      optionFlags
	appID     string
	yes       bool
	dryRun    bool
	timeout   time.Duration
	output    string
	breakLock bool
	stdin     io.Reader
}

func newUpgradeCmd(app *App) *cobra.Command {
	o := &upgradeOptions{}
	cmd := &cobra.Command{
		Use:   "upgrade NAME --package-version V",
		Short: "Move an installed package to another version, healthy or rolled back",
		Long: `Upgrade changes an installed package to version V when the new version's
upgradesFrom (or the installed version's downgradesTo) allows it: "*" or the
exact version. Options given are merged over those it was installed with.
Dependencies are resolved again against what is installed. It shows a diff of
the Marathon JSON, applies it, waits until the apps run healthy, and on
failure rolls them back to their previous versions.

Options the package marks secret are stored redacted in its
DCOS_PACKAGE_OPTIONS label, so an upgrade needs them again: give them with
--set, --set-file or --options (the error names them). The diff and -o json
show them redacted.`,
		Example: `  universe upgrade spark --package-version 3.5.2
  universe upgrade spark --package-version 3.5.2 --set service.cpus=2 --dry-run`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output != "text" && o.output != "json" {
				return usagef("unknown output format %q: use text or json", o.output)
			}
			if o.version == "" {
				return usagef("upgrade needs --package-version")
			}
			return o.run(cmd.Context(), app, args[0])
		},
	}
	f := cmd.Flags()
	o.cluster.add(f)
	f.StringVar(&o.version, "package-version", "", "the version to move to (exact)")
	o.opts.add(f, "")
	f.StringVar(&o.appID, "app-id", "", "the instance to upgrade")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the diff and stop")
	f.DurationVar(&o.timeout, "timeout", installer.DefaultTimeout, "bound for the upgrade")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.BoolVar(&o.breakLock, "break-lock", false, "take the locks of another install (when it is gone)")
	return cmd
}

func (o *upgradeOptions) run(ctx context.Context, app *App, name string) error {
	userOptions, err := o.opts.values()
	if err != nil {
		return err
	}
	cl, err := o.cluster.connect(ctx, app)
	if err != nil {
		return err
	}
	defer cl.close()
	in, err := newInstaller(ctx, app, cl, o.cluster.config, (&lineView{w: app.Stderr}).event)
	if err != nil {
		return err
	}
	res, err := in.Upgrade(ctx, installer.UpgradeRequest{
		Name: name, AppID: o.appID, Version: o.version, Options: userOptions, Timeout: o.timeout,
		DryRun: o.dryRun, BreakLock: o.breakLock,
		Confirm: func(ctx context.Context, p *installer.UpgradePlan) (bool, error) {
			if o.output == "text" {
				printUpgradePlan(app.Stdout, p)
			}
			if o.yes {
				return true, nil
			}
			fmt.Fprint(app.Stderr, "Continue upgrading? [y/N] ")
			r := o.stdin
			if r == nil {
				r = os.Stdin
			}
			line, _ := bufio.NewReader(r).ReadString('\n')
			a := strings.ToLower(strings.TrimSpace(line))
			return a == "y" || a == "yes", nil
		},
	})
	if res == nil {
		return err
	}
	if o.output == "json" {
		if werr := writeJSON(app.Stdout, res); werr != nil {
			return werr
		}
		if err != nil {
			return &exitError{code: 1}
		}
		return nil
	}
	switch res.Status {
	case installer.StatusDryRun:
		printUpgradePlan(app.Stdout, res.Plan)
	case installer.StatusDeclined:
		fmt.Fprintln(app.Stdout, "Nothing changed.")
	case installer.StatusUpgraded:
		fmt.Fprintf(app.Stdout, "Upgraded %s (%s) from %s to %s\n", res.Plan.Name, res.Plan.AppID, res.Plan.From, res.Plan.To)
	case installer.StatusRolledBack:
		fmt.Fprintf(app.Stdout, "The upgrade of %s (%s) to %s failed and was rolled back to %s\n", res.Plan.Name, res.Plan.AppID, res.Plan.To, res.Plan.From)
	}
	return err
}

func printUpgradePlan(w io.Writer, p *installer.UpgradePlan) {
	fmt.Fprintf(w, "Upgrade %s (%s): %s → %s\n", p.Name, p.AppID, p.From, p.To)
	if len(p.Dependencies) > 0 {
		fmt.Fprintf(w, "Uses: %s\n", strings.Join(p.Dependencies, ", "))
	}
	fmt.Fprintf(w, "\n%s\n", p.Diff)
}
