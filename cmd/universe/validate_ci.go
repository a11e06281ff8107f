package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/universe-pm/universe/lint"
	"github.com/universe-pm/universe/repo"
)

// checkedRevisions lists the revisions of tree inside the tree-relative
// directories dirs (nil for all), with their directories as the user can
// read them under root, for formats that report passing revisions too.
func checkedRevisions(tree *repo.Tree, root string, dirs []string) []lint.Checked {
	var out []lint.Checked
	for _, rev := range tree.Revisions() {
		if !insideAny(rev.Dir, dirs) {
			continue
		}
		out = append(out, lint.Checked{
			Package: rev.Package,
			Release: rev.Release,
			Dir:     filepath.ToSlash(filepath.Join(root, filepath.FromSlash(rev.Dir))),
		})
	}
	return out
}

func insideAny(p string, dirs []string) bool {
	if dirs == nil {
		return true
	}
	for _, d := range dirs {
		if d == "" || d == "." || p == d || strings.HasPrefix(p, d+"/") || strings.HasPrefix(d, p+"/") {
			return true
		}
	}
	return false
}

// changedFiles lists the files under dir that differ from the merge base of
// ref and HEAD (committed on the branch or not yet committed) and the
// untracked files git does not ignore, as paths relative to dir.
func changedFiles(ctx context.Context, dir, ref string) ([]string, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return string(out), nil
	}
	base, err := git("merge-base", ref, "HEAD")
	if err != nil {
		return nil, err
	}
	diff, err := git("diff", "--name-only", "--relative", "--no-renames", strings.TrimSpace(base))
	if err != nil {
		return nil, err
	}
	untracked, err := git("ls-files", "--others", "--exclude-standard")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, l := range strings.Split(diff+"\n"+untracked, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			files = append(files, filepath.ToSlash(l))
		}
	}
	return files, nil
}

// changedSelection maps changed tree-relative files to the revision
// directories to validate: the revisions touched (a file of a package that
// is in no revision, such as a removed revision, touches every revision of
// the package), then every revision that depends, directly or through other
// packages, on a touched package. It returns a sorted list, empty when the
// change touches no package.
func changedSelection(tree *repo.Tree, files []string) []string {
	selected := map[string]bool{}
	touched := map[string]bool{}
	for _, p := range tree.Packages {
		for _, f := range files {
			if !strings.HasPrefix(f, p.Dir+"/") {
				continue
			}
			hit := false
			for _, rev := range p.Revisions {
				if strings.HasPrefix(f, rev.Dir+"/") {
					selected[rev.Dir], touched[p.Name], hit = true, true, true
				}
			}
			if !hit {
				touched[p.Name] = true
				for _, rev := range p.Revisions {
					selected[rev.Dir] = true
				}
			}
		}
	}
	for grew := true; grew; {
		grew = false
		for _, rev := range tree.Revisions() {
			if selected[rev.Dir] {
				continue
			}
			for _, d := range rev.Dependencies {
				if touched[d.Name] {
					selected[rev.Dir], touched[rev.Package], grew = true, true, true
					break
				}
			}
		}
	}
	dirs := make([]string, 0, len(selected))
	for d := range selected {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// selectChanged narrows a target to the revisions changed since
// o.changedSince and those depending on them, within the PATHs given.
func (o *validateOptions) selectChanged(ctx context.Context, tree *repo.Tree, t *target) ([]string, error) {
	files, err := changedFiles(ctx, t.root, o.changedSince)
	if err != nil {
		return nil, fmt.Errorf("--changed-since %s: %w", o.changedSince, err)
	}
	dirs := []string{}
	for _, d := range changedSelection(tree, files) {
		if insideAny(d, t.dirs) {
			dirs = append(dirs, d)
		}
	}
	return dirs, nil
}
