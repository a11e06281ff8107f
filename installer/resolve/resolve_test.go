package resolve_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/internal/golden"
	"github.com/universe-pm/universe/repo"
)

// tree builds a repository from specs "name version release dep:range...",
// "_" standing for a space in ranges and a trailing "?" marking an optional
// dependency.
func tree(t testing.TB, specs ...string) *repo.Tree {
	t.Helper()
	m := fstest.MapFS{}
	for _, s := range specs {
		f := strings.Fields(s)
		name, version, release := f[0], f[1], f[2]
		deps := []map[string]any{}
		for _, d := range f[3:] {
			n, r, _ := strings.Cut(d, ":")
			opt := strings.HasSuffix(r, "?")
			r = strings.ReplaceAll(strings.TrimSuffix(r, "?"), "_", " ")
			dep := map[string]any{"name": n, "optional": opt}
			if r != "" {
				dep["version"] = r
			}
			deps = append(deps, dep)
		}
		data, _ := json.Marshal(map[string]any{
			"packagingVersion": "6.0", "name": name, "version": version,
			"maintainer": "t@example.com", "description": name, "tags": []string{}, "dependencies": deps,
		})
		dir := strings.ToUpper(name[:1]) + "/" + name + "/" + release + "/"
		m[dir+"package.json"] = &fstest.MapFile{Data: data}
		m[dir+"marathon.json.mustache"] = &fstest.MapFile{Data: []byte(`{"id":"/` + name + `"}`)}
	}
	tr, err := repo.Load(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func summary(s *resolve.Solution) []string {
	var out []string
	for _, c := range s.Choices {
		src := c.Repository
		if c.Installed != nil {
			src = "installed " + c.Installed.AppID
		}
		out = append(out, fmt.Sprintf("%d %s %s (%s) deps=%v", c.Wave, c.Name, c.Version, src, c.Dependencies))
	}
	return out
}

func installed(name, version string) resolve.Installed {
	return resolve.Installed{Name: name, Version: repo.ParseVersion(version), AppID: "/" + name}
}

var builtinLike = []string{
	"zookeeper 3.8.4 100", "zookeeper 3.9.2 200", "zookeeper 3.9.3 300",
	"hdfs 3.3.6 100 zookeeper:>=3.8.0_<4.0.0", "hdfs 3.4.1 300 zookeeper:>=3.8.0_<4.0.0",
	"spark 3.5.2 300 hdfs:>=3.3.0_<4.0.0",
	"etcd 3.4.33 100", "etcd 3.5.15 300",
	"kubernetes 1.30.2 300 etcd:>=3.5.0_<3.6.0", "swarm 1.2.9 300 etcd:>=3.4.0_<3.6.0",
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name  string
		repos resolve.Trees
		req   resolve.Request
		want  []string
	}{
		{
			name:  "newest satisfying, dependencies first",
			repos: resolve.Trees{{Name: "main", Tree: tree(t, builtinLike...)}},
			req:   resolve.Request{Name: "spark"},
			want: []string{
				"0 zookeeper 3.9.3 (main) deps=[]",
				"1 hdfs 3.4.1 (main) deps=[zookeeper]",
				"2 spark 3.5.2 (main) deps=[hdfs]",
			},
		},
		{
			name:  "installed dependency reused",
			repos: resolve.Trees{{Name: "main", Tree: tree(t, builtinLike...)}},
			req:   resolve.Request{Name: "spark", Installed: map[string]resolve.Installed{"zookeeper": installed("zookeeper", "3.8.4")}},
			want: []string{
				"-1 zookeeper 3.8.4 (installed /zookeeper) deps=[]",
				"0 hdfs 3.4.1 (main) deps=[zookeeper]",
				"1 spark 3.5.2 (main) deps=[hdfs]",
			},
		},
		{
			name: "priority repository wins over a higher release elsewhere",
			repos: resolve.Trees{
				{Name: "mirror", Tree: tree(t, "etcd 3.5.14 200")},
				{Name: "main", Tree: tree(t, builtinLike...)},
			},
			req:  resolve.Request{Name: "kubernetes"},
			want: []string{"0 etcd 3.5.14 (mirror) deps=[]", "1 kubernetes 1.30.2 (main) deps=[etcd]"},
		},
		{
			name: "backtracks to an older version when the newest conflicts",
			repos: resolve.Trees{{Name: "main", Tree: tree(t,
				"app 2.0.0 200 lib:^2.0.0 util:^1.0.0", "app 1.0.0 100 lib:^1.0.0 util:^1.0.0",
				"lib 2.0.0 200 util:^2.0.0", "lib 1.0.0 100 util:^1.0.0",
				"util 1.0.0 100", "util 2.0.0 200")}},
			req:  resolve.Request{Name: "app"},
			want: []string{"0 util 1.0.0 (main) deps=[]", "1 lib 1.0.0 (main) deps=[util]", "2 app 1.0.0 (main) deps=[lib util]"},
		},
		{
			name:  "optional dependency left out unless present",
			repos: resolve.Trees{{Name: "main", Tree: tree(t, "web 1.0.0 100 cache:?", "cache 1.0.0 100")}},
			req:   resolve.Request{Name: "web"},
			want:  []string{"0 web 1.0.0 (main) deps=[]"},
		},
		{
			name:  "optional dependency used when installed",
			repos: resolve.Trees{{Name: "main", Tree: tree(t, "web 1.0.0 100 cache:^1?", "cache 1.0.0 100")}},
			req:   resolve.Request{Name: "web", Installed: map[string]resolve.Installed{"cache": installed("cache", "1.0.0")}},
			want:  []string{"-1 cache 1.0.0 (installed /cache) deps=[]", "0 web 1.0.0 (main) deps=[cache]"},
		},
		{
			name:  "shared dependency once",
			repos: resolve.Trees{{Name: "main", Tree: tree(t, append(builtinLike, "both 1.0.0 100 kubernetes: swarm:")...)}},
			req:   resolve.Request{Name: "both"},
			want: []string{
				"0 etcd 3.5.15 (main) deps=[]",
				"1 kubernetes 1.30.2 (main) deps=[etcd]", "1 swarm 1.2.9 (main) deps=[etcd]",
				"2 both 1.0.0 (main) deps=[kubernetes swarm]",
			},
		},
		{
			name:  "exact version",
			repos: resolve.Trees{{Name: "main", Tree: tree(t, builtinLike...)}},
			req:   resolve.Request{Name: "hdfs", Version: "3.3.6"},
			want:  []string{"0 zookeeper 3.9.3 (main) deps=[]", "1 hdfs 3.3.6 (main) deps=[zookeeper]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := resolve.Resolve(context.Background(), tt.repos, tt.req)
			if err != nil {
				t.Fatalf("Resolve(%s) = %v", tt.req.Name, err)
			}
			if diff := cmp.Diff(tt.want, summary(sol)); diff != "" {
				t.Errorf("Resolve(%s) (-want +got):\n%s", tt.req.Name, diff)
			}
		})
	}
}

func TestResolveExplanations(t *testing.T) {
	tests := []struct {
		name string
		repo *repo.Tree
		req  resolve.Request
	}{
		{
			name: "conflict-installed",
			repo: tree(t,
				"zookeeper 3.8.4 100", "zookeeper 3.9.3 300",
				"hdfs 3.4.0 200 zookeeper:>=3.9.0_<4.0.0", "hdfs 3.4.1 300 zookeeper:>=3.9.0_<4.0.0",
				"spark 3.5.1 200 hdfs:>=3.4.0_<4.0.0"),
			req: resolve.Request{Name: "spark", Installed: map[string]resolve.Installed{"zookeeper": installed("zookeeper", "3.8.4")}},
		},
		{
			name: "conflict-shared",
			repo: tree(t, "lib 1.0.0 100", "lib 2.0.0 200",
				"front 1.0.0 100 lib:^1.0.0", "back 1.0.0 100 lib:^2.0.0", "app 1.0.0 100 front: back:"),
			req: resolve.Request{Name: "app"},
		},
		{
			name: "missing",
			repo: tree(t, "app 1.0.0 100 nosuch:^1"),
			req:  resolve.Request{Name: "app"},
		},
		{
			name: "no-version",
			repo: tree(t, "app 1.0.0 100 lib:>=2", "lib 1.0.0 100", "lib 1.5.0 150"),
			req:  resolve.Request{Name: "app"},
		},
		{
			name: "cycle",
			repo: tree(t, "alpha 1.0.0 100 beta:^1", "beta 1.2.0 100 gamma:^1", "gamma 1.0.0 100 alpha:^1"),
			req:  resolve.Request{Name: "alpha"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolve.Resolve(context.Background(), resolve.Trees{{Name: "main", Tree: tt.repo}}, tt.req)
			if err == nil {
				t.Fatalf("Resolve(%s) succeeded, want an explanation", tt.req.Name)
			}
			var ce *resolve.ConflictError
			var cy *resolve.CycleError
			if !errors.As(err, &ce) && !errors.As(err, &cy) {
				t.Fatalf("Resolve(%s) = %T %v, want a conflict or a cycle", tt.req.Name, err, err)
			}
			golden.Check(t, "explain-"+tt.name+".txt", []byte(err.Error()+"\n"))
		})
	}
}
