package resolve

import (
	"context"
	"errors"
	"fmt"
	"github.com/Masterminds/semver/v3"
	"math/bits"
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

// Limits of one resolution, against repositories built to exhaust the
// resolver. The built-in repository's largest plan has 3 packages and its
// most dependencies per revision 1; the synthetic benchmark repository
// (10,000 packages) stays within both.
const (
	// MaxDependencies bounds the dependencies one revision declares.
	MaxDependencies = 100
	// MaxPlan bounds the packages of a solution, reused ones included.
	MaxPlan = 10_000
)

// ErrLimit is wrapped by the errors of Resolve for a revision or a plan
// over MaxDependencies or MaxPlan.
var ErrLimit = errors.New("resolver limit exceeded")

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

// GaveUpError is returned when the search hits Request.MaxSteps before
// finding a solution or proving there is none; Lines are the first dead end
// it met, a place to start looking.
type GaveUpError struct {
	Name  string
	Steps int
	Lines []string
}

func (e *GaveUpError) Error() string {
	s := fmt.Sprintf("cannot install %s: no solution found in %d steps", e.Name, e.Steps)
	if len(e.Lines) > 0 {
		s += "; the first dead end:\n  " + strings.Join(e.Lines, "\n  ")
	}
	return s
}

// CycleError reports a dependency cycle among the chosen revisions, as the
// packages along it, the first repeated at the end.
type CycleError struct {
	Cycle []string
}

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Cycle, " → ")
}

// who names the constraint's author: "spark 3.5.2", or "you".
func (c constraint) who() string {
	if c.from == nil {
		return "you"
	}
	return c.by + " " + c.from.version.String()
}

// constraint is one requirement on a package: who imposes it and the range.
type constraint struct {
	by   string      // package name imposing it; "" for the request
	from *assignment // the imposing package's choice; nil for the request
	dep  repo.Dependency
}

type assignment struct {
	cand      Candidate
	installed *Installed
	version   repo.Version
	deps      []repo.Dependency
	// idx is the assignment's index in its package's candidates.
	idx int
}

type solver struct {
	ctx       context.Context
	src       Source
	req       Request
	acache    map[string][]assignment
	dom       map[string]int
	open      map[string]bool
	checks    map[checkKey]bool
	masks     map[maskKey]uint64
	nogoods   map[member][][]member
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
		acache:   map[string][]assignment{},
		dom:      map[string]int{},
		open:     map[string]bool{},
		checks:   map[checkKey]bool{},
		masks:    map[maskKey]uint64{},
		nogoods:  map[member][][]member{},
		assigned: map[string]*assignment{},
		cons:     map[string][]constraint{},
		maxSteps: req.MaxSteps,
	}
	if s.maxSteps == 0 {
		s.maxSteps = 1_000_000
	}
	root := repo.Dependency{Name: req.Name}
	s.push(req.Name, constraint{dep: root})
	ok, _ := s.solve(0)
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
	if out, ok := s.acache[name]; ok {
		return out, nil
	}
	if in, ok := s.installed(name); ok {
		out := []assignment{{installed: in, version: in.Version, deps: in.Dependencies}}
		s.acache[name] = out
		return out, nil
	}
	if name == s.req.Name && s.req.Root != nil {
		r := s.req.Root.Revision
		out := []assignment{{cand: *s.req.Root, version: r.Version, deps: r.Dependencies}}
		s.acache[name] = out
		return out, nil
	}
	cs, err := s.src.Candidates(s.ctx, name)
	if err != nil {
		return nil, fmt.Errorf("looking up %s: %w", name, err)
	}
	out := make([]assignment, 0, len(cs))
	exact := name == s.req.Name && s.req.Version != ""
	for _, c := range cs {
		if exact && c.Revision.Version.String() != s.req.Version {
			continue
		}
		if n := len(c.Revision.Dependencies); n > MaxDependencies {
			return nil, fmt.Errorf("%w: %s %s (repository %s) declares %d dependencies, over the limit of %d",
				ErrLimit, name, c.Revision.Version, c.Repository, n, MaxDependencies)
		}
		// A yanked revision is chosen only when its exact version is asked
		// for: never as a default, never for a dependency.
		if c.Revision.Yanked && !exact {
			continue
		}
		out = append(out, assignment{cand: c, version: c.Revision.Version, deps: c.Revision.Dependencies, idx: len(out)})
	}
	s.acache[name] = out
	return out, nil
}

// domain counts the candidates of name that satisfy its constraints,
// cached until the constraints on name change.
func (s *solver) domain(name string) int {
	if n, ok := s.dom[name]; ok {
		return n
	}
	n := s.countDomain(name)
	s.dom[name] = n
	return n
}

func (s *solver) countDomain(name string) int {
	cands, err := s.candidates(name)
	if err != nil {
		return 1 // the error surfaces when name is assigned
	}
	if len(cands) <= 64 {
		all := uint64(1)<<len(cands) - 1
		if len(cands) == 64 {
			all = ^uint64(0)
		}
		m := all
		for _, c := range s.cons[name] {
			if c.dep.Range != "" {
				m &= s.mask(c.dep)
			}
		}
		return bits.OnesCount64(m)
	}
	n := 0
	for i := range cands {
		if _, bad := s.violated(name, &cands[i]); !bad {
			n++
		}
	}
	return n
}

// member is one package's choice in a learned nogood.
type member struct {
	name string
	idx  int
}

// learn records that the current choices of the packages in a conflict set
// cannot all stand together (they left some package without a candidate),
// so that the search never tries the same combination again. Small sets
// only: they are the ones that prune.
func (s *solver) learn(conflict map[string]bool) {
	if len(conflict) == 0 || len(conflict) > 6 {
		return
	}
	ng := make([]member, 0, len(conflict))
	for n := range conflict {
		a := s.assigned[n]
		if a == nil {
			return
		}
		ng = append(ng, member{n, a.idx})
	}
	for _, m := range ng {
		s.nogoods[m] = append(s.nogoods[m], ng)
	}
}

// learned returns a nogood that choosing c for name would complete.
func (s *solver) learned(name string, c *assignment) []member {
	for _, ng := range s.nogoods[member{name, c.idx}] {
		all := true
		for _, m := range ng {
			if m.name == name {
				continue
			}
			if a := s.assigned[m.name]; a == nil || a.idx != m.idx {
				all = false
				break
			}
		}
		if all {
			return ng
		}
	}
	return nil
}

// maskKey names a range on a package; versions of a package usually share
// their dependencies' ranges, so a mask is computed once per range text.
type maskKey struct{ name, rng string }

// mask is the set of d.Name's candidates (up to 64, by index) that d
// allows, computed once per package and range.
func (s *solver) mask(d repo.Dependency) uint64 {
	key := maskKey{d.Name, d.Range}
	if m, ok := s.masks[key]; ok && d.Constraints != nil {
		return m
	}
	cands, err := s.candidates(d.Name)
	if err != nil {
		return ^uint64(0)
	}
	var m uint64
	for i := range cands {
		if i < 64 && d.Allows(cands[i].version) {
			m |= 1 << i
		}
	}
	if d.Constraints != nil {
		s.masks[key] = m
	}
	return m
}

// allowsAt reports whether d allows a, one of d.Name's candidates.
func (s *solver) allowsAt(d repo.Dependency, a *assignment) bool {
	if d.Range == "" {
		return true
	}
	if len(s.acache[d.Name]) <= 64 && d.Constraints != nil {
		return s.mask(d)&(1<<a.idx) != 0
	}
	return s.allows(d, a.version)
}

// solve assigns the open packages (constrained, not yet chosen) in turn,
// the most constrained first (fewest candidates left, then by name), so
// dead ends show early. It returns whether it succeeded and, when not, the
// conflict set: the packages whose choices caused the failure, so that
// callers not in it jump back past themselves.
func (s *solver) solve(depth int) (bool, map[string]bool) {
	if len(s.open) == 0 {
		return true, nil
	}
	if n := len(s.assigned) + len(s.open); n > MaxPlan {
		s.err = fmt.Errorf("%w: resolving %s needs more than %d packages (the limit), %d so far", ErrLimit, s.req.Name, MaxPlan, n)
		return false, nil
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return false, nil
	}
	name, bestN := "", int(^uint(0)>>1)
	for n := range s.open {
		d := s.domain(n)
		if d < bestN || (d == bestN && n < name) {
			name, bestN = n, d
		}
	}
	cands, err := s.candidates(name)
	if err != nil {
		s.err = err
		return false, nil
	}
	// The conflict set is built only on failure: most steps succeed.
	var conflict map[string]bool
	mark := func(k string) {
		if conflict == nil {
			conflict = map[string]bool{}
		}
		conflict[k] = true
	}
	var why []reject
	for i := range cands {
		c := &cands[i]
		s.steps++
		if s.steps > s.maxSteps {
			s.err = &GaveUpError{Name: s.req.Name, Steps: s.maxSteps, Lines: append([]string(nil), s.deepest...)}
			return false, nil
		}
		if bad, ok := s.violated(name, c); ok {
			why = append(why, reject{kind: rejectRange, bad: bad})
			continue
		}
		if d, a, ok := s.depClash(c); ok {
			mark(d.Name)
			why = append(why, reject{kind: rejectClash, dep: d, other: a})
			continue
		}
		if ng := s.learned(name, c); ng != nil {
			// A combination already proven to fail.
			for _, m := range ng {
				if m.name != name {
					mark(m.name)
				}
			}
			why = append(why, reject{})
			continue
		}
		// Assign, constrain the dependencies, and go on.
		s.assign(name, c)
		var pushed []string
		for _, d := range c.deps {
			if d.Optional {
				if _, in := s.installed(d.Name); !in && s.assigned[d.Name] == nil {
					continue
				}
			}
			s.push(d.Name, constraint{by: name, from: c, dep: d})
			pushed = append(pushed, d.Name)
		}
		ok, cs := true, map[string]bool(nil)
		for _, dn := range pushed {
			if s.assigned[dn] == nil && s.domain(dn) == 0 {
				// Forward check: nothing is left for dn.
				ok, cs = false, map[string]bool{name: true}
				for _, k := range s.cons[dn] {
					if k.by != "" {
						cs[k.by] = true
					}
				}
				s.deadEndFor(dn, depth+1)
				break
			}
		}
		if ok {
			ok, cs = s.solve(depth + 1)
		}
		if ok {
			return true, nil
		}
		for i := len(pushed) - 1; i >= 0; i-- {
			s.pop(pushed[i])
		}
		s.unassign(name)
		if s.err != nil {
			return false, nil
		}
		if !cs[name] {
			return false, cs
		}
		for k := range cs {
			if k != name {
				mark(k)
			}
		}
		why = append(why, reject{}) // explained deeper
	}
	if len(cands) == 0 || nonEmpty(why) > 0 {
		s.recordDeadEnd(name, cands, why, depth)
	}
	for _, c := range s.cons[name] {
		if c.by != "" {
			mark(c.by)
		}
	}
	if conflict == nil {
		conflict = map[string]bool{}
	}
	s.learn(conflict)
	return false, conflict
}

func (s *solver) push(name string, c constraint) {
	s.cons[name] = append(s.cons[name], c)
	delete(s.dom, name)
	if s.assigned[name] == nil {
		s.open[name] = true
	}
}

func (s *solver) pop(name string) {
	l := s.cons[name]
	s.cons[name] = l[:len(l)-1]
	delete(s.dom, name)
	if len(l) == 1 {
		delete(s.open, name)
	}
}

func (s *solver) assign(name string, a *assignment) {
	s.assigned[name] = a
	s.order = append(s.order, name)
	delete(s.open, name)
}

func (s *solver) unassign(name string) {
	delete(s.assigned, name)
	s.order = s.order[:len(s.order)-1]
	if len(s.cons[name]) > 0 {
		s.open[name] = true
	}
}

// deadEndFor records why name has no candidate left.
func (s *solver) deadEndFor(name string, depth int) {
	cands, _ := s.candidates(name)
	why := make([]reject, len(cands))
	for i := range cands {
		if bad, ok := s.violated(name, &cands[i]); ok {
			why[i] = reject{kind: rejectRange, bad: bad}
		}
	}
	s.recordDeadEnd(name, cands, why, depth)
}

func (s *solver) recordDeadEnd(name string, cands []assignment, rejects []reject, depth int) {
	if !(depth >= s.deepDepth || s.deepest == nil) {
		return
	}
	why := make([]string, len(rejects))
	for i, r := range rejects {
		switch r.kind {
		case rejectRange:
			why[i] = s.describe(name, &cands[i]) + " does not satisfy " + r.bad.who() + "'s " + rangeText(r.bad.dep.Range)
		case rejectClash:
			why[i] = fmt.Sprintf("%s depends on %s %s, which conflicts with %s", s.describe(name, &cands[i]), r.dep.Name, rangeText(r.dep.Range), s.describe(r.dep.Name, r.other))
		}
	}
	{
		if depth >= s.deepDepth || s.deepest == nil {
			s.deepest = s.deadEnd(name, cands, why)
			s.deepDepth = depth
		}
	}
}

// reject is why a candidate was not taken, formatted only when a dead
// end is explained.
type reject struct {
	kind  int
	bad   constraint
	dep   repo.Dependency
	other *assignment
}

const (
	rejectDeeper = iota
	rejectRange
	rejectClash
)

func nonEmpty(l []reject) int {
	n := 0
	for _, r := range l {
		if r.kind != rejectDeeper {
			n++
		}
	}
	return n
}

type checkKey struct {
	c *semver.Constraints
	v *semver.Version
}

// allows is d.Allows(v), remembered: semver's Check is costly and the
// search asks the same questions again after backtracking.
func (s *solver) allows(d repo.Dependency, v repo.Version) bool {
	if d.Range == "" {
		return true
	}
	k := checkKey{d.Constraints, v.Semver()}
	if k.c == nil || k.v == nil {
		return false
	}
	if ok, hit := s.checks[k]; hit {
		return ok
	}
	ok := d.Allows(v)
	s.checks[k] = ok
	return ok
}

// violated returns a constraint on name that a, one of its candidates,
// does not satisfy.
func (s *solver) violated(name string, a *assignment) (constraint, bool) {
	for _, c := range s.cons[name] {
		if c.dep.Range == "" {
			continue
		}
		if !s.allowsAt(c.dep, a) {
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
			if in, ok := s.installed(d.Name); ok && d.Range != "" && !s.allows(d, in.Version) {
				return d, &assignment{installed: in, version: in.Version}, true
			}
			continue
		}
		if d.Range != "" && !s.allowsAt(d, a) {
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
		lines = append(lines, fmt.Sprintf("%s depends on %s %s", c.who(), name, rangeText(c.dep.Range)))
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
			subject, reason := name+" "+g.versions[0], g.reason
			if len(g.versions) > 1 {
				subject = name + " " + strings.Join(g.versions, ", ")
				reason = strings.Replace(reason, " does not satisfy ", " do not satisfy ", 1)
				reason = strings.Replace(reason, " depends on ", " all depend on ", 1)
			}
			lines = append(lines, subject+reason)
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
