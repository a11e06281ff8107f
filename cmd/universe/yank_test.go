package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestYankServed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tree := pubTree(t)
	out := filepath.Join(dir, "out")
	if _, stderr, code := runCmd(t, "repo build --packages "+tree+" --out "+out); code != 0 {
		t.Fatalf("repo build = %d\n%s", code, stderr)
	}
	released := filepath.Join(dir, "released")
	if _, stderr, code := runCmd(t, "repo build --packages "+tree+" --out "+released); code != 0 {
		t.Fatalf("repo build = %d\n%s", code, stderr)
	}

	if _, stderr, code := runCmd(t, "yank alpha --packages "+tree); code != 2 || !strings.Contains(stderr, "--release is required") {
		t.Errorf("yank without --release = %d\n%s", code, stderr)
	}
	if _, stderr, code := runCmd(t, "yank alpha --release 7 --packages "+tree); code != 1 || !strings.Contains(stderr, "revision not found") {
		t.Errorf("yank of a missing release = %d\n%s", code, stderr)
	}
	stdout, stderr, code := runCmd(t, "yank alpha --release 100 --reason broken --packages "+tree)
	if code != 0 || stdout != "yanked alpha release 100\n" {
		t.Fatalf("yank = %d\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := runCmd(t, "yank alpha --release 100 --packages "+tree); code != 1 || !strings.Contains(stderr, "already yanked") {
		t.Errorf("yank twice = %d\n%s", code, stderr)
	}
	// A yank is not a change to a released revision.
	if stdout, _, code := runCmd(t, "validate --strict --against "+released+" "+tree); code != 0 {
		t.Errorf("validate --against after a yank = %d\n%s", code, stdout)
	}
	if _, stderr, code := runCmd(t, "repo build --packages "+tree+" --out "+out); code != 0 {
		t.Fatalf("repo build = %d\n%s", code, stderr)
	}

	// A client of the served index honours it.
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("UNIVERSE_CONFIG", "")
	serveOnly(t, dir, out)
	c, err := openCatalog(ctx, &App{Stdout: io.Discard, Stderr: io.Discard}, "")
	if err != nil {
		t.Fatal(err)
	}
	if rev, _, err := c.Resolve(ctx, "alpha", ""); err != nil || rev.Release != 0 {
		t.Errorf("Resolve(alpha) = %v, %v; want release 0, the yanked 100 skipped", rev, err)
	}
	if rev, _, err := c.Resolve(ctx, "alpha", "1.1.0"); err != nil || rev.Release != 100 || !rev.Yanked {
		t.Errorf("Resolve(alpha, 1.1.0) = %v, %v; want the yanked release 100", rev, err)
	}
	stdout, stderr, code = runCmd(t, "describe alpha --package-versions")
	if code != 0 || !strings.Contains(stdout, "1.1.0 (yanked)\t100\ttest\n") || !strings.Contains(stdout, "1.0.0\t0\ttest\n") {
		t.Errorf("describe --package-versions = %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = runCmd(t, "describe alpha --package-versions -o json")
	if code != 0 || strings.Count(stdout, `"yanked": true`) != 1 {
		t.Errorf("describe --package-versions -o json = %d\n%s", code, stdout)
	}
	stdout, _, code = runCmd(t, "describe alpha")
	if code != 0 || !strings.Contains(stdout, "1.0.0") {
		t.Errorf("describe alpha = %d\n%s", code, stdout)
	}
}
