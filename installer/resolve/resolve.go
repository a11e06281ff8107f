package resolve

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/universe-pm/universe/repo"
)

// Candidate is one revision a repository offers, and the repository's name.
type Candidate struct {
	Revision   *repo.Revision
	Repository string
}

// Source lists the revisions of a package, most preferred first: highest
// priority repository first, newest releaseVersion first within one. It
// returns no candidates (and no error) for an unknown package.
type Source interface {
	Candidates(ctx context.Context, name string) ([]Candidate, error)
}

// Installed is a package already on the cluster. Installed packages are
// kept as they are: the resolver never replaces or duplicates them.
type Installed struct {
	Name    string
	Version repo.Version
	AppID   string
	// Dependencies are the installed package's own dependencies (from its
	// stored definition); they were resolved when it was installed.
	Dependencies []repo.Dependency
}

// Request is what to resolve.
type Request struct {
	// Name is the package asked for.
	Name string
	// Version, when set, is the exact version string wanted (as Cosmos
	// matches --package-version); empty means the preferred one.
	Version string
	// Root, when set, is the revision to use for Name (upgrade), bypassing
	// the Source for it.
	Root *Candidate
	// Installed are the packages on the cluster, by name.
	Installed map[string]Installed
	// Ignore names installed packages to treat as absent (the package
	// being upgraded, the packages an interrupted install created).
	Ignore map[string]bool
	// MaxSteps bounds the search (candidate trials); 1,000,000 when 0.
	MaxSteps int
}

// Choice is the revision chosen for one package.
type Choice struct {
	Name string
	// Candidate is the revision to install; nil Revision when the package
	// is installed and reused.
	Candidate
	// Installed is set when the installed package is reused.
	Installed *Installed
	// Version is the chosen version.
	Version repo.Version
	// Dependencies are the names of the packages this one depends on in the
	// solution (optional dependencies only when present).
	Dependencies []string
	// Wave is the install wave: 0 for packages that depend on nothing to be
	// installed, else one more than the highest wave among dependencies.
	// Reused packages have wave -1.
	Wave int
}

// Solution is a resolved graph, dependencies before dependents (by wave,
// then name); the requested package is last.
type Solution struct {
	Choices []Choice
	// Steps is how many candidate trials the search took.
	Steps int
}

// Choice returns the choice for name.
func (s *Solution) Choice(name string) (Choice, bool) {
	for _, c := range s.Choices {
		if c.Name == name {
			return c, true
		}
	}
	return Choice{}, false
}

// ErrNoSolution is wrapped by *ConflictError.
var ErrNoSolution = errors.New("no solution")

// ConflictError explains why no set of versions works: one line per fact,
// in the order a person reads them, ending with what to do.
type ConflictError struct {
	Name  string
	Lines []string
}

func (e *ConflictError) Error() string {
	return "cannot install " + e.Name + ":\n  " + strings.Join(e.Lines, "\n  ")
}

// Unwrap returns ErrNoSolution.
func (e *ConflictError) Unwrap() error { return ErrNoSolution }

// CycleError reports a dependency cycle among the chosen revisions, as the
// packages along it, the first repeated at the end.
type CycleError struct {
	Cycle []string
}

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Cycle, " → ")
}

// constraint is one requirement on a package: who imposes it and the range.
type constraint struct {
	by  string // package name imposing it; "" for the request
	who string // "spark 3.5.2" or "you"
	dep repo.Dependency
}

type assignment struct {
	cand      Candidate
	installed *Installed
	version   repo.Version
	deps      []repo.Dependency
}

type solver struct {
	ctx       context.Context
	src       Source
	req       Request
	cache     map[string][]Candidate
	assigned  map[string]*assignment
	order     []string
	cons      map[string][]constraint
	steps     int
	maxSteps  int
	err       error
	deepest   []string // explanation of the first dead end met
	deepDepth int
}

// Resolve chooses a revision for req.Name and every package it needs.
// It returns a *ConflictError when no choice works, a *CycleError when the
// chosen revisions depend on each other in a cycle, or the Source's error.
func Resolve(ctx context.Context, src Source, req Request) (*Solution, error) {
	s := &solver{
		ctx: ctx, src: src, req: req,
		cache:    map[string][]Candidate{},
		assigned: map[string]*assignment{},
		cons:     map[string][]constraint{},
		maxSteps: req.MaxSteps,
	}
	if s.maxSteps == 0 {
		s.maxSteps = 1_000_000
	}
	root := repo.Dependency{Name: req.Name}
	s.cons[req.Name] = []constraint{{who: "you", dep: root}}
	ok, _ := s.solve([]string{req.Name}, 0)
	if s.err != nil {
		return nil, s.err
	}
	if !ok {
		return nil, s.explain()
	}
	return s.solution()
}

func (s *solver) installed(name string) (*Installed, bool) {
	if s.req.Ignore[name] {
		return nil, false
	}
	in, ok := s.req.Installed[name]
	if !ok {
		return nil, false
	}
	return &in, true
}

// candidates returns the choices for name, most preferred first: the
// installed package alone when there is one, else the repositories'.
func (s *solver) candidates(name string) ([]assignment, error) {
	if in, ok := s.installed(name); ok {
		return []assignment{{installed: in, version: in.Version, deps: in.Dependencies}}, nil
	}
	if name == s.req.Name && s.req.Root != nil {
		r := s.req.Root.Revision
		return []assignment{{cand: *s.req.Root, version: r.Version, deps: r.Dependencies}}, nil
	}
	cs, ok := s.cache[name]
	if !ok {
		var err error
		cs, err = s.src.Candidates(s.ctx, name)
		if err != nil {
			return nil, fmt.Errorf("looking up %s: %w", name, err)
		}
		s.cache[name] = cs
	}
	out := make([]assignment, 0, len(cs))
	for _, c := range cs {
		if name == s.req.Name && s.req.Version != "" && c.Revision.Version.String() != s.req.Version {
			continue
		}
		out = append(out, assignment{cand: c, version: c.Revision.Version, deps: c.Revision.Dependencies})
	}
	return out, nil
}

// solve assigns the pending packages in turn. It returns whether it
// succeeded and, when not, the conflict set: the packages whose choices
// caused the failure, so that callers not in it jump back past themselves.
func (s *solver) solve(pending []string, depth int) (bool, map[string]bool) {
	for len(pending) > 0 && s.assigned[pending[0]] != nil {
		pending = pending[1:]
	}
	if len(pending) == 0 {
		return true, nil
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return false, nil
	}
	name, rest := pending[0], pending[1:]
	cands, err := s.candidates(name)
	if err != nil {
		s.err = err
		return false, nil
	}
	conflict := map[string]bool{}
	for _, c := range s.cons[name] {
		if c.by != "" {
			conflict[c.by] = true
		}
	}
	var why []string
	for i := range cands {
		c := &cands[i]
		s.steps++
		if s.steps > s.maxSteps {
			s.err = fmt.Errorf("resolving %s: gave up after %d steps", s.req.Name, s.maxSteps)
			return false, nil
		}
		if bad, ok := s.violated(name, c.version); ok {
			why = append(why, s.describe(name, c)+" does not satisfy "+bad.who+"'s "+rangeText(bad.dep.Range))
			continue
		}
		if d, a, ok := s.depClash(c); ok {
			conflict[d.Name] = true
			why = append(why, fmt.Sprintf("%s depends on %s %s, which conflicts with %s", s.describe(name, c), d.Name, rangeText(d.Range), s.describe(d.Name, a)))
			continue
		}
		// Assign and recurse.
		s.assigned[name] = c
		s.order = append(s.order, name)
		who := name + " " + c.version.String()
		next := append([]string(nil), rest...)
		for _, d := range c.deps {
			if d.Optional {
				if _, in := s.installed(d.Name); !in && s.assigned[d.Name] == nil {
					continue
				}
			}
			s.cons[d.Name] = append(s.cons[d.Name], constraint{by: name, who: who, dep: d})
			next = append(next, d.Name)
		}
		ok, cs := s.solve(next, depth+1)
		if ok {
			return true, nil
		}
		// Undo.
		for _, d := range c.deps {
			l := s.cons[d.Name]
			if len(l) > 0 && l[len(l)-1].by == name {
				s.cons[d.Name] = l[:len(l)-1]
			}
		}
		delete(s.assigned, name)
		s.order = s.order[:len(s.order)-1]
		if s.err != nil {
			return false, nil
		}
		if !cs[name] {
			return false, cs
		}
		for k := range cs {
			if k != name {
				conflict[k] = true
			}
		}
		why = append(why, "") // explained deeper
	}
	if len(cands) == 0 || nonEmpty(why) > 0 {
		if depth >= s.deepDepth || s.deepest == nil {
			s.deepest = s.deadEnd(name, cands, why)
			s.deepDepth = depth
		}
	}
	return false, conflict
}

func nonEmpty(l []string) int {
	n := 0
	for _, s := range l {
		if s != "" {
			n++
		}
	}
	return n
}

// violated returns a constraint on name that v does not satisfy.
func (s *solver) violated(name string, v repo.Version) (constraint, bool) {
	for _, c := range s.cons[name] {
		if c.dep.Range == "" {
			continue
		}
		if !c.dep.Allows(v) {
			return c, true
		}
	}
	return constraint{}, false
}

// depClash returns a dependency of c that an already chosen package does
// not satisfy.
func (s *solver) depClash(c *assignment) (repo.Dependency, *assignment, bool) {
	for _, d := range c.deps {
		a := s.assigned[d.Name]
		if a == nil {
			if in, ok := s.installed(d.Name); ok && d.Range != "" && !d.Allows(in.Version) {
				return d, &assignment{installed: in, version: in.Version}, true
			}
			continue
		}
		if d.Range != "" && !d.Allows(a.version) {
			return d, a, true
		}
	}
	return repo.Dependency{}, nil, false
}

func (s *solver) describe(name string, a *assignment) string {
	if a.installed != nil {
		return fmt.Sprintf("the installed %s %s (%s)", name, a.version, a.installed.AppID)
	}
	return name + " " + a.version.String()
}

func rangeText(r string) string {
	if r == "" {
		return "(any version)"
	}
	return r
}

// deadEnd explains why no candidate of name works under the current
// constraints.
func (s *solver) deadEnd(name string, cands []assignment, why []string) []string {
	var lines []string
	for _, c := range s.cons[name] {
		if c.by == "" {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s depends on %s %s", c.who, name, rangeText(c.dep.Range)))
	}
	switch {
	case len(cands) == 0 && name == s.req.Name && s.req.Version != "":
		lines = append(lines, fmt.Sprintf("no repository has %s version %s", name, s.req.Version))
	case len(cands) == 0:
		lines = append(lines, fmt.Sprintf("no repository has a package called %s", name))
	default:
		// Group the same reason for several versions.
		type group struct {
			versions []string
			reason   string
		}
		var groups []*group
		byReason := map[string]*group{}
		for i, w := range why {
			if w == "" {
				continue
			}
			v := cands[i].version.String()
			reason := strings.TrimPrefix(w, s.describe(name, &cands[i]))
			g := byReason[reason]
			if g == nil {
				g = &group{reason: reason}
				byReason[reason] = g
				groups = append(groups, g)
			}
			g.versions = append(g.versions, v)
		}
		for _, g := range groups {
			if len(cands) == 1 && cands[0].installed != nil {
				lines = append(lines, s.describe(name, &cands[0])+g.reason)
				continue
			}
			subject := name + " " + g.versions[0]
			if len(g.versions) > 1 {
				subject = name + " " + strings.Join(g.versions, ", ")
			}
			lines = append(lines, subject+g.reason)
		}
	}
	return lines
}

// explain builds the error for a search that found nothing.
func (s *solver) explain() error {
	lines := append([]string(nil), s.deepest...)
	lines = append(lines, s.hints()...)
	return &ConflictError{Name: s.req.Name, Lines: lines}
}

// hints says what a person can do: upgrade installed packages that stand in
// the way, or add a repository.
func (s *solver) hints() []string {
	var out []string
	text := strings.Join(s.deepest, "\n")
	names := make([]string, 0, len(s.req.Installed))
	for n := range s.req.Installed {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		in := s.req.Installed[n]
		if strings.Contains(text, "installed "+n+" ") {
			out = append(out, fmt.Sprintf("installed packages are kept: upgrade %s (universe upgrade %s --package-version V) or uninstall it, then retry", in.AppID, n))
		}
	}
	if strings.Contains(text, "no repository has") {
		out = append(out, "add a repository that has it (universe repo add NAME URL), or check the name and version (universe search)")
	}
	return out
}

// solution orders the assignment by waves and checks for cycles.
func (s *solver) solution() (*Solution, error) {
	deps := map[string][]string{}
	for _, name := range s.order {
		a := s.assigned[name]
		var ds []string
		for _, d := range a.deps {
			if s.assigned[d.Name] != nil {
				ds = append(ds, d.Name)
			}
		}
		sort.Strings(ds)
		deps[name] = ds
	}
	if cyc := findCycle(s.order, deps, s.assigned); cyc != nil {
		return nil, &CycleError{Cycle: cyc}
	}
	wave := map[string]int{}
	var waveOf func(string) int
	waveOf = func(n string) int {
		if w, ok := wave[n]; ok {
			return w
		}
		w := -1
		if s.assigned[n].installed == nil {
			w = 0
			for _, d := range deps[n] {
				if dw := waveOf(d); dw+1 > w {
					w = dw + 1
				}
			}
		}
		wave[n] = w
		return w
	}
	sol := &Solution{Steps: s.steps}
	for _, name := range s.order {
		a := s.assigned[name]
		c := Choice{Name: name, Candidate: a.cand, Installed: a.installed, Version: a.version, Dependencies: deps[name], Wave: waveOf(name)}
		sol.Choices = append(sol.Choices, c)
	}
	sort.SliceStable(sol.Choices, func(i, j int) bool {
		ci, cj := sol.Choices[i], sol.Choices[j]
		if ci.Name == s.req.Name || cj.Name == s.req.Name {
			return cj.Name == s.req.Name && ci.Name != s.req.Name
		}
		if ci.Wave != cj.Wave {
			return ci.Wave < cj.Wave
		}
		return ci.Name < cj.Name
	})
	return sol, nil
}

// findCycle returns a cycle of the graph as "name version" steps, the first
// repeated at the end, or nil.
func findCycle(order []string, deps map[string][]string, as map[string]*assignment) []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var cycle []string
	var visit func(string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		for _, d := range deps[n] {
			switch color[d] {
			case grey:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				for _, m := range stack[i:] {
					cycle = append(cycle, m+" "+as[m].version.String())
				}
				cycle = append(cycle, d+" "+as[d].version.String())
				return true
			case white:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	for _, n := range order {
		if color[n] == white && visit(n) {
			return cycle
		}
	}
	return nil
}

// Tree is a named package tree, one repository of Trees.
type Tree struct {
	Name string
	Tree *repo.Tree
}

// Trees is a Source over loaded package trees, highest priority first.
type Trees []Tree

// Candidates lists name's revisions, tree by tree, newest release first.
func (ts Trees) Candidates(_ context.Context, name string) ([]Candidate, error) {
	var out []Candidate
	for _, t := range ts {
		p, ok := t.Tree.Package(name)
		if !ok {
			continue
		}
		for i := len(p.Revisions) - 1; i >= 0; i-- {
			out = append(out, Candidate{Revision: p.Revisions[i], Repository: t.Name})
		}
	}
	return out, nil
}
