package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// serve sends one request to the sandbox's handler and returns the answer.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func getOK(t *testing.T, h http.Handler, path string) any {
	t.Helper()
	rec := serve(h, httptest.NewRequest(http.MethodGet, path, nil))
	var v any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
		t.Fatalf("GET %s = %d %s, want 200 and JSON", path, rec.Code, rec.Body)
	}
	return v
}

// FuzzAPI sends arbitrary requests (method, path and query, body) to the
// sandbox's real handler, on a sandbox holding one app and one group: no
// request panics; every error answer is a JSON object with a message, and
// the only 5xx is Marathon's "URI not found"; JSON answers are valid JSON;
// and afterwards the sandbox still answers GET /v2/apps, /v2/groups and
// /v2/deployments, and every app it lists answers GET /v2/apps/{id}.
// Seeds are Marathon's documented request examples.
func FuzzAPI(f *testing.F) {
	app := `{"id": "/seed/app", "cmd": "sleep 100", "cpus": 0.1, "mem": 32, "instances": 1, "labels": {"a": "b"}}`
	for _, s := range []struct{ method, path, body string }{
		{"GET", "/v2/apps?embed=apps.tasks&label=a==b", ""},
		{"POST", "/v2/apps", `{"id": "/x", "cmd": "c", "cpus": 0.1, "mem": 16}`},
		{"PUT", "/v2/apps/seed/app?force=true", `{"instances": 3}`},
		{"PATCH", "/v2/apps", `[{"id": "/seed/app", "instances": 0}]`},
		{"DELETE", "/v2/apps/seed/app", ""},
		{"POST", "/v2/apps/seed/app/restart", ""},
		{"GET", "/v2/apps/seed/app/versions", ""},
		{"GET", "/v2/apps/seed/app/tasks", ""},
		{"PUT", "/v2/groups/seed?dryRun=true", `{"id": "/seed", "apps": [{"id": "a2", "cmd": "c"}]}`},
		{"POST", "/v2/groups", `{"id": "/g", "groups": [{"id": "/g/h", "apps": []}]}`},
		{"DELETE", "/v2/groups/seed", ""},
		{"GET", "/v2/deployments", ""},
		{"DELETE", "/v2/deployments/x?force=true", ""},
		{"GET", "/v2/queue", ""},
		{"GET", "/v2/events?event_type=deployment_success", ""},
		{"GET", "/service/marathon/v2/info", ""},
		{"PUT", "/_sandbox/faults", `{"errorRate": 0.5, "latency": "1ms"}`},
		{"POST", "/_sandbox/agents", `{"CPUs": 1e308}`},
		{"POST", "/v2/apps", `{"id": "/n", "cmd": "c", "cpus": 1e400}`},
		{"POST", "/v2/apps", `{"id": "/../..", "cmd": "c"}`},
	} {
		f.Add(s.method, s.path, []byte(s.body))
	}
	if dir, ok := sharedtest.Lookup("marathon", "examples", "rest-api-v2"); ok {
		for _, name := range []string{"app.json", "apps_create.json", "app_patch.json", "group.json", "groups_create.json"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				f.Add("POST", "/v2/apps", b)
				f.Add("PUT", "/v2/groups/seed", b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, method, target string, body []byte) {
		u, err := url.Parse(target)
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		req, err := http.NewRequest(method, "http://sandbox.test"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		s, err := sandbox.New(sandbox.Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		h := s.Handler()
		for _, setup := range []struct{ path, body string }{{"/v2/apps", app}, {"/v2/groups", `{"id":"/grp","apps":[{"id":"a","cmd":"sleep 100"}]}`}} {
			r := httptest.NewRequest(http.MethodPost, setup.path, strings.NewReader(setup.body))
			r.Header.Set("Content-Type", "application/json")
			if rec := serve(h, r); rec.Code != http.StatusCreated {
				t.Fatalf("setup POST %s = %d %s", setup.path, rec.Code, rec.Body)
			}
		}
		if len(body) > 0 && body[0]%4 != 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		if strings.Contains(u.Path, "events") {
			req.Header.Set("Accept", "text/event-stream")
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the stream ends at once
			req = req.WithContext(ctx)
		}
		rec := serve(h, req)
		s.SetFaults(sandbox.Faults{}) // the request may have set some
		ctype, out := rec.Header().Get("Content-Type"), rec.Body.Bytes()
		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("%s %s: status %d", method, target, rec.Code)
		}
		if ctype == "application/json" && !json.Valid(out) {
			t.Fatalf("%s %s = %d, invalid JSON %q", method, target, rec.Code, out)
		}
		if rec.Code >= 400 {
			var e struct {
				Message *string `json:"message"`
			}
			if ctype != "application/json" || json.Unmarshal(out, &e) != nil || e.Message == nil || *e.Message == "" {
				t.Fatalf("%s %s = %d %q (%s), want a JSON object with a message", method, target, rec.Code, out, ctype)
			}
			if rec.Code >= 500 && *e.Message != "URI not found" {
				t.Fatalf("%s %s = %d %s", method, target, rec.Code, out)
			}
		}
		apps, _ := getOK(t, h, "/v2/apps").(map[string]any)["apps"].([]any)
		for _, a := range apps {
			id, _ := a.(map[string]any)["id"].(string)
			if !strings.HasPrefix(id, "/") {
				t.Fatalf("after %s %s: GET /v2/apps lists an app with id %q", method, target, id)
			}
			getOK(t, h, "/v2/apps"+(&url.URL{Path: id}).EscapedPath())
		}
		getOK(t, h, "/v2/groups")
		getOK(t, h, "/v2/deployments")
	})
}
