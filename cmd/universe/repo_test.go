package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// repoSyncBuffer is a bytes.Buffer safe for a command running in a goroutine.
type repoSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *repoSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *repoSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// repoRun runs the command line args and returns its exit code, stdout and
// stderr.
func repoRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &App{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// repoIsolate points the configuration and cache at a temporary directory.
func repoIsolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("UNIVERSE_CONFIG", "")
	return dir
}

func repoFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// repoStartServe runs 'universe repo serve' until the test ends.
func repoStartServe(t *testing.T, dir string) (string, *repoSyncBuffer) {
	t.Helper()
	addr := repoFreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &repoSyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"repo", "serve", "--dir", dir, "--addr", addr}, &App{Stdout: logs, Stderr: logs})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("repo serve exited %d after SIGTERM-like cancel: %s", code, logs)
			}
		case <-time.After(10 * time.Second):
			t.Error("repo serve did not stop")
		}
	})
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatalf("repo serve did not come up: %v\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + addr + "/repo", logs
}

// TestRepoRoundTrip builds our packages, serves them on a loopback port,
// adds the server as the only repository and searches and describes
// through HTTP.
func TestRepoRoundTrip(t *testing.T) {
	dir := repoIsolate(t)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := repoRun(t, "repo", "build", "--packages", "../../packages", "--out", out)
	if code != 0 || !strings.Contains(stdout, "7 packages") {
		t.Fatalf("repo build = %d, %q, %q", code, stdout, stderr)
	}
	url, logs := repoStartServe(t, out)

	if code, _, stderr := repoRun(t, "repo", "add", "dev", url, "--index", "0"); code != 0 {
		t.Fatalf("repo add = %d: %s", code, stderr)
	}
	if code, _, _ := repoRun(t, "repo", "add", "dev", url); code != 2 {
		t.Errorf("repo add of a duplicate = %d, want 2", code)
	}
	if code, _, stderr := repoRun(t, "repo", "remove", "builtin"); code != 0 {
		t.Fatalf("repo remove builtin = %d: %s", code, stderr)
	}
	code, stdout, _ = repoRun(t, "repo", "list", "-o", "json")
	var list []struct{ Name, URL string }
	if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list) != 1 || list[0].Name != "dev" || list[0].URL != url {
		t.Fatalf("repo list -o json = %d %q: %v", code, stdout, err)
	}

	code, stdout, stderr = repoRun(t, "search", "zoo*", "-o", "json")
	var res struct {
		Packages []struct{ Name, CurrentVersion, Repository string }
	}
	if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil || len(res.Packages) != 1 ||
		res.Packages[0].Name != "zookeeper" || res.Packages[0].Repository != "dev" {
		t.Errorf("search zoo* = %d %q %q: %v", code, stdout, stderr, err)
	}
	code, stdout, _ = repoRun(t, "search")
	if code != 0 || strings.Count(stdout, "\n") != 7 || !strings.HasPrefix(stdout, "cassandra\t") {
		t.Errorf("search (not a terminal) = %d %q, want 7 tab-separated lines", code, stdout)
	}

	code, stdout, stderr = repoRun(t, "describe", "hdfs")
	for _, want := range []string{"name\thdfs\n", "repository\tdev\n", "dependencies\tzookeeper >=3.8.0 <4.0.0\n", "packagingVersion\t6.0\n"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("describe hdfs = %d, output lacks %q:\n%s%s", code, want, stdout, stderr)
		}
	}
	code, stdout, _ = repoRun(t, "describe", "hdfs", "--package-version", "3.4.0", "-o", "json")
	var d struct {
		Repository     string
		ReleaseVersion int
		Package        struct{ Version string }
	}
	if err := json.Unmarshal([]byte(stdout), &d); code != 0 || err != nil || d.ReleaseVersion != 200 || d.Package.Version != "3.4.0" {
		t.Errorf("describe hdfs --package-version 3.4.0 -o json = %d %q: %v", code, stdout, err)
	}
	code, stdout, _ = repoRun(t, "describe", "zookeeper", "--config")
	if code != 0 || !strings.Contains(stdout, "service.name\tstring\tzookeeper\t") {
		t.Errorf("describe zookeeper --config = %d:\n%s", code, stdout)
	}
	code, stdout, _ = repoRun(t, "describe", "zookeeper", "--config", "-o", "json")
	if code != 0 || !json.Valid([]byte(stdout)) || !strings.Contains(stdout, `"properties"`) {
		t.Errorf("describe zookeeper --config -o json = %d, not the raw schema:\n%.300s", code, stdout)
	}
	code, stdout, _ = repoRun(t, "describe", "hdfs", "--package-versions")
	if code != 0 || !strings.HasPrefix(stdout, "3.4.1\t300\tdev\n") {
		t.Errorf("describe hdfs --package-versions = %d %q", code, stdout)
	}
	code, _, stderr = repoRun(t, "describe", "nosuch")
	if code != 1 || !strings.Contains(stderr, "package [nosuch] not found in repositories dev") {
		t.Errorf("describe nosuch = %d %q", code, stderr)
	}
	code, _, stderr = repoRun(t, "describe", "hdfs", "--package-version", "9")
	if code != 1 || !strings.Contains(stderr, "version [9] of package [hdfs] not found; available: 3.4.1, 3.4.0, 3.3.6") {
		t.Errorf("describe hdfs --package-version 9 = %d %q", code, stderr)
	}
	if !strings.Contains(logs.String(), "path=/repo status=200") {
		t.Errorf("no access log line for /repo:\n%s", logs)
	}
}

// TestRepoBrokenRepository: a repository answering 500 and one answering
// garbage are reported by name while the built-in one still answers; add
// refuses a repository it cannot fetch.
func TestRepoBrokenRepository(t *testing.T) {
	repoIsolate(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }))
	defer down.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.dcos.universe.repo+json;charset=utf-8;version=v5")
		w.Write([]byte("{{{{"))
	}))
	defer garbage.Close()
	code, _, stderr := repoRun(t, "repo", "add", "down", down.URL+"/repo")
	if code != 1 || !strings.Contains(stderr, "not added") {
		t.Errorf("repo add of a failing repository = %d %q", code, stderr)
	}
	cfg := `{"repositories": [{"name": "down", "url": "` + down.URL + `/repo"}, {"name": "junk", "url": "` + garbage.URL +
		`/repo"}, {"name": "builtin", "url": "builtin:"}]}`
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "universe", "config.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte(cfg), 0o644)
	code, stdout, stderr := repoRun(t, "search", "cassandra")
	if code != 0 || !strings.HasPrefix(stdout, "cassandra\t") || !strings.Contains(stdout, "\tbuiltin\t") {
		t.Errorf("search with broken repositories = %d %q", code, stdout)
	}
	for _, want := range []string{"warning: repository down", "warning: repository junk"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("search stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code, _, _ := repoRun(t, "describe", "cassandra"); code != 0 {
		t.Errorf("describe with broken repositories = %d", code)
	}
}

// TestRepoBuildRefusesInvalid: validation errors stop the build unless
// --allow-invalid, and a refused build leaves the previous output alone.
func TestRepoBuildRefusesInvalid(t *testing.T) {
	dir := repoIsolate(t)
	tree := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(tree, "A", "alpha", "0"), 0o755)
	os.WriteFile(filepath.Join(tree, "A", "alpha", "0", "package.json"), []byte(`{"packagingVersion":"4.0","name":"alpha"}`), 0o644)
	out := filepath.Join(dir, "out")
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "old"), nil, 0o644)
	code, _, stderr := repoRun(t, "repo", "build", "--packages", tree, "--out", out)
	if code != 1 || !strings.Contains(stderr, "refusing to build") {
		t.Errorf("repo build of an invalid tree = %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "old")); err != nil {
		t.Errorf("refused build touched the output: %v", err)
	}
	code, _, stderr = repoRun(t, "repo", "build", "--packages", tree, "--out", out, "--allow-invalid")
	if code != 0 {
		t.Errorf("repo build --allow-invalid = %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "universe.json")); err != nil {
		t.Errorf("no universe.json after --allow-invalid: %v", err)
	}
	if code, _, _ := repoRun(t, "repo", "build"); code != 2 {
		t.Errorf("repo build without --out = %d, want 2", code)
	}
}
