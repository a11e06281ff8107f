package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/serve"
)

// describeCorpusSetup builds the Universe corpus, serves it, configures it
// as the only repository and warms the cache with one search. It returns
// the cache's packages directory and a function stopping the server.
func describeCorpusSetup(tb testing.TB) (string, func()) {
	tb.Helper()
	corpus := sharedtest.Corpus(tb)
	dir := tb.TempDir()
	tb.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	tb.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	tb.Setenv("UNIVERSE_CONFIG", "")
	out := filepath.Join(dir, "out")
	if _, err := index.BuildFS(context.Background(), os.DirFS(corpus), out, index.Options{}); err != nil {
		tb.Fatal(err)
	}
	s, err := serve.New(out, serve.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	stop := func() { ts.Close(); s.Close() }
	cfg := `{"repositories": [{"name": "corpus", "url": "` + ts.URL + `/repo"}]}`
	path := filepath.Join(dir, "config", "universe", "config.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte(cfg), 0o644)
	app := &App{Stdout: io.Discard, Stderr: io.Discard}
	if code := run(context.Background(), []string{"search", "cassandra"}, app); code != 0 {
		stop()
		tb.Fatalf("warming search = %d", code)
	}
	pkgs, _ := filepath.Glob(filepath.Join(dir, "cache", "universe", "repos", "*", "packages"))
	if len(pkgs) != 1 {
		stop()
		tb.Fatalf("cache packages directories: %v", pkgs)
	}
	return pkgs[0], stop
}

// TestDescribeReadsOnlyThatPackage warms the cache from the whole corpus,
// stops the server and deletes every other cached package and the
// summary: describe still answers, so it reads only that package's file.
func TestDescribeReadsOnlyThatPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole corpus")
	}
	pkgs, stop := describeCorpusSetup(t)
	stop()
	entries, _ := os.ReadDir(pkgs)
	if len(entries) != 185 {
		t.Errorf("cache holds %d packages, want 185", len(entries))
	}
	for _, e := range entries {
		if e.Name() != "cassandra.json" {
			os.Remove(filepath.Join(pkgs, e.Name()))
		}
	}
	os.WriteFile(filepath.Join(filepath.Dir(pkgs), "summary.json"), []byte("garbage"), 0o644)
	code, stdout, stderr := repoRun(t, "describe", "cassandra")
	if code != 0 || !strings.Contains(stdout, "name\tcassandra\n") || !strings.Contains(stdout, "releaseVersion\t1000\n") {
		t.Errorf("describe cassandra from the cache = %d:\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = repoRun(t, "describe", "cassandra", "--package-version", "2.8.0-3.11.5", "-o", "json")
	if code != 0 || !strings.Contains(stdout, `"version": "2.8.0-3.11.5"`) {
		t.Errorf("describe cassandra --package-version 2.8.0-3.11.5 = %d %.200s", code, stdout)
	}
}

// BenchmarkDescribeWarm is 'universe describe cassandra' (minus process
// start) against the whole corpus from a warm cache: no request, one
// package file read, verified and turned into revisions. Goal: < 20 ms.
func BenchmarkDescribeWarm(b *testing.B) {
	_, stop := describeCorpusSetup(b)
	defer stop()
	app := &App{Stdout: io.Discard, Stderr: io.Discard}
	for b.Loop() {
		if code := run(context.Background(), []string{"describe", "cassandra"}, app); code != 0 {
			b.Fatalf("describe = %d", code)
		}
	}
}
