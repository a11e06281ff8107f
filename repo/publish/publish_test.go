package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/pubtest"
	"github.com/universe-pm/universe/repo"
)

// baseTree is alpha 1.0.0 (0) → 1.1.0 (100), beta 2.0.0 (0), and gamma
// 1.0.0 (0) which needs beta below 2.
func baseTree(t *testing.T) string {
	return writeTree(t, map[string]map[string]string{
		"A/alpha/0":   pubtest.Revision("alpha", "1.0.0", ""),
		"A/alpha/100": pubtest.Revision("alpha", "1.1.0", `"upgradesFrom": ["1.0.0"],`),
		"B/beta/0":    pubtest.Revision("beta", "2.0.0", ""),
		"G/gamma/0":   pubtest.Revision("gamma", "1.0.0", `"dependencies": [{"name": "beta", "version": "<2.0.0"}],`),
	})
}

func TestReleaseChecks(t *testing.T) {
	tests := []struct {
		name    string
		name2   string // package name; alpha when empty
		version string
		extra   string
		opts    Options
		// rule is the release check that must refuse, with a message
		// containing msg; empty for a release that passes.
		rule, msg string
		release   int
	}{
		{name: "new version", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"],`, release: 200},
		{name: "new version, wildcard upgrade", version: "2.0.0", extra: `"upgradesFrom": ["*"],`, release: 200},
		{name: "new package", name2: "delta", version: "0.1.0", release: 0},
		{name: "explicit release", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"],`, opts: Options{Release: 150}, release: 150},
		{name: "version exists", version: "1.1.0", extra: `"upgradesFrom": ["1.0.0"],`,
			rule: RuleVersionExists, msg: "version 1.1.0 of alpha is already released as A/alpha/100"},
		{name: "release taken", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"],`, opts: Options{Release: 100},
			rule: RuleReleaseTaken, msg: "release 100 of alpha is taken by version 1.1.0"},
		{name: "upgradesFrom unknown", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0", "0.9.0"],`,
			rule: RuleUpgradeRef, msg: `upgradesFrom names version "0.9.0", which alpha has not released`},
		{name: "downgradesTo unknown", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"], "downgradesTo": ["1.1.1"],`,
			rule: RuleUpgradeRef, msg: `downgradesTo names version "1.1.1", which alpha has not released`},
		{name: "dead end", version: "1.2.0", extra: `"upgradesFrom": ["1.0.0"],`,
			rule: RuleDeadEnd, msg: "version 1.1.0 (A/alpha/100) cannot upgrade to the newest version 1.2.0"},
		{name: "no upgrade path at all", version: "1.2.0",
			rule: RuleDeadEnd, msg: "version 1.0.0 (A/alpha/0) cannot upgrade to the newest version 1.2.0"},
		{name: "dead end declared", version: "1.2.0", opts: Options{AllowDeadEnd: true}, release: 200},
		{name: "older version", version: "1.0.5", extra: `"upgradesFrom": ["1.0.0"], "downgradesTo": ["1.0.0"],`,
			rule: RuleOlder, msg: "version 1.0.5 is not higher than 1.1.0 (A/alpha/100), the newest release: use --allow-older"},
		{name: "older version allowed takes a patch slot", version: "1.0.5", extra: `"upgradesFrom": ["1.0.0"], "downgradesTo": ["1.0.0"],`,
			opts: Options{AllowOlder: true}, release: 1},
		{name: "older than every version, no free slot", version: "0.5.0", extra: `"downgradesTo": ["1.0.0"],`,
			opts: Options{AllowOlder: true}, rule: RuleNoSlot, msg: "no free release number between -1 and 0"},
		{name: "dependency unknown", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"], "dependencies": [{"name": "nope"}],`,
			rule: "dependencies/unknown-package", msg: "nope"},
		{name: "dependency unsatisfiable", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"], "dependencies": [{"name": "beta", "version": ">=3.0.0"}],`,
			rule: "dependencies/unsatisfiable", msg: "beta"},
		{name: "dependencies conflict", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"], "dependencies": [{"name": "beta", "version": ">=2.0.0"}, {"name": "gamma"}],`,
			rule: RuleDependency, msg: "dependencies do not resolve against the repository"},
		{name: "dependencies resolve", version: "1.2.0", extra: `"upgradesFrom": ["1.1.0"], "dependencies": [{"name": "beta", "version": ">=2.0.0"}],`, release: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := baseTree(t)
			name := tt.name2
			if name == "" {
				name = "alpha"
			}
			res, err := Plan(context.Background(), repo.DirFS(dir), srcFS(pubtest.Revision(name, tt.version, tt.extra)), tt.opts)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if tt.rule == "" {
				if !res.OK() {
					t.Fatalf("Plan(%s %s) refused:\n%s", name, tt.version, rulesOf(res))
				}
				if res.Release != tt.release {
					t.Errorf("Plan(%s %s).Release = %d, want %d", name, tt.version, res.Release, tt.release)
				}
				return
			}
			for _, f := range res.Findings {
				if f.Rule == tt.rule && f.Severity == repo.Error && strings.Contains(f.Message, tt.msg) {
					if res.Err() == nil || !strings.Contains(res.Err().Error(), "cannot publish "+name+" "+tt.version) {
						t.Errorf("Err() = %v, want an error naming the release", res.Err())
					}
					return
				}
			}
			t.Errorf("Plan(%s %s) findings lack %s error %q:\n%s", name, tt.version, tt.rule, tt.msg, rulesOf(res))
		})
	}
}

func TestNextRelease(t *testing.T) {
	tests := []struct {
		releases []int
		want     int
	}{
		{nil, 0},
		{[]int{0}, 100},
		{[]int{0, 1, 2}, 100},
		{[]int{0, 100}, 200},
		{[]int{0, 150}, 200},
		{[]int{7}, 100},
		{[]int{199}, 200},
		{[]int{200}, 300},
	}
	for _, tt := range tests {
		p := &repo.Package{Name: "p"}
		for _, r := range tt.releases {
			p.Revisions = append(p.Revisions, &repo.Revision{Release: r})
		}
		if got := NextRelease(p); got != tt.want {
			t.Errorf("NextRelease(%v) = %d, want %d", tt.releases, got, tt.want)
		}
	}
}

func TestPatchSlot(t *testing.T) {
	p := &repo.Package{Name: "p"}
	for _, r := range []struct {
		rel int
		v   string
	}{{0, "1.0.0"}, {1, "1.0.1"}, {100, "1.1.0"}, {200, "2.0.0"}} {
		p.Revisions = append(p.Revisions, &repo.Revision{Release: r.rel, Version: repo.ParseVersion(r.v)})
	}
	tests := []struct {
		v    string
		want int
	}{
		{"1.0.2", 2},   // after 1.0.1 at 1
		{"1.1.5", 101}, // after 1.1.0
	}
	for _, tt := range tests {
		got, err := patchSlot(p, repo.ParseVersion(tt.v))
		if err != nil || got != tt.want {
			t.Errorf("patchSlot(%s) = %d, %v, want %d", tt.v, got, err, tt.want)
		}
	}
	if _, err := patchSlot(p, repo.ParseVersion("0.9.0")); err == nil || !strings.Contains(err.Error(), "no free release number between -1 and 0") {
		t.Errorf("patchSlot(0.9.0) error = %v, want no free release number", err)
	}
	if got, err := patchSlot(p, repo.ParseVersion("3.0.0")); err != nil || got != 300 {
		t.Errorf("patchSlot(3.0.0) = %d, %v, want 300", got, err)
	}
	if _, err := patchSlot(p, repo.ParseVersion("1.0-fix")); err == nil {
		t.Errorf("patchSlot(1.0-fix) = nil error, want non-semver refused")
	}
}

func TestWrite(t *testing.T) {
	ctx := context.Background()
	dir := baseTree(t)
	files := pubtest.Revision("alpha", "1.2.0", `"upgradesFrom": ["1.1.0"],`)
	res, err := Plan(ctx, repo.DirFS(dir), srcFS(files), Options{})
	if err != nil || !res.OK() {
		t.Fatalf("Plan: %v\n%s", err, rulesOf(res))
	}
	if err := Write(ctx, dir, res); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got := map[string]string{}
	es, err := os.ReadDir(filepath.Join(dir, "A", "alpha", "200"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(dir, "A", "alpha", "200", e.Name()))
		got[e.Name()] = string(b)
	}
	if diff := cmp.Diff(files, got); diff != "" {
		t.Errorf("written revision (-want +got):\n%s", diff)
	}
	if err := Write(ctx, dir, res); !errors.Is(err, ErrExists) {
		t.Errorf("Write again = %v, want ErrExists", err)
	}
	assertNoTemp(t, filepath.Join(dir, "A", "alpha"))
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir := baseTree(t)
	res, err := Plan(ctx, repo.DirFS(dir), srcFS(pubtest.Revision("alpha", "1.2.0", `"upgradesFrom": ["1.1.0"],`)), Options{})
	if err != nil || !res.OK() {
		t.Fatalf("Plan: %v\n%s", err, rulesOf(res))
	}
	// A file that cannot be created, written after the others.
	res.Files["zz/missing-dir/file"] = []byte("x")
	if err := Write(ctx, dir, res); err == nil {
		t.Fatal("Write succeeded, want an error")
	}
	if _, err := os.Stat(filepath.Join(dir, "A", "alpha", "200")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a failed Write, A/alpha/200: %v, want it absent", err)
	}
	assertNoTemp(t, filepath.Join(dir, "A", "alpha"))

	// A cancelled context writes nothing either.
	delete(res.Files, "zz/missing-dir/file")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := Write(cctx, dir, res); !errors.Is(err, context.Canceled) {
		t.Errorf("Write(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "A", "alpha", "200")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a cancelled Write, A/alpha/200: %v, want it absent", err)
	}
	assertNoTemp(t, filepath.Join(dir, "A", "alpha"))
}

func TestWriteRefusesInvalid(t *testing.T) {
	ctx := context.Background()
	dir := baseTree(t)
	res, err := Plan(ctx, repo.DirFS(dir), srcFS(pubtest.Revision("alpha", "1.1.0", `"upgradesFrom": ["1.0.0"],`)), Options{Release: 300})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(ctx, dir, res); err == nil || !strings.Contains(err.Error(), "already released as A/alpha/100") {
		t.Errorf("Write(invalid) = %v, want the finding", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "A", "alpha", "300")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("A/alpha/300: %v, want it absent", err)
	}
}

func TestPlanNoPackageJSON(t *testing.T) {
	_, err := Plan(context.Background(), repo.DirFS(baseTree(t)), srcFS(map[string]string{"config.json": "{}"}), Options{})
	if !errors.Is(err, ErrNoPackageJSON) {
		t.Errorf("Plan(no package.json) = %v, want ErrNoPackageJSON", err)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary entry %s left in %s", e.Name(), dir)
		}
	}
}
