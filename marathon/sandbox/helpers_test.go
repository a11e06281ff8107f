package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// start runs an instant (speed 0) sandbox on a loopback port.
func start(t testing.TB, cfg sandbox.Config) *sandbox.Server {
	t.Helper()
	s, err := sandbox.New(cfg)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(a.body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", a.body, err)
	}
	return v
}

func (a answer) obj(t testing.TB) map[string]any {
	t.Helper()
	m, ok := a.json(t).(map[string]any)
	if !ok {
		t.Fatalf("answer %s is not an object", a.body)
	}
	return m
}

// call sends one request; a non-empty body is sent as application/json.
func call(t testing.TB, s *sandbox.Server, method, path, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

var (
	schemaMu    sync.Mutex
	schemaCache = map[string]*gojsonschema.Schema{}
)

// conforms checks a document against a schema derived from Marathon's RAML.
func conforms(t testing.TB, schema string, doc any) {
	t.Helper()
	dir := sharedtest.Dir(t, "marathon", "jsonschema-derived-from-raml")
	schemaMu.Lock()
	sc, ok := schemaCache[schema]
	if !ok {
		var err error
		abs, _ := filepath.Abs(filepath.Join(dir, schema+".schema.json"))
		sc, err = gojsonschema.NewSchema(gojsonschema.NewReferenceLoader("file://" + abs))
		if err != nil {
			schemaMu.Unlock()
			t.Fatalf("loading schema %s: %v", schema, err)
		}
		schemaCache[schema] = sc
	}
	schemaMu.Unlock()
	res, err := sc.Validate(gojsonschema.NewGoLoader(doc))
	if err != nil {
		t.Fatalf("validating against %s: %v", schema, err)
	}
	for _, e := range res.Errors() {
		t.Errorf("%s schema: %s", schema, e)
	}
}

func httpPost(url, contentType string, body io.Reader) (int, error) {
	resp, err := http.Post(url, contentType, body)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// httpServer serves a sandbox without its background loop, so that a fake
// clock alone decides when tasks move on.
func httpServer(t testing.TB, s *sandbox.Server) string {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func post(t testing.TB, base, path, body string) {
	t.Helper()
	resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s = %d %s", path, resp.StatusCode, b)
	}
}

func get(t testing.TB, base, path string, v any) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}
