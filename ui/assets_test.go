package ui

import (
	"bytes"
	"io/fs"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestAssetsReferenced checks that every script and stylesheet a template
// or a script refers to is embedded.
func TestAssetsReferenced(t *testing.T) {
	refs := regexp.MustCompile(`(?:src|href)="/static/([^"]+)"|from '\./([^']+)'`)
	n := 0
	err := fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".js")) {
			return err
		}
		data, err := fs.ReadFile(assets, path)
		if err != nil {
			return err
		}
		for _, m := range refs.FindAllStringSubmatch(string(data), -1) {
			name := m[1] + m[2]
			if _, err := fs.Stat(assets, "assets/static/"+name); err != nil {
				t.Errorf("%s refers to %s, which is not embedded", path, name)
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("found %d references, want the pages' scripts, styles and imports", n)
	}
}

// TestScriptsParse checks each script's syntax as an ES module with node,
// when node is installed (the browser test runs them for real).
func TestScriptsParse(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the scripts' syntax is not checked")
	}
	scripts, err := fs.Glob(assets, "assets/static/*.js")
	if err != nil || len(scripts) < 6 {
		t.Fatalf("scripts: %v, %v", scripts, err)
	}
	for _, s := range scripts {
		data, _ := fs.ReadFile(assets, s)
		cmd := exec.Command(node, "--input-type=module", "--check")
		cmd.Stdin = bytes.NewReader(data)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", s, err, out)
		}
	}
}
