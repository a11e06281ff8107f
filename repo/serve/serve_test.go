package serve_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/serve"
)

func built(t *testing.T) string {
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

func newServer(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	dir := built(t)
	s, err := serve.New(dir, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, dir
}

func get(t *testing.T, url string, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const v3, v4, v5, v6 = "application/vnd.dcos.universe.repo+json;charset=utf-8;version=v3",
	"application/vnd.dcos.universe.repo+json;charset=utf-8;version=v4",
	"application/vnd.dcos.universe.repo+json;charset=utf-8;version=v5",
	"application/vnd.dcos.universe.repo+json;charset=utf-8;version=v6"

// cosmosAccept is what Cosmos sends.
var cosmosAccept = strings.Join([]string{v5, v4, v3}, ",")

// TestNegotiate covers every DC/OS release a User-Agent can name with the
// Accept headers Cosmos and our client send, and the refusals.
func TestNegotiate(t *testing.T) {
	tests := []struct {
		ua, accept string
		want       serve.Choice
		ok         bool
	}{
		{"cosmos/0.6.3 dcos/1.8", cosmosAccept, serve.Choice{"1.8", 3}, true},
		{"cosmos/0.6.3 dcos/1.9", cosmosAccept, serve.Choice{"1.9", 3}, true},
		{"cosmos/0.6.3 dcos/1.10", cosmosAccept, serve.Choice{"1.10", 4}, true},
		{"cosmos/0.6.3 dcos/1.11", cosmosAccept, serve.Choice{"1.11", 4}, true},
		{"cosmos/0.6.3 dcos/1.12", cosmosAccept, serve.Choice{"1.12", 5}, true},
		{"cosmos/0.6.3 dcos/1.13", cosmosAccept, serve.Choice{"1.13", 5}, true},
		{"cosmos/0.6.3 dcos/2.0", cosmosAccept, serve.Choice{"2.0", 5}, true},
		{"cosmos/0.6.3 dcos/1.11.4", cosmosAccept, serve.Choice{"1.11", 4}, true},
		{"cosmos/0.6.3 dcos/1.7", cosmosAccept, serve.Choice{"2.0", 5}, true}, // unknown → 2.0
		{"curl/8.0", cosmosAccept, serve.Choice{"2.0", 5}, true},
		{"", v5, serve.Choice{"2.0", 5}, true},
		{"cosmos dcos/2.0", v4 + "," + v3, serve.Choice{"1.11", 4}, true}, // newest file it can read
		{"cosmos dcos/2.0", v3, serve.Choice{"1.9", 3}, true},
		{"cosmos dcos/1.10", v3, serve.Choice{"1.9", 3}, true},
		{"cosmos dcos/1.8", v4, serve.Choice{}, false},
		{"cosmos dcos/1.12", v4, serve.Choice{"1.11", 4}, true},
		{"universe/dev dcos/2.0", v6 + "," + cosmosAccept, serve.Choice{"", 6}, true},
		{"cosmos dcos/1.8", v6, serve.Choice{"", 6}, true},
		{"x", "", serve.Choice{"", 6}, true},
		{"x", "*/*", serve.Choice{"", 6}, true},
		{"x", "text/html", serve.Choice{}, false},
		{"x", "application/json", serve.Choice{}, false},
		{"x", v5 + ";q=0", serve.Choice{}, false},
	}
	for _, tt := range tests {
		got, ok := serve.Negotiate(tt.ua, tt.accept)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Negotiate(%q, %q) = %v, %v, want %v, %v", tt.ua, tt.accept, got, ok, tt.want, tt.ok)
		}
	}
}

// TestRepoEndpoint checks that /repo answers with the file and the
// Content-Type negotiation picked, byte for byte.
func TestRepoEndpoint(t *testing.T) {
	ts, dir := newServer(t)
	for _, d := range index.DCOSVersions {
		resp := get(t, ts.URL+"/repo", map[string]string{"User-Agent": "cosmos/0.6.3 dcos/" + d, "Accept": cosmosAccept})
		body, _ := io.ReadAll(resp.Body)
		want, _ := os.ReadFile(filepath.Join(dir, index.RepoFile(d)))
		if resp.StatusCode != 200 || string(body) != string(want) {
			t.Errorf("GET /repo as dcos/%s = %d, %d bytes, want 200 and %s", d, resp.StatusCode, len(body), index.RepoFile(d))
		}
		if ct, want := resp.Header.Get("Content-Type"), index.MediaType(index.MediaVersionFor(d)); ct != want {
			t.Errorf("GET /repo as dcos/%s: Content-Type %q, want %q", d, ct, want)
		}
		if resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("GET /repo: no ETag or Cache-Control: %v", resp.Header)
		}
	}
	resp := get(t, ts.URL+"/repo", map[string]string{"Accept": "text/html"})
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("GET /repo Accept text/html = %d, want 406", resp.StatusCode)
	}
	resp = get(t, ts.URL+"/repo", map[string]string{"Accept": v6})
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != v6 {
		t.Errorf("GET /repo Accept v6 = %d %q, want 200 %q", resp.StatusCode, ct, v6)
	}
	resp = get(t, ts.URL+"/health", nil)
	if resp.StatusCode != 200 {
		t.Errorf("GET /health = %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/repo", strings.NewReader("x"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /repo = %v %v, want 405", resp, err)
	}
}

func TestPackageEndpoint(t *testing.T) {
	ts, dir := newServer(t)
	resp := get(t, ts.URL+"/package/cassandra", map[string]string{"User-Agent": "cosmos dcos/1.12", "Accept": cosmosAccept})
	body, _ := io.ReadAll(resp.Body)
	want, _ := os.ReadFile(filepath.Join(dir, "1.12/package/cassandra.json"))
	if resp.StatusCode != 200 || string(body) != string(want) {
		t.Errorf("GET /package/cassandra = %d, want the 1.12 split file", resp.StatusCode)
	}
	resp = get(t, ts.URL+"/package/cassandra", map[string]string{"Accept": v6})
	body, _ = io.ReadAll(resp.Body)
	want, _ = os.ReadFile(filepath.Join(dir, "v6/package/cassandra.json"))
	if resp.StatusCode != 200 || string(body) != string(want) || resp.Header.Get("Content-Type") != v6 {
		t.Errorf("GET /package/cassandra (v6) = %d %q, want the native split file", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := get(t, ts.URL+"/package/nosuch", map[string]string{"Accept": v6}); resp.StatusCode != 404 {
		t.Errorf("GET /package/nosuch = %d, want 404", resp.StatusCode)
	}
}

// TestPathTraversal sends traversal attempts over a raw connection, so no
// client cleans the path first; every one must be a 404.
func TestPathTraversal(t *testing.T) {
	ts, _ := newServer(t)
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("secret"), 0o644)
	paths := []string{
		"/package/../../etc/passwd",
		"/package/..%2F..%2Fetc%2Fpasswd",
		"/package/%2e%2e/%2e%2e/etc/passwd",
		"/package/..%252F..%252Fetc%252Fpasswd",
		"/package/cassandra/../../../etc/passwd",
		"/package/..\\..\\etc\\passwd",
		"/../../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/1.12/package/cassandra.json",
		"/v6/../universe.json/../../" + strings.TrimPrefix(secret, "/"),
		"/package/%00",
		"/etc/passwd",
		"//etc/passwd",
	}
	for _, p := range paths {
		conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAccept: %s\r\nConnection: close\r\n\r\n", p, v5)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
		if strings.Contains(string(body), "root:") || strings.Contains(string(body), "secret") {
			t.Errorf("GET %s leaked a file: %q", p, body)
		}
	}
}

func TestConditionalAndGzip(t *testing.T) {
	ts, dir := newServer(t)
	hdr := map[string]string{"User-Agent": "cosmos dcos/2.0", "Accept": cosmosAccept}
	first := get(t, ts.URL+"/repo", hdr)
	etag := first.Header.Get("ETag")
	hdr["If-None-Match"] = etag
	if resp := get(t, ts.URL+"/repo", hdr); resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET /repo If-None-Match %s = %d, want 304", etag, resp.StatusCode)
	}
	hdr["If-None-Match"] = `"other"`
	if resp := get(t, ts.URL+"/repo", hdr); resp.StatusCode != 200 {
		t.Errorf("GET /repo with a stale ETag = %d, want 200", resp.StatusCode)
	}
	delete(hdr, "If-None-Match")
	hdr["Accept-Encoding"] = "gzip"
	resp := get(t, ts.URL+"/repo", hdr)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET /repo Accept-Encoding gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	want, _ := os.ReadFile(filepath.Join(dir, index.RepoFile("2.0")))
	if diff := cmp.Diff(string(want), string(body)); diff != "" {
		t.Errorf("gzipped body differs (-want +got):\n%.500s", diff)
	}
	gzTag := resp.Header.Get("ETag")
	if gzTag == etag {
		t.Errorf("gzip and identity responses share the ETag %s", etag)
	}
	hdr["If-None-Match"] = gzTag
	if resp := get(t, ts.URL+"/repo", hdr); resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET /repo gzip If-None-Match = %d, want 304", resp.StatusCode)
	}
}

// TestGracefulShutdown cancels Serve's context and expects it to return.
func TestGracefulShutdown(t *testing.T) {
	s, err := serve.New(built(t), serve.Options{ShutdownTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /health: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestNewRefusesNonRepository(t *testing.T) {
	if _, err := serve.New(t.TempDir(), serve.Options{}); err == nil {
		t.Error("New(empty dir) succeeded")
	}
}

// TestServesRebuild: a rebuild into the served directory (replaced by a
// rename) is served from the next request on, with a new ETag.
func TestServesRebuild(t *testing.T) {
	ts, dir := newServer(t)
	hdr := map[string]string{"Accept": v6}
	first := get(t, ts.URL+"/repo", hdr)
	io.Copy(io.Discard, first.Body)
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	if _, err := index.Build(context.Background(), tree, dir, index.Options{Now: later}); err != nil {
		t.Fatal(err)
	}
	resp := get(t, ts.URL+"/repo", hdr)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"generatedAt": "2030-01-01T00:00:00Z"`) {
		t.Errorf("after a rebuild: %d, %.100s", resp.StatusCode, body)
	}
	if resp.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Errorf("ETag unchanged after a rebuild: %s", resp.Header.Get("ETag"))
	}
}
