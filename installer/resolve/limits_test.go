package resolve_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/repo"
)

// chain builds n packages, each depending on the next, and one revision
// with deps dependencies on packages that need nothing.
func chain(n, deps int) mapSource {
	src := mapSource{}
	any, _ := semver.NewConstraint(">=1.0.0")
	for i := range n {
		rev := &repo.Revision{Name: fmt.Sprintf("c%05d", i), Version: repo.ParseVersion("1.0.0"), Release: 1}
		if i < n-1 {
			rev.Dependencies = []repo.Dependency{{Name: fmt.Sprintf("c%05d", i+1), Range: ">=1.0.0", Constraints: any}}
		}
		src[rev.Name] = []resolve.Candidate{{Revision: rev, Repository: "r"}}
	}
	wide := &repo.Revision{Name: "wide", Version: repo.ParseVersion("1.0.0"), Release: 1}
	for i := range deps {
		name := fmt.Sprintf("leaf%d", i)
		wide.Dependencies = append(wide.Dependencies, repo.Dependency{Name: name})
		src[name] = []resolve.Candidate{{Revision: &repo.Revision{Name: name, Version: repo.ParseVersion("1.0.0"), Release: 1}, Repository: "r"}}
	}
	src["wide"] = []resolve.Candidate{{Revision: wide, Repository: "r"}}
	return src
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		src  mapSource
		root string
		want string // "" for a solution
	}{
		{"plan at the limit", chain(resolve.MaxPlan, 0), "c00000", ""},
		{"plan over the limit", chain(resolve.MaxPlan+1, 0), "c00000", "resolving c00000 needs more than 10000 packages (the limit), 10001 so far"},
		{"dependencies at the limit", chain(1, resolve.MaxDependencies), "wide", ""},
		{"dependencies over the limit", chain(1, resolve.MaxDependencies+1), "wide", "wide 1.0.0 (repository r) declares 101 dependencies, over the limit of 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := resolve.Resolve(context.Background(), tt.src, resolve.Request{Name: tt.root})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Resolve = %v", err)
				}
				return
			}
			if !errors.Is(err, resolve.ErrLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve = %v, %v; want ErrLimit: %s", sol, err, tt.want)
			}
		})
	}
}
