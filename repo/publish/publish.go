package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing/fstest"

	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/lint"
	"github.com/universe-pm/universe/repo"
)

// Rule ids of the release checks.
const (
	RuleVersionExists = "release/version-exists"
	RuleReleaseTaken  = "release/taken"
	RuleUpgradeRef    = "release/upgrade-ref"
	RuleDeadEnd       = "release/dead-end"
	RuleDependency    = "release/dependency"
	RuleOlder         = "release/older"
	RuleNoSlot        = "release/no-slot"
)

// Step is the distance between the release numbers publish picks for new
// versions. The numbers in between are patch slots, taken by versions
// published with AllowOlder (patches for an older line).
const Step = 100

// ErrNoPackageJSON is returned by Plan when the source has no readable
// package.json naming the package.
var ErrNoPackageJSON = errors.New("no package.json with a package name")

// Options adjust Plan.
type Options struct {
	// Release is the revision number to use; 0 means pick one (NextRelease).
	// A number that is taken is refused.
	Release int
	// AllowOlder accepts a 6.0 version that is not higher than every
	// released one: a patch for an older line, given a patch slot.
	AllowOlder bool
	// AllowDeadEnd accepts an upgrade graph in which some released version
	// cannot reach the newest; the dead ends are then warnings.
	AllowDeadEnd bool
}

// Result is a planned release: where the revision goes, its files, and
// everything the checks found.
type Result struct {
	Package string
	Version string
	Release int
	// Dir is the revision directory relative to the tree root,
	// <LETTER>/<name>/<release>.
	Dir string
	// Files are the revision's files by name, as they will be written.
	Files map[string][]byte
	// Findings are the validation findings for the new revision (lint
	// rules, in the context of the tree) and the release checks.
	Findings []repo.Finding
}

// OK reports whether the release has no error findings.
func (r *Result) OK() bool {
	for _, f := range r.Findings {
		if f.Severity == repo.Error {
			return false
		}
	}
	return true
}

// Err returns nil when the release may be written, or an error naming the
// first error finding and how many there are.
func (r *Result) Err() error {
	var errs []repo.Finding
	for _, f := range r.Findings {
		if f.Severity == repo.Error {
			errs = append(errs, f)
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("cannot publish %s %s: %s", r.Package, r.Version, errs[0].Message)
	}
	more := "errors"
	if len(errs) == 2 {
		more = "error"
	}
	return fmt.Errorf("cannot publish %s %s: %s (and %d more %s)", r.Package, r.Version, errs[0].Message, len(errs)-1, more)
}

// NextRelease returns the release number of a new newest version: the next
// multiple of Step above the highest release, (highest/Step+1)*Step, or 0
// for a package with no revisions. The numbers skipped are patch slots.
func NextRelease(p *repo.Package) int {
	if p == nil || len(p.Revisions) == 0 {
		return 0
	}
	return (p.Latest().Release/Step + 1) * Step
}

// Plan validates the revision whose files are at the root of src as if it
// were added to the package tree at the root of tree, picks its release
// number and runs the release checks. It returns ErrNoPackageJSON when src
// has no package.json naming the package, and an error when tree or src
// cannot be read; problems with the revision itself are findings.
func Plan(ctx context.Context, tree, src fs.FS, opts Options) (*Result, error) {
	files, err := readSource(src)
	if err != nil {
		return nil, err
	}
	var meta struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(files[repo.PackageFile], &meta); err != nil || meta.Name == "" || files[repo.PackageFile] == nil {
		return nil, ErrNoPackageJSON
	}
	before, err := repo.Load(ctx, tree)
	if err != nil {
		return nil, fmt.Errorf("loading the package tree: %w", err)
	}
	res := &Result{Package: meta.Name, Version: meta.Version, Files: files}
	letter := strings.ToUpper(meta.Name[:1])
	pkgDir := letter + "/" + meta.Name
	old, _ := before.Package(meta.Name)
	newV := repo.ParseVersion(meta.Version)
	add := func(sev repo.Severity, rule, file, ptr, msg string) {
		res.Findings = append(res.Findings, repo.Finding{Severity: sev, Rule: rule, File: file, Pointer: ptr,
			Message: msg, Package: meta.Name, Release: res.Release})
	}

	// The release number.
	res.Release = NextRelease(old)
	if opts.Release != 0 {
		res.Release = opts.Release
	} else if opts.AllowOlder && old != nil {
		n, err := patchSlot(old, newV)
		if err != nil {
			res.Release = -1
			add(repo.Error, RuleNoSlot, pkgDir, "", err.Error())
		} else {
			res.Release = n
		}
	}
	res.Dir = pkgDir + "/" + strconv.Itoa(res.Release)
	pkgFile := res.Dir + "/" + repo.PackageFile
	if old != nil {
		if r, ok := old.Release(res.Release); ok {
			add(repo.Error, RuleReleaseTaken, r.Dir, "", fmt.Sprintf("release %d of %s is taken by version %s (%s)", res.Release, meta.Name, r.Version, r.Dir))
		}
		for _, r := range old.Revisions {
			if r.Version.String() == meta.Version {
				add(repo.Error, RuleVersionExists, pkgFile, "/version", fmt.Sprintf("version %s of %s is already released as %s", meta.Version, meta.Name, r.Dir))
			}
		}
	}
	if res.Release < 0 {
		return res, nil
	}

	// Validate the new revision in the context of the tree.
	overlay, err := overlayFS(tree, res.Dir, files)
	if err != nil {
		return nil, err
	}
	after, err := repo.Load(ctx, overlay)
	if err != nil {
		return nil, fmt.Errorf("loading the package tree: %w", err)
	}
	rep, err := lint.Run(ctx, after)
	if err != nil {
		return nil, err
	}
	rep.Select(after, []string{res.Dir})
	res.Findings = append(rep.Findings, res.Findings...)
	pkg, _ := after.Package(meta.Name)
	rev, ok := pkg.Release(res.Release)
	if !ok {
		return res, nil
	}

	// upgradesFrom and downgradesTo name versions that exist.
	for _, m := range []struct {
		key  string
		list []string
	}{{"upgradesFrom", rev.UpgradesFrom}, {"downgradesTo", rev.DowngradesTo}} {
		for i, v := range m.list {
			if v == "*" || (old != nil && old.HasVersion(v)) {
				continue
			}
			add(repo.Error, RuleUpgradeRef, pkgFile, fmt.Sprintf("/%s/%d", m.key, i),
				fmt.Sprintf("%s names version %q, which %s has not released", m.key, v, meta.Name))
		}
	}

	// A 6.0 version is higher than every released one unless AllowOlder.
	if rev.PackagingVersion == "6.0" && old != nil && !opts.AllowOlder && !old.HasVersion(meta.Version) {
		if top := highestSemver(old, nil); top != nil && newV.IsSemver() && !newV.Semver().GreaterThan(top.Version.Semver()) {
			add(repo.Error, RuleOlder, pkgFile, "/version", fmt.Sprintf(
				"version %s is not higher than %s (%s), the newest release: use --allow-older to publish a patch for an older line",
				meta.Version, top.Version, top.Dir))
		}
	}

	// Dependencies resolve against the repository: the whole graph, as an
	// install of exactly this version would resolve it. Lint's dependency
	// rules already name unknown packages and ranges nothing satisfies.
	if len(rev.Dependencies) > 0 && !hasRulePrefix(res.Findings, "dependencies/") {
		_, err := resolve.Resolve(ctx, resolve.Trees{{Name: "repository", Tree: after}},
			resolve.Request{Name: meta.Name, Version: meta.Version})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			add(repo.Error, RuleDependency, pkgFile, "/dependencies", fmt.Sprintf("dependencies do not resolve against the repository: %v", err))
		}
	}

	// Every version can reach the newest.
	sev := repo.Error
	hint := " (declare it with --allow-dead-end)"
	if opts.AllowDeadEnd {
		sev, hint = repo.Warning, ""
	}
	for _, r := range DeadEnds(pkg) {
		add(sev, RuleDeadEnd, pkgFile, "", fmt.Sprintf("version %s (%s) cannot upgrade to the newest version %s: no chain of upgradesFrom/downgradesTo reaches it%s",
			r.Version, r.Dir, pkg.Latest().Version, hint))
	}
	repo.SortFindings(res.Findings)
	return res, nil
}

// DeadEnds returns the revisions of p whose version cannot reach the
// newest revision's version (the highest release) by upgrades and
// downgrades: an edge A→B when B's upgradesFrom names A (or "*"), or A's
// downgradesTo names B.
func DeadEnds(p *repo.Package) []*repo.Revision {
	latest := p.Latest()
	if latest == nil {
		return nil
	}
	// Reverse reachability: which versions can reach the newest.
	names := func(list []string, v string) bool {
		for _, s := range list {
			if s == v || s == "*" {
				return true
			}
		}
		return false
	}
	reach := map[string]bool{latest.Version.String(): true}
	for changed := true; changed; {
		changed = false
		for _, a := range p.Revisions {
			av := a.Version.String()
			if reach[av] {
				continue
			}
			for _, b := range p.Revisions {
				bv := b.Version.String()
				if !reach[bv] || av == bv {
					continue
				}
				if names(b.UpgradesFrom, av) || names(a.DowngradesTo, bv) {
					reach[av] = true
					changed = true
					break
				}
			}
		}
	}
	var out []*repo.Revision
	for _, r := range p.Revisions {
		if !reach[r.Version.String()] {
			out = append(out, r)
		}
	}
	return out
}

func hasRulePrefix(fs []repo.Finding, prefix string) bool {
	for _, f := range fs {
		if f.Severity == repo.Error && strings.HasPrefix(f.Rule, prefix) {
			return true
		}
	}
	return false
}

// highestSemver returns the revision with the highest semver version below
// limit (all of them when limit is nil), or nil.
func highestSemver(p *repo.Package, limit *repo.Version) *repo.Revision {
	var top *repo.Revision
	for _, r := range p.Revisions {
		sv := r.Version.Semver()
		if sv == nil || (limit != nil && !sv.LessThan(limit.Semver())) {
			continue
		}
		if top == nil || sv.GreaterThan(top.Version.Semver()) {
			top = r
		}
	}
	return top
}

// patchSlot returns the release number of a patch for an older line: the
// first free number after the release of the highest version below v and
// before the next release.
func patchSlot(p *repo.Package, v repo.Version) (int, error) {
	if !v.IsSemver() {
		return 0, fmt.Errorf("version %q is not semver, so it has no place among older lines", v)
	}
	lo := -1
	if below := highestSemver(p, &v); below != nil {
		lo = below.Release
	}
	hi := -1
	for _, r := range p.Revisions {
		if r.Release > lo {
			hi = r.Release
			break
		}
	}
	if hi < 0 {
		return NextRelease(p), nil
	}
	for n := lo + 1; n < hi; n++ {
		if _, taken := p.Release(n); !taken {
			return n, nil
		}
	}
	return 0, fmt.Errorf("no free release number between %d and %d for a patch of version %s: give one with --release", lo, hi, v)
}

// readSource reads the regular, non-hidden files at the root of src.
func readSource(src fs.FS) (map[string][]byte, error) {
	es, err := fs.ReadDir(src, ".")
	if err != nil {
		return nil, fmt.Errorf("reading the revision: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(src, e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading the revision: %w", err)
		}
		files[e.Name()] = data
	}
	return files, nil
}

// overlayFS copies tree into memory with the files added under dir. Hidden
// entries are left out, except yank markers.
func overlayFS(tree fs.FS, dir string, files map[string][]byte) (fstest.MapFS, error) {
	m := fstest.MapFS{}
	err := fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") && d.Name() != repo.YankedFile {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		m[p] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the package tree: %w", err)
	}
	for name, data := range files {
		m[path.Join(dir, name)] = &fstest.MapFile{Data: data}
	}
	return m, nil
}

// ErrExists is returned by Write when the revision directory exists.
var ErrExists = errors.New("revision directory exists")

// Write writes the planned revision under the tree directory dir,
// atomically: the files go into a hidden temporary directory beside the
// revision's (which the loader ignores), which is renamed into place only
// when every file is written and synced. On failure the temporary
// directory is removed, so no half-written revision is ever visible.
// It returns an error wrapping ErrExists when the revision directory is
// already there, and refuses a Result that is not OK.
func Write(ctx context.Context, dir string, res *Result) (err error) {
	if e := res.Err(); e != nil {
		return e
	}
	final := filepath.Join(dir, filepath.FromSlash(res.Dir))
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("writing %s: %w", final, ErrExists)
	}
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", final, err)
	}
	tmp, err := os.MkdirTemp(parent, ".publish-"+strconv.Itoa(res.Release)+"-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", final, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	names := make([]string, 0, len(res.Files))
	for n := range res.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(tmp, n), res.Files[n]); err != nil {
			return fmt.Errorf("writing %s: %w", final, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", final, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("writing %s: %w", final, err)
	}
	return nil
}

func writeFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
