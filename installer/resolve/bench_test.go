package resolve_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/repo"
)

// mapSource is an in-memory Source.
type mapSource map[string][]resolve.Candidate

func (m mapSource) Candidates(_ context.Context, name string) ([]resolve.Candidate, error) {
	return m[name], nil
}

// synthetic builds n packages of v versions each (1.0.0 … 1.<v-1>.0),
// every version depending on up to maxDeps packages further down the list
// with a random range ">=1.a.0 <1.b.0" (narrow: one to three minor
// versions wide). The seed makes it repeatable.
func synthetic(n, v, maxDeps int, seed uint64, narrow bool) mapSource {
	r := rand.New(rand.NewPCG(seed, seed))
	src := mapSource{}
	for i := range n {
		name := fmt.Sprintf("pkg%05d", i)
		var cands []resolve.Candidate
		for k := v - 1; k >= 0; k-- {
			rev := &repo.Revision{Package: name, Name: name, Release: k + 1, Version: repo.ParseVersion(fmt.Sprintf("1.%d.0", k))}
			if i < n-1 {
				for range r.IntN(maxDeps + 1) {
					j := i + 1 + r.IntN(min(50, n-i-1))
					a := r.IntN(v)
					b := a + 1 + r.IntN(v-a)
					if narrow {
						b = a + 1 + r.IntN(3)
					}
					rng := fmt.Sprintf(">=1.%d.0 <1.%d.0", a, b)
					c, err := semver.NewConstraint(rng)
					if err != nil {
						panic(err)
					}
					rev.Dependencies = append(rev.Dependencies, repo.Dependency{Name: fmt.Sprintf("pkg%05d", j), Range: rng, Constraints: c})
				}
			}
			cands = append(cands, resolve.Candidate{Revision: rev, Repository: "synthetic"})
		}
		src[name] = cands
	}
	return src
}

// BenchmarkResolve resolves the first package of a synthetic repository of
// 10,000 packages × 20 versions with random ranges; each iteration asks for
// a different root. Goal: a solution or an explanation in under 100 ms.
func BenchmarkResolve(b *testing.B) {
	src := synthetic(10000, 20, 3, 1, false)
	solved, failed, chosen := 0, 0, 0
	i := 0
	for b.Loop() {
		root := fmt.Sprintf("pkg%05d", (i*97)%9000)
		i++
		sol, err := resolve.Resolve(context.Background(), src, resolve.Request{Name: root})
		if err != nil {
			failed++
			continue
		}
		solved++
		chosen += len(sol.Choices)
	}
	if solved > 0 {
		b.ReportMetric(float64(chosen)/float64(solved), "pkgs/solution")
	}
	b.ReportMetric(float64(failed)/float64(solved+failed), "unsolvable")
}

func TestResolveSyntheticFinishes(t *testing.T) {
	src := synthetic(2000, 20, 3, 2, false)
	for i := 0; i < 20; i++ {
		root := fmt.Sprintf("pkg%05d", i*50)
		_, err := resolve.Resolve(context.Background(), src, resolve.Request{Name: root, MaxSteps: 200000})
		if err != nil {
			if _, ok := err.(*resolve.ConflictError); !ok {
				t.Errorf("Resolve(%s) = %v, want a solution or a conflict", root, err)
			}
		}
	}
}

// BenchmarkResolveTight is BenchmarkResolve with narrow ranges (a window
// of one to three minor versions) and up to four dependencies per version,
// where many roots have no solution: it measures the time to an answer,
// solution or explanation. Roots the search gives up on (MaxSteps) count
// as gave-up.
func BenchmarkResolveTight(b *testing.B) {
	src := synthetic(10000, 20, 4, 3, true)
	solved, explained, gaveUp := 0, 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		root := fmt.Sprintf("pkg%05d", (i*97)%9000)
		_, err := resolve.Resolve(context.Background(), src, resolve.Request{Name: root, MaxSteps: 100000})
		switch {
		case err == nil:
			solved++
		case errors.Is(err, resolve.ErrNoSolution):
			explained++
		default:
			gaveUp++
		}
	}
	n := float64(solved + explained + gaveUp)
	b.ReportMetric(float64(explained)/n, "explained")
	b.ReportMetric(float64(gaveUp)/n, "gave-up")
}
