package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScaffoldValidatesStrictAndRenders(t *testing.T) {
	tree := t.TempDir()
	dir := filepath.Join(tree, "H", "hello-world", "100")
	out, errOut, code := runCmd(t, "scaffold hello-world --dir "+dir)
	if code != 0 {
		t.Fatalf("universe scaffold: exit code %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{"package.json", "config.json", "marathon.json.mustache", "resource.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("scaffold did not write %s: %v", f, err)
		}
	}
	out, errOut, code = runCmd(t, "validate --strict "+tree)
	if code != 0 || !strings.HasPrefix(out, "ok: 1 revision in 1 package") {
		t.Errorf("universe validate --strict = %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCmd(t, "render --packages "+tree+" hello-world --set service.placement_constraints=[[\"hostname\",\"UNIQUE\"]] -o json")
	if code != 0 {
		t.Fatalf("universe render: exit code %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{`"id":"/hello-world"`, `"constraints":[["hostname","UNIQUE"]]`, `"image":"python:3.12-alpine"`, `"DCOS_SERVICE_NAME":"hello-world"`} {
		if !strings.Contains(out, want) {
			t.Errorf("universe render output lacks %s:\n%s", want, out)
		}
	}
}

func TestScaffoldDefaultDir(t *testing.T) {
	t.Chdir(t.TempDir())
	if out, errOut, code := runCmd(t, "scaffold hello"); code != 0 {
		t.Fatalf("universe scaffold hello: exit code %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join("hello", "package.json")); err != nil {
		t.Errorf("scaffold hello did not write ./hello/package.json: %v", err)
	}
}

func TestScaffoldRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		args, stderr string
		code         int
	}{
		{"scaffold Hello --dir " + empty, "invalid package name", 2},
		{"scaffold 1abc --dir " + empty, "invalid package name", 2},
		{"scaffold abc- --dir " + empty, "invalid package name", 2},
		{"scaffold a --dir " + empty, "invalid package name", 2},
		{"scaffold hello --dir " + full, "not empty", 1},
		{"scaffold", "accepts 1 arg", 2},
	}
	for _, tt := range tests {
		_, errOut, code := runCmd(t, tt.args)
		if code != tt.code || !strings.Contains(errOut, tt.stderr) {
			t.Errorf("universe %s = %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.stderr)
		}
	}
	if es, _ := os.ReadDir(full); len(es) != 1 {
		t.Errorf("scaffold wrote into a non-empty directory: %v", es)
	}
	// An existing empty directory is fine.
	if out, errOut, code := runCmd(t, "scaffold hello --dir "+empty); code != 0 {
		t.Errorf("universe scaffold into an empty directory = %d\n%s%s", code, out, errOut)
	}
}
