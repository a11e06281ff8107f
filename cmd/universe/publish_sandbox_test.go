package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/universe-pm/universe/internal/pubtest"
	"github.com/universe-pm/universe/repo/serve"
)

// TestPublishInstallYankSandbox: publish a new version, build and serve
// the index, install it into the local sandbox; yank it, and the next
// install takes the version before while the exact version still installs.
func TestPublishInstallYankSandbox(t *testing.T) {
	dir := lifecycleIsolate(t)
	tree := pubTree(t)
	src := filepath.Join(dir, "src")
	writeFiles(t, src, pubtest.Revision("alpha", "1.2.0", `"upgradesFrom": ["1.1.0"],`))
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := lifecycleRun(t, "publish "+src+" --packages "+tree+" --index-out "+out); code != 0 {
		t.Fatalf("publish = %d\n%s%s", code, stdout, stderr)
	}
	ts := serveOnly(t, dir, out)
	install := func(args, want string) {
		t.Helper()
		code, stdout, stderr := lifecycleRun(t, "install "+args+" --yes")
		if code != 0 || !strings.Contains(stdout, want) {
			t.Fatalf("install %s = %d, want %q\n%s%s", args, code, want, stdout, stderr)
		}
		if code, stdout, stderr := lifecycleRun(t, "uninstall alpha --yes"); code != 0 {
			t.Fatalf("uninstall alpha = %d\n%s%s", code, stdout, stderr)
		}
	}
	install("alpha", "Installed alpha 1.2.0")

	if code, stdout, stderr := lifecycleRun(t, "yank alpha --release 200 --reason broken --packages "+tree); code != 0 {
		t.Fatalf("yank = %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := lifecycleRun(t, "repo build --packages "+tree+" --out "+out); code != 0 {
		t.Fatalf("repo build = %d\n%s%s", code, stdout, stderr)
	}
	s2, err := serve.New(out, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ts.Config.Handler = s2
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache2")) // no cached copy of the old index
	install("alpha", "Installed alpha 1.1.0")
	install("alpha --package-version 1.2.0", "Installed alpha 1.2.0")
}
