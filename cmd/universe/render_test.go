package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderCmd(t *testing.T) {
	repoIsolate(t)
	dir := t.TempDir()
	opts := filepath.Join(dir, "opts.json")
	if err := os.WriteFile(opts, []byte(`{"node": {"count": 5, "cpus": 2}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	image := filepath.Join(dir, "image.txt")
	if err := os.WriteFile(image, []byte("zookeeper:3.9.9"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, args string
		code       int
		check      func(t *testing.T, app map[string]any)
		stderr     []string
	}{
		{"defaults", "render zookeeper -o json", 0, func(t *testing.T, app map[string]any) {
			labels := app["labels"].(map[string]any)
			if app["id"] != "/zookeeper" || labels["DCOS_PACKAGE_NAME"] != "zookeeper" || labels["DCOS_PACKAGE_OPTIONS"] != "e30=" ||
				labels["DCOS_PACKAGE_SOURCE"] != builtinSource {
				t.Errorf("app = %v", app)
			}
		}, nil},
		{"options, set and set-file", "render zookeeper --options " + opts + " --set node.count=3 --set-file service.docker_image=" + image + " --app-id zk2", 0,
			func(t *testing.T, app map[string]any) {
				if app["id"] != "/zk2" || app["instances"] != float64(3) || app["cpus"] != float64(2) ||
					app["container"].(map[string]any)["docker"].(map[string]any)["image"] != "zookeeper:3.9.9" {
					t.Errorf("app = %v", app)
				}
			}, nil},
		{"a dependency's defaults", "render kubernetes", 0, func(t *testing.T, g map[string]any) {
			if _, ok := g["apps"]; !ok {
				t.Errorf("kubernetes did not render a group: %v", g)
			}
		}, nil},
		{"package directory", "render --packages ../../packages etcd", 0, func(t *testing.T, app map[string]any) {
			if !strings.HasPrefix(app["labels"].(map[string]any)["DCOS_PACKAGE_SOURCE"].(string), "file://") {
				t.Errorf("source = %v", app["labels"])
			}
		}, nil},
		{"invalid options", "render zookeeper --set node.cpus=0 --set node.count=4 --set node.mem=lots", 1, nil, []string{
			"rendering zookeeper 3.9.3: options: Z/zookeeper/300/config.json: options do not match the schema (3 problems)\n",
			"node.count: 4 is not one of 1, 3, 5, 7 (config.json#/properties/node/properties/count)",
			"node.cpus: 0 is less than the minimum 0.1 (config.json#/properties/node/properties/cpus)",
			`node.mem: expected integer, found string ("lots") (config.json#/properties/node/properties/mem)`,
		}},
		{"unknown package", "render nope", 1, nil, []string{"universe: package [nope] not found"}},
		{"unknown version", "render zookeeper --package-version 9.9.9", 1, nil, []string{"version [9.9.9] of package [zookeeper] not found; available: 3.9.3, "}},
		{"bad output", "render zookeeper -o yaml", 2, nil, []string{"unknown output format"}},
		{"bad set", "render zookeeper --set novalue", 2, nil, []string{"expected key.path=value"}},
		{"missing options file", "render zookeeper --options " + filepath.Join(dir, "none.json"), 2, nil, []string{"--options"}},
		{"no name", "render", 2, nil, []string{"accepts 1 arg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, tt.args)
			if code != tt.code {
				t.Fatalf("universe %s: exit code %d, want %d\n%s", tt.args, code, tt.code, errOut)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("universe %s: stderr %q does not contain %q", tt.args, errOut, s)
				}
			}
			if tt.check != nil {
				var app map[string]any
				if err := json.Unmarshal([]byte(out), &app); err != nil {
					t.Fatalf("output is not JSON: %v\n%s", err, out)
				}
				tt.check(t, app)
			}
		})
	}
}

func TestRenderCmdPretty(t *testing.T) {
	repoIsolate(t)
	pretty, _, code := runCmd(t, "render etcd")
	compact, _, _ := runCmd(t, "render etcd -o json")
	if code != 0 || !strings.HasPrefix(pretty, "{\n  \"") || strings.Count(compact, "\n") != 1 {
		t.Errorf("pretty %.40q, compact %.40q", pretty, compact)
	}
}

// TestRenderFromRepositories resolves through the configured repositories:
// a served copy of our packages ahead of the built-in tree. The source
// label names the served repository's URL, a 6.0 package's dependency
// values come from the catalog, and describe --render renders the same.
func TestRenderFromRepositories(t *testing.T) {
	dir := repoIsolate(t)
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := repoRun(t, "repo", "build", "--packages", "../../packages", "--out", out); code != 0 {
		t.Fatalf("repo build = %d\n%s%s", code, stdout, stderr)
	}
	url, _ := repoStartServe(t, out)
	if code, _, stderr := repoRun(t, "repo", "add", "served", url, "--index", "0"); code != 0 {
		t.Fatalf("repo add = %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		{"render", "spark", "--set", "service.cpus=2", "-o", "json"},
		{"describe", "spark", "--render", "--set", "service.cpus=2", "-o", "json"},
	} {
		code, stdout, stderr := repoRun(t, args...)
		if code != 0 {
			t.Fatalf("universe %v = %d: %s", args, code, stderr)
		}
		var app struct {
			Cpus   float64           `json:"cpus"`
			Labels map[string]string `json:"labels"`
			Fetch  []struct{ URI string }
		}
		if err := json.Unmarshal([]byte(stdout), &app); err != nil {
			t.Fatalf("universe %v: output is not JSON: %v\n%s", args, err, stdout)
		}
		if app.Cpus != 2 || app.Labels["DCOS_PACKAGE_SOURCE"] != url || app.Labels["DCOS_PACKAGE_NAME"] != "spark" {
			t.Errorf("universe %v: cpus %v, labels %v; want cpus 2 from source %s", args, app.Cpus, app.Labels, url)
		}
		hdfs := false
		for _, f := range app.Fetch {
			hdfs = hdfs || strings.Contains(f.URI, "config.hdfs.marathon")
		}
		if !hdfs {
			t.Errorf("universe %v: no fetch of the hdfs dependency's config: %+v", args, app.Fetch)
		}
	}
	code, _, stderr := repoRun(t, "render", "no-such-package")
	if code != 1 || !strings.Contains(stderr, "package [no-such-package] not found in repositories served, builtin") {
		t.Errorf("render no-such-package = %d: %s", code, stderr)
	}
}
