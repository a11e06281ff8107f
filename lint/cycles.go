package lint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/universe-pm/universe/repo"
)

// checkCycles reports dependency cycles. The graph's nodes are revisions and
// a revision points at every revision of each dependency whose version its
// range allows, so a cycle is a set of versions that could require each
// other. Each cycle is reported once, at the dependency entry of its first
// revision that closes it.
func checkCycles(t *repo.Tree) []repo.Finding {
	type edge struct {
		to  *repo.Revision
		dep int // index in the from revision's dependencies
	}
	edges := map[*repo.Revision][]edge{}
	for _, r := range t.Revisions() {
		for i, d := range r.Dependencies {
			p, ok := t.Package(d.Name)
			if !ok || d.RangeErr != nil || d.Name == r.Package {
				continue
			}
			for _, to := range p.Revisions {
				if d.Allows(to.Version) {
					edges[r] = append(edges[r], edge{to, i})
				}
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := map[*repo.Revision]int{}
	var stack []*repo.Revision
	var stackDep []int
	seen := map[string]bool{}
	var out []repo.Finding
	var visit func(r *repo.Revision)
	visit = func(r *repo.Revision) {
		color[r] = grey
		stack = append(stack, r)
		for _, e := range edges[r] {
			switch color[e.to] {
			case white:
				stackDep = append(stackDep, e.dep)
				visit(e.to)
				stackDep = stackDep[:len(stackDep)-1]
			case grey:
				start := slices.Index(stack, e.to)
				cycle := append(slices.Clone(stack[start:]), e.to)
				key := cycleKey(cycle[:len(cycle)-1])
				if seen[key] {
					continue
				}
				seen[key] = true
				names := make([]string, len(cycle))
				for i, c := range cycle {
					names[i] = c.Package + " " + c.Version.String()
				}
				// Report at the first revision of the cycle, on the entry that leads on.
				first, dep := cycle[0], e.dep
				if len(cycle) > 2 {
					dep = stackDep[start]
				}
				ptr := jsonPointer("dependencies", strconv.Itoa(dep))
				line, col := first.PackageJSON.Position(ptr)
				out = append(out, repo.Finding{Severity: repo.Error, Rule: RuleDepCycle, File: first.PackageJSON.Path,
					Line: line, Col: col, Pointer: ptr, Package: first.Package, Release: first.Release,
					Message: "dependency cycle: " + strings.Join(names, " -> ")})
			}
		}
		stack = stack[:len(stack)-1]
		color[r] = black
	}
	for _, r := range t.Revisions() {
		if color[r] == white {
			visit(r)
		}
	}
	return out
}

func cycleKey(rs []*repo.Revision) string {
	ks := make([]string, len(rs))
	for i, r := range rs {
		ks[i] = fmt.Sprintf("%s/%d", r.Package, r.Release)
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}
