package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderCmd(t *testing.T) {
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
	pretty, _, code := runCmd(t, "render etcd")
	compact, _, _ := runCmd(t, "render etcd -o json")
	if code != 0 || !strings.HasPrefix(pretty, "{\n  \"") || strings.Count(compact, "\n") != 1 {
		t.Errorf("pretty %.40q, compact %.40q", pretty, compact)
	}
}
