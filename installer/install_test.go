package installer_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
)

func TestInstallSparkBringsDependenciesFirst(t *testing.T) {
	e := newEnv(t, envOptions{})
	res := e.install(installer.Request{Name: "spark"})
	if res.Status != installer.StatusSucceeded {
		t.Fatalf("status = %s, want succeeded", res.Status)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.Name+" "+p.Version+" "+p.State)
	}
	want := []string{"zookeeper 3.9.3 healthy", "hdfs 3.4.1 healthy", "spark 3.5.2 healthy"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	e.assertBefore("/zookeeper", "/hdfs")
	e.assertBefore("/hdfs", "/spark")
	t.Logf("list: %v", e.list())
	_ = context.Background()
}
