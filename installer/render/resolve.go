package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/universe-pm/universe/repo"
)

// ErrNotFound is wrapped by Find's errors for a missing package or version.
var ErrNotFound = errors.New("not found")

// Find picks a revision of a package in one tree as Cosmos does
// (cosmos-rendering.md §2): without a version the highest releaseVersion;
// with one, the highest release whose version string equals it exactly
// (no semver parsing). A miss wraps ErrNotFound: "package [x] not found"
// or "version [v] of package [x] not found; available: ...". (The
// installer's resolver replaces this for repositories; it serves `universe
// render` over one tree until then.)
func Find(tree *repo.Tree, name, version string) (*repo.Revision, error) {
	p, ok := tree.Package(name)
	if !ok || len(p.Revisions) == 0 {
		return nil, fmt.Errorf("package [%s] %w", name, ErrNotFound)
	}
	if version == "" {
		return p.Latest(), nil
	}
	var seen []string
	for i := len(p.Revisions) - 1; i >= 0; i-- {
		r := p.Revisions[i]
		if r.Version.String() == version {
			return r, nil
		}
		if v := r.Version.String(); !contains(seen, v) {
			seen = append(seen, v)
		}
	}
	return nil, fmt.Errorf("version [%s] of package [%s] %w; available: %s", version, name, ErrNotFound, strings.Join(seen, ", "))
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// DependencyDefaults resolves a 6.0 revision's dependencies the simple way,
// for rendering without an installation: each dependency is the newest
// revision (highest release) of that package whose version satisfies the
// range, and its options are its config.json defaults. Optional
// dependencies that do not resolve are left out. The installer supplies
// the options each dependency was actually installed with instead.
func DependencyDefaults(tree *repo.Tree, rev *repo.Revision) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for _, d := range rev.Dependencies {
		dep, err := newestSatisfying(tree, d)
		if err != nil {
			if d.Optional {
				continue
			}
			return nil, fmt.Errorf("resolving dependency %s of %s %s: %w", d.Name, rev.Name, rev.Version, err)
		}
		config, _ := dep.Config.Object()
		out[d.Name] = Defaults(config)
	}
	return out, nil
}

func newestSatisfying(tree *repo.Tree, d repo.Dependency) (*repo.Revision, error) {
	p, ok := tree.Package(d.Name)
	if !ok {
		return nil, fmt.Errorf("package [%s] %w", d.Name, ErrNotFound)
	}
	if d.RangeErr != nil {
		return nil, fmt.Errorf("invalid version range %q: %w", d.Range, d.RangeErr)
	}
	for i := len(p.Revisions) - 1; i >= 0; i-- {
		if r := p.Revisions[i]; d.Allows(r.Version) {
			return r, nil
		}
	}
	return nil, fmt.Errorf("no version of %s satisfies %q: %w", d.Name, d.Range, ErrNotFound)
}
