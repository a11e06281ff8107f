package resolve_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer/resolve"
)

func TestResolveSkipsYanked(t *testing.T) {
	tr := tree(t, builtinLike...)
	for _, y := range []struct {
		name string
		rel  int
	}{{"zookeeper", 300}, {"hdfs", 300}} {
		p, _ := tr.Package(y.name)
		r, ok := p.Release(y.rel)
		if !ok {
			t.Fatalf("no %s %d", y.name, y.rel)
		}
		r.Yanked = true
	}
	repos := resolve.Trees{{Name: "main", Tree: tr}}
	tests := []struct {
		name string
		req  resolve.Request
		want []string
	}{
		{"default skips yanked", resolve.Request{Name: "zookeeper"}, []string{"0 zookeeper 3.9.2 (main) deps=[]"}},
		{"exact version installs yanked", resolve.Request{Name: "zookeeper", Version: "3.9.3"}, []string{"0 zookeeper 3.9.3 (main) deps=[]"}},
		{"dependencies skip yanked", resolve.Request{Name: "spark"}, []string{
			"0 zookeeper 3.9.2 (main) deps=[]",
			"1 hdfs 3.3.6 (main) deps=[zookeeper]",
			"2 spark 3.5.2 (main) deps=[hdfs]",
		}},
		{"exact yanked root, dependencies not yanked", resolve.Request{Name: "hdfs", Version: "3.4.1"}, []string{
			"0 zookeeper 3.9.2 (main) deps=[]",
			"1 hdfs 3.4.1 (main) deps=[zookeeper]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := resolve.Resolve(context.Background(), repos, tt.req)
			if err != nil {
				t.Fatalf("Resolve(%+v): %v", tt.req, err)
			}
			if diff := cmp.Diff(tt.want, summary(sol)); diff != "" {
				t.Errorf("Resolve(%s %s) (-want +got):\n%s", tt.req.Name, tt.req.Version, diff)
			}
		})
	}
}
