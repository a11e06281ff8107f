package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/lint"
	"github.com/universe-pm/universe/repo"
)

type validateOptions struct {
	output    string
	strict    bool
	listRules bool
	// changedSince is a git ref: validate only what changed since it.
	changedSince string
	// against is a built index (or its directory): released revisions must
	// be unchanged and present.
	against string
}

func newValidateCmd(app *App) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check package manifests for everything a package can get wrong",
		Long: `Validate package trees in the Universe layout (<LETTER>/<name>/<release>/).

A PATH is a package tree, or a letter, package or revision directory inside
one; the whole tree is loaded (dependencies and upgrade paths cross packages)
and findings are reported for the PATHs given. Without a PATH, validate uses
./packages, ./repo/packages or the current directory, whichever is a tree.

Every rule runs and every finding is reported in one run, each with its
severity, file, line:column, JSON pointer and rule id. Exit status: 0 when
there are no errors, 1 when there are, 2 for usage errors.

-o github prints GitHub Actions annotations (on the changed lines of a pull
request); -o junit prints JUnit XML, one test suite per package and one test
case per revision, for other CI systems (redirect it to the file they read).
Both print the summary line on stderr.

--changed-since REF validates only the revisions that differ from the merge
base of REF and HEAD (committed or not, plus untracked files git does not
ignore), and every revision that depends on a changed package, directly or
through others; it runs git in each tree's directory.

--against INDEX fails (release/changed, release/removed) when a revision
released in INDEX (a native index.json, or a directory 'repo build' wrote)
has changed, by the sha256 of its index entry, or is gone from the tree:
released revisions are immutable; withdraw one with 'universe yank'.`,
		Example: `  universe validate packages/
  universe validate --strict packages/S/spark
  universe validate -o github repo/packages
  universe validate -o junit packages/ > validate.xml
  universe validate --changed-since origin/main -o github packages/
  universe validate --against build/ packages/
  universe validate --list-rules`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, app, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "text", "output format: text, json, github (workflow annotations) or junit (JUnit XML)")
	f.BoolVar(&o.strict, "strict", false, "treat warnings as errors")
	f.BoolVar(&o.listRules, "list-rules", false, "list the rules and exit")
	f.StringVar(&o.changedSince, "changed-since", "", "validate only the revisions changed since this git ref (and those depending on them)")
	f.StringVar(&o.against, "against", "", "native index (index.json or a 'repo build' directory) of released revisions: fail when one changed or vanished")
	return cmd
}

var letterDir = regexp.MustCompile(`^[A-Z]$`)

// target is one tree to load and the parts of it to report on.
type target struct {
	root string   // the tree root as the user can read it
	dirs []string // tree-relative directories to report on; nil for all
}

func (o *validateOptions) run(cmd *cobra.Command, app *App, args []string) error {
	switch o.output {
	case "text", "json", "github", "junit":
	default:
		return usagef("unknown output format %q: use text, json, github or junit", o.output)
	}
	if o.listRules {
		return writeRules(app, o.output)
	}
	if len(args) == 0 {
		args = []string{defaultTreePath()}
	}
	targets, err := resolveTargets(args)
	if err != nil {
		return err
	}
	total := &lint.Report{}
	var checked []lint.Checked
	for _, t := range targets {
		tree, err := repo.Load(cmd.Context(), repo.DirFS(t.root))
		if err != nil {
			return fmt.Errorf("loading %s: %w", t.root, err)
		}
		if o.changedSince != "" {
			if t.dirs, err = o.selectChanged(cmd.Context(), tree, t); err != nil {
				return err
			}
			if len(t.dirs) == 0 {
				continue
			}
		}
		checked = append(checked, checkedRevisions(tree, t.root, t.dirs)...)
		rep, err := lint.Run(cmd.Context(), tree)
		if err != nil {
			return err
		}
		if err := o.checkAgainst(cmd.Context(), tree, rep); err != nil {
			return err
		}
		rep.Select(tree, t.dirs)
		for i := range rep.Findings {
			rep.Findings[i].File = filepath.ToSlash(filepath.Join(t.root, filepath.FromSlash(rep.Findings[i].File)))
		}
		total.Findings = append(total.Findings, rep.Findings...)
		total.Packages += rep.Packages
		total.Revisions += rep.Revisions
	}
	if o.strict {
		total.Strict()
	}
	switch o.output {
	case "json":
		err = lint.WriteJSON(app.Stdout, total)
	case "github":
		err = lint.WriteGitHub(app.Stdout, total)
		if err == nil {
			_, err = fmt.Fprintln(app.Stderr, total.Summary())
		}
	case "junit":
		err = lint.WriteJUnit(app.Stdout, total, checked)
		if err == nil {
			_, err = fmt.Fprintln(app.Stderr, total.Summary())
		}
	default:
		err = lint.WriteText(app.Stdout, total)
	}
	if err != nil {
		return err
	}
	if total.Count(repo.Error) > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func writeRules(app *App, output string) error {
	if output == "json" {
		return writeJSON(app.Stdout, lint.Rules)
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tCHECKS")
	for _, r := range lint.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Summary)
	}
	return tw.Flush()
}

// defaultTreePath picks the tree to validate when no PATH is given.
func defaultTreePath() string {
	for _, p := range []string{"packages", filepath.Join("repo", "packages")} {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	return "."
}

// resolveTargets maps each PATH to the tree that holds it, so that a
// revision or package directory is checked in the context of its whole
// repository. PATHs in the same tree share one load.
func resolveTargets(paths []string) ([]*target, error) {
	var out []*target
	byRoot := map[string]*target{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, usagef("%s: no such file or directory", p)
			}
			return nil, err
		}
		dir := p
		if !st.IsDir() {
			dir = filepath.Dir(p)
		}
		root, sel := splitTreePath(dir)
		key, err := filepath.Abs(root)
		if err != nil {
			return nil, err
		}
		t, ok := byRoot[key]
		if !ok {
			t = &target{root: root}
			byRoot[key] = t
			out = append(out, t)
		}
		t.dirs = append(t.dirs, sel)
	}
	for _, t := range out {
		for _, s := range t.dirs {
			if s == "" {
				t.dirs = nil
				break
			}
		}
	}
	return out, nil
}

// splitTreePath finds the tree root above dir when dir is a revision,
// package or letter directory, and returns the tree-relative selection.
func splitTreePath(dir string) (root, sel string) {
	clean := filepath.Clean(dir)
	abs, err := filepath.Abs(clean)
	if err != nil {
		return clean, ""
	}
	base := filepath.Base(abs)
	parent := filepath.Base(filepath.Dir(abs))
	grand := filepath.Base(filepath.Dir(filepath.Dir(abs)))
	isFile := func(name string) bool {
		st, err := os.Stat(filepath.Join(clean, name))
		return err == nil && !st.IsDir()
	}
	switch {
	case isFile(repo.PackageFile) && letterDir.MatchString(grand) && isRelease(base):
		return filepath.Join(clean, "..", "..", ".."), grand + "/" + parent + "/" + base
	case letterDir.MatchString(parent) && !letterDir.MatchString(base) && hasReleaseDir(clean):
		return filepath.Join(clean, "..", ".."), parent + "/" + base
	case letterDir.MatchString(base) && !hasLetterDir(clean):
		return filepath.Join(clean, ".."), base
	}
	return clean, ""
}

func isRelease(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func hasReleaseDir(dir string) bool {
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if e.IsDir() && isRelease(e.Name()) {
			return true
		}
	}
	return false
}

func hasLetterDir(dir string) bool {
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if e.IsDir() && letterDir.MatchString(e.Name()) {
			return true
		}
	}
	return false
}
