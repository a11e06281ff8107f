package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/repo/publish"
)

type yankOptions struct {
	packages string
	release  int
	reason   string
}

func newYankCmd(app *App) *cobra.Command {
	o := &yankOptions{release: -1}
	cmd := &cobra.Command{
		Use:   "yank NAME --release N",
		Short: "Withdraw a released revision without deleting it",
		Long: `Mark release N of package NAME as yanked: a hidden .yanked file (the reason
and the date, as JSON) in its revision directory. Nothing is deleted: the
revision stays in the tree and the index (where it carries "yanked": true,
outside its sha256, so 'validate --against' still finds it unchanged), is
still listed (describe --package-versions marks it), and still installs by
its exact --package-version; resolution never picks it otherwise, neither
as the default version nor for a dependency. Rebuild the index with
'universe repo build' to serve the change.`,
		Example: `  universe yank spark --release 300 --reason "loses data on upgrade"`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), app, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.packages, "packages", "", "package tree (default ./packages, ./repo/packages or .)")
	f.IntVar(&o.release, "release", -1, "release number of the revision to yank (required)")
	f.StringVar(&o.reason, "reason", "", "why it is withdrawn")
	return cmd
}

func (o *yankOptions) run(ctx context.Context, app *App, name string) error {
	if o.release < 0 {
		return usagef("--release is required")
	}
	if o.packages == "" {
		o.packages = defaultTreePath()
	}
	if err := publish.Yank(ctx, o.packages, name, o.release, publish.YankOptions{Reason: strings.TrimSpace(o.reason)}); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "yanked %s release %d\n", name, o.release)
	return nil
}
