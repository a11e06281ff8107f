package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/universe-pm/universe/internal/pubtest"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/serve"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for n, d := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pubTree writes alpha 1.0.0 (0) and 1.1.0 (100) into a new tree.
func pubTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for rd, files := range map[string]map[string]string{
		"A/alpha/0":   pubtest.Revision("alpha", "1.0.0", ""),
		"A/alpha/100": pubtest.Revision("alpha", "1.1.0", `"upgradesFrom": ["1.0.0"],`),
	} {
		for n, d := range files {
			writeFiles(t, dir, map[string]string{rd + "/" + n: d})
		}
	}
	return dir
}

func TestPublishEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tree := pubTree(t)
	src := filepath.Join(dir, "src")
	writeFiles(t, src, pubtest.Revision("alpha", "1.2.0", `"upgradesFrom": ["1.1.0"],`))
	out := filepath.Join(dir, "out")

	// A dry run writes nothing.
	stdout, stderr, code := runCmd(t, "publish "+src+" --packages "+tree+" --index-out "+out+" --dry-run")
	if code != 0 || stdout != "would publish alpha 1.2.0 as A/alpha/200\n" {
		t.Fatalf("publish --dry-run = %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(tree, "A", "alpha", "200")); !os.IsNotExist(err) {
		t.Errorf("--dry-run wrote A/alpha/200: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--dry-run built the index: %v", err)
	}

	stdout, stderr, code = runCmd(t, "publish "+src+" --packages "+tree+" --index-out "+out)
	if code != 0 || !strings.HasPrefix(stdout, "published alpha 1.2.0 as A/alpha/200\nbuilt ") {
		t.Fatalf("publish = %d\n%s%s", code, stdout, stderr)
	}
	if _, _, code := runCmd(t, "validate --strict "+tree); code != 0 {
		t.Errorf("validate --strict after publish = %d", code)
	}

	// The new version resolves from the built index.
	data, err := os.ReadFile(filepath.Join(out, index.NativeFile))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	var entries []index.Entry
	for _, e := range ix.Entries {
		if err := e.Verify(); err != nil {
			t.Errorf("entry %s %d: %v", e.Name, e.Release, err)
		}
		if e.Name == "alpha" {
			entries = append(entries, e)
		}
	}
	pkg, err := index.Package(ctx, "alpha", entries)
	if err != nil {
		t.Fatal(err)
	}
	if got := pkg.Latest(); got.Release != 200 || got.Version.String() != "1.2.0" {
		t.Errorf("latest in the index = %d %s, want 200 1.2.0", got.Release, got.Version)
	}

	// And through a served repository, as a client resolves it.
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("UNIVERSE_CONFIG", "")
	serveOnly(t, dir, out)
	c, err := openCatalog(ctx, &App{Stdout: io.Discard, Stderr: io.Discard}, "")
	if err != nil {
		t.Fatal(err)
	}
	rev, from, err := c.Resolve(ctx, "alpha", "")
	if err != nil || rev.Release != 200 || from != "test" {
		t.Errorf("Resolve(alpha) = %v, %q, %v, want release 200 from test", rev, from, err)
	}

	// Publishing the same version again is refused, naming the revision.
	_, stderr, code = runCmd(t, "publish "+src+" --packages "+tree)
	if code != 1 || !strings.Contains(stderr, "version 1.2.0 of alpha is already released as A/alpha/200") {
		t.Errorf("publish again = %d\n%s", code, stderr)
	}
}

func TestPublishRefusals(t *testing.T) {
	tests := []struct {
		name, version, extra, flags string
		code                        int
		stderr                      string
	}{
		{"older", "1.0.5", `"upgradesFrom": ["1.0.0"], "downgradesTo": ["1.0.0"],`, "", 1, "use --allow-older"},
		{"older allowed", "1.0.5", `"upgradesFrom": ["1.0.0"], "downgradesTo": ["1.0.0"],`, "--allow-older", 0, ""},
		{"dead end", "1.2.0", "", "", 1, "declare it with --allow-dead-end"},
		{"dead end declared", "1.2.0", "", "--allow-dead-end", 0, "cannot upgrade to the newest version 1.2.0"},
		{"release taken", "1.2.0", `"upgradesFrom": ["1.1.0"],`, "--release 100", 1, "release 100 of alpha is taken by version 1.1.0"},
		{"negative release", "1.2.0", `"upgradesFrom": ["1.1.0"],`, "--release -5", 2, "--release must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := pubTree(t)
			src := filepath.Join(t.TempDir(), "src")
			writeFiles(t, src, pubtest.Revision("alpha", tt.version, tt.extra))
			_, stderr, code := runCmd(t, "publish "+src+" --packages "+tree+" "+tt.flags)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("publish %s %s = %d, want %d with %q\n%s", tt.version, tt.flags, code, tt.code, tt.stderr, stderr)
			}
			got, err := repo.Load(context.Background(), repo.DirFS(tree))
			if err != nil {
				t.Fatal(err)
			}
			p, _ := got.Package("alpha")
			if n := len(p.Revisions); (tt.code == 0) != (n == 3) {
				t.Errorf("after publish (exit %d) alpha has %d revisions", code, n)
			}
		})
	}
}

func TestValidateAgainst(t *testing.T) {
	tree := pubTree(t)
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, code := runCmd(t, "repo build --packages "+tree+" --out "+out); code != 0 {
		t.Fatalf("repo build = %d\n%s", code, stderr)
	}
	if stdout, _, code := runCmd(t, "validate --against "+out+" "+tree); code != 0 {
		t.Fatalf("validate --against an unchanged tree = %d\n%s", code, stdout)
	}
	// A new revision is fine.
	writeFiles(t, filepath.Join(tree, "A", "alpha", "200"), pubtest.Revision("alpha", "1.2.0", `"upgradesFrom": ["1.1.0"],`))
	if stdout, _, code := runCmd(t, "validate --against "+filepath.Join(out, "index.json")+" "+tree); code != 0 {
		t.Fatalf("validate --against with a new revision = %d\n%s", code, stdout)
	}
	// A modified released revision is caught, then a removed one.
	p := filepath.Join(tree, "A", "alpha", "100", "marathon.json.mustache")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), "sleep 1000", "sleep 1001", 1)), 0o644)
	stdout, _, code := runCmd(t, "validate --against "+out+" "+tree)
	if code != 1 || !strings.Contains(stdout, "release/changed") || !strings.Contains(stdout, "alpha 1.1.0 (release 100) changed since it was released") {
		t.Errorf("validate --against after a change = %d\n%s", code, stdout)
	}
	os.RemoveAll(filepath.Join(tree, "A", "alpha", "0"))
	stdout, _, code = runCmd(t, "validate --against "+out+" "+tree)
	if code != 1 || !strings.Contains(stdout, "release/removed") || !strings.Contains(stdout, "alpha 1.0.0 (release 0) was released and is no longer in the tree") {
		t.Errorf("validate --against after a removal = %d\n%s", code, stdout)
	}
	if _, stderr, code := runCmd(t, "validate --against "+filepath.Join(out, "universe.json")+" "+tree); code == 0 || !strings.Contains(stderr, "not a native index") {
		t.Errorf("validate --against universe.json = %d\n%s", code, stderr)
	}
}

// serveOnly serves the repository built in out over HTTP until the test
// ends and makes it the only repository configured under dir/config (the
// XDG_CONFIG_HOME of these tests). A test may swap the returned server's
// handler to serve a rebuilt directory.
func serveOnly(t *testing.T, dir, out string) *httptest.Server {
	t.Helper()
	s, err := serve.New(out, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Close() })
	writeFiles(t, filepath.Join(dir, "config", "universe"), map[string]string{
		"config.json": `{"repositories": [{"name": "test", "url": "` + ts.URL + `/repo"}]}`,
	})
	return ts
}
