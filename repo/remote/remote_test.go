package remote_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/remote"
	"github.com/universe-pm/universe/repo/serve"
)

func build(t *testing.T) string {
	t.Helper()
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "repo")
	if _, err := index.Build(context.Background(), tree, out, index.Options{}); err != nil {
		t.Fatal(err)
	}
	return out
}

// counting serves dir and counts the requests and their headers.
type counting struct {
	h        http.Handler
	requests atomic.Int32
	last     atomic.Value // http.Header
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	c.last.Store(r.Header.Clone())
	c.h.ServeHTTP(w, r)
}

func serveDir(t testing.TB, dir string) (*httptest.Server, *counting) {
	t.Helper()
	s, err := serve.New(dir, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &counting{h: s}
	ts := httptest.NewServer(c)
	t.Cleanup(ts.Close)
	return ts, c
}

func newClient(t *testing.T, now *time.Time) *remote.Client {
	return remote.New(remote.Options{CacheDir: t.TempDir(), RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		Now: func() time.Time { return *now }})
}

// TestOpenCacheAndRevalidate fetches a repository, reuses the cache within
// the TTL without a request, revalidates with If-None-Match after it (304)
// and reads one package, verified, from the cache.
func TestOpenCacheAndRevalidate(t *testing.T) {
	ts, srv := serveDir(t, build(t))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newClient(t, &now)
	src := remote.Source{Name: "dev", URL: ts.URL + "/repo"}
	r, err := c.Open(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if r.Media != 6 {
		t.Errorf("Media = %d, want 6", r.Media)
	}
	h := srv.last.Load().(http.Header)
	if got := h.Get("Accept"); got != remote.Accept {
		t.Errorf("Accept = %q, want %q", got, remote.Accept)
	}
	if ua := h.Get("User-Agent"); !strings.Contains(ua, "dcos/") || h.Get("Accept-Encoding") != "gzip" {
		t.Errorf("User-Agent %q / Accept-Encoding %q, want dcos/X.Y and gzip", ua, h.Get("Accept-Encoding"))
	}
	if _, err := c.Open(context.Background(), src); err != nil || srv.requests.Load() != 1 {
		t.Errorf("second Open within the TTL: %v, %d requests, want 1", err, srv.requests.Load())
	}
	now = now.Add(time.Hour)
	if _, err := c.Open(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if h := srv.last.Load().(http.Header); h.Get("If-None-Match") == "" || srv.requests.Load() != 2 {
		t.Errorf("after the TTL: If-None-Match %q, %d requests, want a conditional second request", h.Get("If-None-Match"), srv.requests.Load())
	}
	p, err := r.Package(context.Background(), "cassandra")
	if err != nil || p == nil || len(p.Revisions) == 0 {
		t.Fatalf("Package(cassandra) = %v, %v", p, err)
	}
	if p.Latest().Template == nil || len(p.Latest().Dependencies) != 0 && p.Latest().Dependencies[0].Name == "" {
		t.Errorf("cassandra's latest revision lacks its template")
	}
	hdfs, err := r.Package(context.Background(), "hdfs")
	if err != nil || len(hdfs.Latest().Dependencies) == 0 {
		t.Errorf("hdfs from the native index lost its dependencies: %v", err)
	}
	if p, err := r.Package(context.Background(), "nosuch"); p != nil || err != nil {
		t.Errorf("Package(nosuch) = %v, %v, want nil, nil", p, err)
	}
}

// TestCorruptedPackage corrupts one entry of the served native index:
// that package is left out with an ErrDigest warning, the others work.
func TestCorruptedPackage(t *testing.T) {
	dir := build(t)
	p := filepath.Join(dir, index.NativeFile)
	data, _ := os.ReadFile(p)
	data = bytes.Replace(data, []byte(`"description": "Apache Spark`), []byte(`"description": "Apache Spork`), 1)
	os.WriteFile(p, data, 0o644)
	ts, _ := serveDir(t, dir)
	now := time.Now()
	r, err := newClient(t, &now).Open(context.Background(), remote.Source{Name: "dev", URL: ts.URL + "/repo"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Corrupted) == 0 || !strings.Contains(r.Corrupted[0].Error(), "spark") {
		t.Errorf("Corrupted = %v, want spark's entry", r.Corrupted)
	}
	if _, err := r.Package(context.Background(), "spark"); !errors.Is(err, index.ErrDigest) {
		t.Errorf("Package(spark) error = %v, want ErrDigest", err)
	}
	if p, err := r.Package(context.Background(), "cassandra"); err != nil || p == nil {
		t.Errorf("Package(cassandra) = %v, %v, want it intact", p, err)
	}
}

// TestCorruptedCache corrupts the cached package file after the fetch:
// reading it fails the sha256 check.
func TestCorruptedCache(t *testing.T) {
	ts, _ := serveDir(t, build(t))
	now := time.Now()
	cache := t.TempDir()
	c := remote.New(remote.Options{CacheDir: cache, Now: func() time.Time { return now }})
	r, err := c.Open(context.Background(), remote.Source{Name: "dev", URL: ts.URL + "/repo"})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "repos", "*", "packages", "zookeeper.json"))
	if len(files) != 1 {
		t.Fatalf("cached zookeeper files: %v", files)
	}
	data, _ := os.ReadFile(files[0])
	os.WriteFile(files[0], bytes.ReplaceAll(data, []byte(`ZooKeeper`), []byte(`ZooKeepr`)), 0o644)
	if _, err := r.Package(context.Background(), "zookeeper"); !errors.Is(err, index.ErrDigest) {
		t.Errorf("Package(zookeeper) after corruption: %v, want ErrDigest", err)
	}
	if _, _, err := catalog.New(r).Resolve(context.Background(), "zookeeper", ""); !errors.Is(err, index.ErrDigest) {
		t.Errorf("Resolve(zookeeper) after corruption: %v, want ErrDigest", err)
	}
}

// TestBrokenRepositories: servers answering 500, garbage, a wrong media
// type, or too much fail with an error naming the repository, after
// bounded retries for 5xx.
func TestBrokenRepositories(t *testing.T) {
	var fails atomic.Int32
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) { fails.Add(1); http.Error(w, "boom", 500) }, "500"},
		{"garbage", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", index.MediaType(5))
			w.Write([]byte("<html>not json"))
		}, "decoding"},
		{"html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`{"packages": []}`))
		}, "unsupported content type"},
		{"huge", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", index.MediaType(5))
			w.Write([]byte(`{"packages": [` + strings.Repeat(" ", 2<<10) + `]}`))
		}, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(tt.handler)
			defer ts.Close()
			c := remote.New(remote.Options{CacheDir: t.TempDir(), MaxSize: 1 << 10, Retries: 2,
				RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
			_, err := c.Open(context.Background(), remote.Source{Name: "broken", URL: ts.URL + "/repo"})
			if err == nil || !strings.Contains(err.Error(), "broken") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open = %v, want an error naming the repository and %q", err, tt.want)
			}
		})
	}
	if n := fails.Load(); n != 3 {
		t.Errorf("the 500 server got %d requests, want 3 (1 + 2 retries)", n)
	}
}

// TestOneBrokenOthersWork resolves and searches through a catalog whose
// first repository is broken: a warning names it, the rest answers.
func TestOneBrokenOthersWork(t *testing.T) {
	good, _ := serveDir(t, build(t))
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }))
	defer bad.Close()
	now := time.Now()
	c := newClient(t, &now)
	var sources []catalog.Source
	var warnings []error
	for _, s := range []remote.Source{{Name: "down", URL: bad.URL + "/repo"}, {Name: "dev", URL: good.URL + "/repo"}} {
		r, err := c.Open(context.Background(), s)
		if err != nil {
			warnings = append(warnings, err)
			continue
		}
		sources = append(sources, r)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "down") {
		t.Errorf("warnings = %v, want one naming \"down\"", warnings)
	}
	cat := catalog.New(sources...)
	rev, from, err := cat.Resolve(context.Background(), "zookeeper", "")
	if err != nil || from != "dev" || rev.Name != "zookeeper" {
		t.Errorf("Resolve(zookeeper) = %v, %q, %v", rev, from, err)
	}
	if res := cat.Search(context.Background(), "zoo*"); len(res) != 1 || res[0].Name != "zookeeper" {
		t.Errorf("Search(zoo*) = %v", res)
	}
}

func TestConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "universe", "config.json")
	c, err := remote.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return c.Add("a", "http://a.example/repo", -1) },
		func() error { return c.Add("b", "https://b.example/repo", 0) },
		func() error { return c.Add("c", "http://c.example/repo", -1) },
		func() error { return c.Add("e", "http://e.example/repo", len(c.Repositories)) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []struct{ name, url string }{{"a", "http://x.example"}, {"x", "http://a.example/repo"}, {"x", "ftp://x"}, {"x", "zz"}} {
		if err := c.Add(bad.name, bad.url, -1); err == nil {
			t.Errorf("Add(%q, %q) succeeded", bad.name, bad.url)
		}
	}
	if err := c.Add("x", "http://x.example", 9); err == nil {
		t.Error("Add at index 9 succeeded")
	}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	c2, err := remote.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range c2.Repositories {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"b", "a", "c", "e", "builtin"}, names); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	if err := c2.Remove("builtin"); err != nil {
		t.Fatal(err)
	}
	if err := c2.Remove("nosuch"); !errors.Is(err, remote.ErrNoRepository) {
		t.Errorf("Remove(nosuch) = %v, want ErrNoRepository", err)
	}
	if err := c2.Add("d", "http://d.example", -1); err != nil || c2.Repositories[len(c2.Repositories)-1].Name != "d" {
		t.Errorf("Add after removing builtin: %v, %v", err, c2.Repositories)
	}
}

func TestConfigPath(t *testing.T) {
	t.Setenv("UNIVERSE_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	if p, _ := remote.ConfigPath(""); p != "/xdg/universe/config.json" {
		t.Errorf("ConfigPath = %q", p)
	}
	t.Setenv("UNIVERSE_CONFIG", "/env.json")
	if p, _ := remote.ConfigPath(""); p != "/env.json" {
		t.Errorf("ConfigPath with UNIVERSE_CONFIG = %q", p)
	}
	if p, _ := remote.ConfigPath("/flag.json"); p != "/flag.json" {
		t.Errorf("ConfigPath with a flag = %q", p)
	}
}

// TestFetchPackageAgainstIndex fetches one package's split file and checks
// it against the index: a file whose entries were changed and given a
// matching sha256 of their own is still refused.
func TestFetchPackageAgainstIndex(t *testing.T) {
	dir := build(t)
	ts, _ := serveDir(t, dir)
	now := time.Now()
	c := newClient(t, &now)
	r, err := c.Open(context.Background(), remote.Source{Name: "dev", URL: ts.URL + "/repo"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.FetchPackage(context.Background(), r, "etcd")
	if err != nil || len(p.Revisions) != 3 {
		t.Fatalf("FetchPackage(etcd) = %v, %v", p, err)
	}
	// Rewrite etcd's split file: change a description and recompute the
	// entry's own sha256, as a tampered mirror would.
	split := filepath.Join(dir, "v6", "package", "etcd.json")
	data, _ := os.ReadFile(split)
	ix, err := index.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	e := ix.Entries[0]
	v, _ := index.Parse(e.Raw)
	o := v.(*index.Object)
	o.Set("description", "tampered")
	o.Delete("sha256")
	sum, _ := index.Sum(index.Append(nil, o))
	o.Set("sha256", sum)
	tampered := bytes.Replace(data, e.Raw, index.Append(nil, o), 1)
	os.WriteFile(split, tampered, 0o644)
	if _, err := c.FetchPackage(context.Background(), r, "etcd"); !errors.Is(err, index.ErrDigest) || !strings.Contains(err.Error(), "index says") {
		t.Errorf("FetchPackage of a tampered file = %v, want ErrDigest against the index", err)
	}
	if _, err := c.FetchPackage(context.Background(), r, "nosuch"); !errors.Is(err, catalog.ErrPackageNotFound) {
		t.Errorf("FetchPackage(nosuch) = %v, want ErrPackageNotFound", err)
	}
}

// TestStaleCacheOnFailure: after the TTL, a server that fails leaves the
// cached copy in use, marked Stale.
func TestStaleCacheOnFailure(t *testing.T) {
	dir := build(t)
	s, err := serve.New(dir, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var down atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", 502)
			return
		}
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()
	now := time.Now()
	c := newClient(t, &now)
	src := remote.Source{Name: "dev", URL: ts.URL + "/repo"}
	if _, err := c.Open(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	now = now.Add(time.Hour)
	r, err := c.Open(context.Background(), src)
	if err != nil || r.Stale == nil || !strings.Contains(r.Stale.Error(), "502") {
		t.Fatalf("Open with the server down = %v, stale %v; want the cached copy marked stale", err, r)
	}
	if p, err := r.Package(context.Background(), "etcd"); err != nil || p == nil {
		t.Errorf("Package(etcd) from the stale copy = %v, %v", p, err)
	}
}

// TestSlowServerTimesOut: a server slower than the client's timeout is an
// error naming the repository, after the bounded retries.
func TestSlowServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(release)
	c := remote.New(remote.Options{CacheDir: t.TempDir(), HTTPClient: &http.Client{Timeout: 50 * time.Millisecond},
		Retries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	start := time.Now()
	_, err := c.Open(context.Background(), remote.Source{Name: "slow", URL: ts.URL + "/repo"})
	if err == nil || !strings.Contains(err.Error(), "slow") {
		t.Errorf("Open(slow) = %v, want an error naming it", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open(slow) took %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	c2 := remote.New(remote.Options{CacheDir: t.TempDir()})
	if _, err := c2.Open(ctx, remote.Source{Name: "slow", URL: ts.URL + "/repo"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Open with an expiring context = %v, want DeadlineExceeded", err)
	}
}
