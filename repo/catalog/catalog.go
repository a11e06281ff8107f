// Package catalog resolves package names and versions across an ordered
// list of repositories as Cosmos does, and searches them. It is what the
// CLI, the installer and the render command ask "which revision is
// <name> [version]?".
package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/universe-pm/universe/repo"
)

// Source is one repository as the catalog needs it. remote.Repository
// and Tree implement it.
type Source interface {
	// Name is the repository's configured name.
	Name() string
	// Releases lists the revisions of the package called name, in
	// ascending release order; none when the repository does not have it.
	Releases(ctx context.Context, name string) ([]Release, error)
	// Revision returns one revision of a package in full, ready to render.
	Revision(ctx context.Context, name string, release int) (*repo.Revision, error)
	// Summaries lists every revision the repository offers.
	Summaries(ctx context.Context) ([]Summary, error)
}

// Release is one revision's releaseVersion and version string.
type Release struct {
	Release int
	Version string
	// Yanked marks a withdrawn revision.
	Yanked bool
}

// Summary is one revision as listings show it.
type Summary struct {
	Name        string
	Version     string
	Release     int
	Description string
	Tags        []string
	Selected    bool
	Framework   bool
	// Yanked marks a withdrawn revision.
	Yanked bool
}

// Catalog is an ordered list of repositories, highest priority first.
type Catalog struct {
	sources []Source
	// Warnings collects what went wrong with single repositories; the
	// others keep answering.
	Warnings []error
}

// New returns a catalog over sources, highest priority first.
func New(sources ...Source) *Catalog { return &Catalog{sources: sources} }

// Sources returns the repositories in priority order.
func (c *Catalog) Sources() []Source { return c.sources }

// ErrPackageNotFound and ErrVersionNotFound are wrapped by the errors of
// Resolve.
var (
	ErrPackageNotFound = errors.New("package not found")
	ErrVersionNotFound = errors.New("version not found")
)

// NotFoundError says which repositories were searched for a name.
type NotFoundError struct {
	Name  string
	Repos []string
}

// Error says which repositories were searched.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("package [%s] not found in repositories %s", e.Name, strings.Join(e.Repos, ", "))
}

// Unwrap returns ErrPackageNotFound.
func (e *NotFoundError) Unwrap() error { return ErrPackageNotFound }

// VersionNotFoundError lists the versions that exist.
type VersionNotFoundError struct {
	Name, Version string
	Available     []string
}

// Error lists the versions that exist.
func (e *VersionNotFoundError) Error() string {
	if e.Version == "" {
		return fmt.Sprintf("every version of package [%s] is yanked; install one by its exact version: %s", e.Name, strings.Join(e.Available, ", "))
	}
	return fmt.Sprintf("version [%s] of package [%s] not found; available: %s", e.Version, e.Name, strings.Join(e.Available, ", "))
}

// Unwrap returns ErrVersionNotFound.
func (e *VersionNotFoundError) Unwrap() error { return ErrVersionNotFound }

// Resolve returns the revision of name to use, and the name of the
// repository it comes from, as Cosmos resolves: without a version, the
// highest releaseVersion in the highest-priority repository that has the
// name; with one, the first revision whose version string equals it
// exactly, by repository priority then releaseVersion descending. Yanked
// revisions are skipped without a version and found by their exact one. A
// repository that fails is skipped and recorded in Warnings. Errors are a
// *NotFoundError or a *VersionNotFoundError.
func (c *Catalog) Resolve(ctx context.Context, name, version string) (*repo.Revision, string, error) {
	var available []string
	found := false
	for _, s := range c.sources {
		rs, err := s.Releases(ctx, name)
		if err != nil {
			c.Warnings = append(c.Warnings, err)
			continue
		}
		if len(rs) == 0 {
			continue
		}
		found = true
		for i := len(rs) - 1; i >= 0; i-- {
			if (version == "" && !rs[i].Yanked) || rs[i].Version == version {
				rev, err := s.Revision(ctx, name, rs[i].Release)
				if err != nil {
					return nil, "", err
				}
				// A source that does not list yanked revisions as such
				// still loads them with the flag.
				if version != "" || !rev.Yanked {
					return rev, s.Name(), nil
				}
			}
			if v := rs[i].Version; !slices.Contains(available, v) {
				available = append(available, v)
			}
		}
	}
	if !found {
		return nil, "", &NotFoundError{Name: name, Repos: c.names()}
	}
	return nil, "", &VersionNotFoundError{Name: name, Version: version, Available: available}
}

func (c *Catalog) names() []string {
	var names []string
	for _, s := range c.sources {
		names = append(names, s.Name())
	}
	return names
}

// Versions returns the revisions of name in every repository, highest
// priority first and newest release first within one, with the
// repository each comes from. The error is a *NotFoundError when no
// repository has the name.
func (c *Catalog) Versions(ctx context.Context, name string) ([]Located, error) {
	var out []Located
	for _, s := range c.sources {
		rs, err := s.Releases(ctx, name)
		if err != nil {
			c.Warnings = append(c.Warnings, err)
			continue
		}
		for i := len(rs) - 1; i >= 0; i-- {
			out = append(out, Located{Version: rs[i].Version, Release: rs[i].Release, Repository: s.Name(), Yanked: rs[i].Yanked})
		}
	}
	if len(out) == 0 {
		return nil, &NotFoundError{Name: name, Repos: c.names()}
	}
	return out, nil
}

// Located is a revision's version and release and the repository it
// comes from.
type Located struct {
	Version    string `json:"version"`
	Release    int    `json:"releaseVersion"`
	Repository string `json:"repository"`
	// Yanked marks a withdrawn revision: listed, installable by exact
	// version, never chosen without one.
	Yanked bool `json:"yanked,omitempty"`
}

// Result is one package found by Search.
type Result struct {
	Name           string         `json:"name"`
	CurrentVersion string         `json:"currentVersion"`
	Versions       []VersionEntry `json:"versions"`
	Description    string         `json:"description"`
	Tags           []string       `json:"tags"`
	Selected       bool           `json:"selected"`
	Framework      bool           `json:"framework"`
	Repository     string         `json:"repository"`
}

// VersionEntry is one version of a Result and its releaseVersion.
type VersionEntry struct {
	Version string `json:"version"`
	Release int    `json:"releaseVersion"`
}

// Search returns the packages whose name, description or a tag matches
// query, as Cosmos matches: a query with "*" is an anchored,
// case-sensitive pattern where "*" is any text; any other query is a
// case-insensitive substring; an empty query matches everything. Each
// name appears once, described by the highest-priority repository that
// has it (its newest release); versions are merged across repositories.
// Selected packages come first, then by name.
func (c *Catalog) Search(ctx context.Context, query string) []Result {
	match := matcher(query)
	byName := map[string]*Result{}
	var order []string
	for _, s := range c.sources {
		sums, err := s.Summaries(ctx)
		if err != nil {
			c.Warnings = append(c.Warnings, err)
			continue
		}
		newest := map[string]Summary{}
		var names []string
		vers := map[string][]VersionEntry{}
		for _, e := range sums {
			if cur, ok := newest[e.Name]; !ok || (cur.Yanked && !e.Yanked) || (cur.Yanked == e.Yanked && e.Release > cur.Release) {
				if !ok {
					names = append(names, e.Name)
				}
				newest[e.Name] = e
			}
			vers[e.Name] = append(vers[e.Name], VersionEntry{Version: e.Version, Release: e.Release})
		}
		for _, n := range names {
			vs := vers[n]
			slices.SortFunc(vs, func(a, b VersionEntry) int { return b.Release - a.Release })
			if r, ok := byName[n]; ok {
				if r == nil {
					continue
				}
				for _, v := range vs {
					if !slices.ContainsFunc(r.Versions, func(x VersionEntry) bool { return x.Version == v.Version }) {
						r.Versions = append(r.Versions, v)
					}
				}
				continue
			}
			e := newest[n]
			if !match(e) {
				continue
			}
			var dedup []VersionEntry
			for _, v := range vs {
				if !slices.ContainsFunc(dedup, func(x VersionEntry) bool { return x.Version == v.Version }) {
					dedup = append(dedup, v)
				}
			}
			byName[n] = &Result{Name: n, CurrentVersion: e.Version, Versions: dedup, Description: e.Description,
				Tags: e.Tags, Selected: e.Selected, Framework: e.Framework, Repository: s.Name()}
			order = append(order, n)
		}
		// A name a higher-priority repository has but that did not match
		// must not be matched through a lower one.
		for _, n := range names {
			if _, ok := byName[n]; !ok {
				byName[n] = nil
			}
		}
	}
	var out []Result
	for _, n := range order {
		if r := byName[n]; r != nil {
			if r.Tags == nil {
				r.Tags = []string{}
			}
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b Result) int {
		if a.Selected != b.Selected {
			if a.Selected {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func matcher(query string) func(Summary) bool {
	if query == "" {
		return func(Summary) bool { return true }
	}
	if strings.Contains(query, "*") {
		parts := strings.Split(query, "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
		return func(s Summary) bool {
			return re.MatchString(s.Name) || re.MatchString(s.Description) || slices.ContainsFunc(s.Tags, re.MatchString)
		}
	}
	q := strings.ToLower(query)
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), q) }
	return func(s Summary) bool {
		return has(s.Name) || has(s.Description) || slices.ContainsFunc(s.Tags, has)
	}
}

// Tree is a Source over a loaded package tree (the built-in repository or
// a local directory).
type Tree struct {
	name string
	tree *repo.Tree
}

// NewTree returns a Source called name over tree.
func NewTree(name string, tree *repo.Tree) *Tree { return &Tree{name: name, tree: tree} }

// Name returns the repository's name.
func (t *Tree) Name() string { return t.name }

// Releases lists the revisions of the package called name.
func (t *Tree) Releases(ctx context.Context, name string) ([]Release, error) {
	p, ok := t.tree.Package(name)
	if !ok {
		return nil, nil
	}
	rs := make([]Release, len(p.Revisions))
	for i, r := range p.Revisions {
		rs[i] = Release{Release: r.Release, Version: r.Version.String(), Yanked: r.Yanked}
	}
	return rs, nil
}

// Revision returns one revision of the tree.
func (t *Tree) Revision(ctx context.Context, name string, release int) (*repo.Revision, error) {
	if p, ok := t.tree.Package(name); ok {
		if r, ok := p.Release(release); ok {
			return r, nil
		}
	}
	return nil, fmt.Errorf("repository %s: package %s release %d: %w", t.name, name, release, ErrPackageNotFound)
}

// Summaries lists the tree's revisions.
func (t *Tree) Summaries(ctx context.Context) ([]Summary, error) {
	var out []Summary
	for _, r := range t.tree.Revisions() {
		m := r.Meta()
		s := Summary{Name: r.Name, Version: r.Version.String(), Release: r.Release, Yanked: r.Yanked}
		if s.Name == "" {
			s.Name = r.Package
		}
		s.Description, _ = m["description"].(string)
		s.Selected, _ = m["selected"].(bool)
		s.Framework, _ = m["framework"].(bool)
		tags, _ := m["tags"].([]any)
		for _, x := range tags {
			if ts, ok := x.(string); ok {
				s.Tags = append(s.Tags, ts)
			}
		}
		out = append(out, s)
	}
	return out, nil
}
