package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/lint"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/publish"
)

type publishOptions struct {
	packages     string
	release      int
	indexOut     string
	dryRun       bool
	allowOlder   bool
	allowDeadEnd bool
}

func newPublishCmd(app *App) *cobra.Command {
	o := &publishOptions{}
	cmd := &cobra.Command{
		Use:   "publish SRC_DIR",
		Short: "Validate a new package version and add it to a package tree",
		Long: `Publish the revision whose files are in SRC_DIR (package.json, config.json,
marathon.json.mustache, resource.json) into a package tree.

The revision is validated in the context of the tree, as validate would
check it there, plus the checks only a release can make: the version is new
for the package; upgradesFrom and downgradesTo name released versions; every
released version can still upgrade to the newest (through upgradesFrom and
downgradesTo), unless --allow-dead-end declares otherwise; dependencies
resolve against the repository; a 6.0 version is higher than every released
one, unless --allow-older (a patch for an older line).

The release number is the next multiple of 100 above the package's highest
release (0 for a new package), leaving the numbers in between as patch
slots; with --allow-older, the first free number after the release of the
highest version below the new one; --release N picks it (refused if taken).
The revision directory <LETTER>/<name>/<release>/ is written atomically,
then the index is rebuilt into --index-out if given. Released revisions are
never changed or removed: see 'validate --against' and 'yank'.`,
		Example: `  universe publish ./my-package --packages packages
  universe publish ./my-package --packages packages --index-out build
  universe publish ./hotfix --allow-older --dry-run`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), app, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.packages, "packages", "", "package tree (default ./packages, ./repo/packages or .)")
	f.IntVar(&o.release, "release", 0, "release number to use instead of the next one")
	f.StringVar(&o.indexOut, "index-out", "", "rebuild the index into this directory after writing")
	f.BoolVar(&o.dryRun, "dry-run", false, "check and report, write nothing")
	f.BoolVar(&o.allowOlder, "allow-older", false, "accept a 6.0 version below the newest (a patch for an older line)")
	f.BoolVar(&o.allowDeadEnd, "allow-dead-end", false, "accept released versions that cannot upgrade to the newest")
	return cmd
}

func (o *publishOptions) run(ctx context.Context, app *App, src string) error {
	if o.packages == "" {
		o.packages = defaultTreePath()
	}
	if o.release < 0 {
		return usagef("--release must not be negative")
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return usagef("%s: not a directory", src)
	}
	res, err := publish.Plan(ctx, repo.DirFS(o.packages), os.DirFS(src), publish.Options{
		Release: o.release, AllowOlder: o.allowOlder, AllowDeadEnd: o.allowDeadEnd,
	})
	if errors.Is(err, publish.ErrNoPackageJSON) {
		return fmt.Errorf("%s: %w", src, err)
	}
	if err != nil {
		return err
	}
	if len(res.Findings) > 0 {
		if err := lint.WriteText(app.Stderr, &lint.Report{Findings: res.Findings, Packages: 1, Revisions: 1}); err != nil {
			return err
		}
	}
	if err := res.Err(); err != nil {
		return err
	}
	if o.dryRun {
		fmt.Fprintf(app.Stdout, "would publish %s %s as %s\n", res.Package, res.Version, res.Dir)
		return nil
	}
	if err := publish.Write(ctx, o.packages, res); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "published %s %s as %s\n", res.Package, res.Version, res.Dir)
	if o.indexOut == "" {
		return nil
	}
	b, err := index.BuildFS(ctx, repo.DirFS(o.packages), o.indexOut, index.Options{})
	if err != nil {
		return fmt.Errorf("rebuilding the index: %w", err)
	}
	fmt.Fprintf(app.Stdout, "built %s: %d packages, %d revisions, digest %s\n", b.Dir, b.Packages, b.Revisions, b.Digest)
	return nil
}

// checkAgainst adds to rep the findings of released revisions of tree
// that changed or vanished since the index given with --against.
func (o *validateOptions) checkAgainst(ctx context.Context, tree *repo.Tree, rep *lint.Report) error {
	if o.against == "" {
		return nil
	}
	ix, err := publish.ReadIndex(o.against)
	if err != nil {
		return err
	}
	fs, err := publish.Released(ctx, tree, ix)
	if err != nil {
		return err
	}
	rep.Findings = append(rep.Findings, fs...)
	repo.SortFindings(rep.Findings)
	return nil
}
