package ui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/marathon/sandbox"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
)

// call makes a request to the dashboard: POSTs same-origin with the token
// unless headers say otherwise.
func (ts *testServer) call(t *testing.T, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://127.0.0.1:8090"+path, r)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(TokenHeader, ts.Token())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	return w
}

func decodeJSON[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %s: %v", w.Body.String(), err)
	}
	return v
}

func TestPages(t *testing.T) {
	ts := newTestServer(t, 0)
	for _, tt := range []struct {
		path   string
		status int
		h1     string
		want   []string
	}{
		{"/", 200, "Catalog", []string{`<label for="search">Search packages</label>`, `data-package="spark"`, `href="/packages/spark"`}},
		{"/?q=zoo", 200, "Catalog", []string{`data-package="zookeeper"`}},
		{"/packages/spark", 200, "spark", []string{`<label for="version">Version</label>`, `id="install"`, `Rendered Marathon JSON`, `Install plan`}},
		{"/packages/nope", 404, "nope", nil},
		{"/installed", 200, "Installed services", []string{`id="installed"`}},
		{"/cluster", 200, "Cluster", []string{`id="agents"`}},
		{"/installs/nope", 404, "Install nope", nil},
	} {
		t.Run(tt.path, func(t *testing.T) {
			w := ts.call(t, "GET", tt.path, "")
			body := w.Body.String()
			if w.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, w.Code, tt.status)
			}
			h1s := regexp.MustCompile(`<h1>([^<]*)`).FindAllStringSubmatch(body, -1)
			if len(h1s) != 1 || h1s[0][1] != tt.h1 {
				t.Errorf("GET %s: h1s %v, want one %q", tt.path, h1s, tt.h1)
			}
			for _, link := range []string{`<a href="/"`, `<a href="/installed"`, `<a href="/cluster"`} {
				if !strings.Contains(body, link) {
					t.Errorf("GET %s: the nav lacks %s", tt.path, link)
				}
			}
			if !strings.Contains(body, `<meta name="universe-token" content="test-token">`) {
				t.Errorf("GET %s: no token meta tag", tt.path)
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("GET %s lacks %s", tt.path, s)
				}
			}
		})
	}
	if w := ts.call(t, "GET", "/?q=zoo", ""); strings.Contains(w.Body.String(), `data-package="spark"`) {
		t.Errorf("GET /?q=zoo lists spark")
	}
	// Selected packages come first: the catalog of a tree where only
	// zookeeper is selected lists it before the others.
	sel := newTestServerTree(t, 0, selectedTree(t, "zookeeper"))
	body := sel.call(t, "GET", "/", "").Body.String()
	if i, j := strings.Index(body, `data-package="zookeeper"`), strings.Index(body, `data-package="cassandra"`); i < 0 || j < 0 || j < i {
		t.Errorf("catalog: zookeeper (selected) at %d, cassandra (not) at %d; want selected first", i, j)
	}
	for _, a := range []string{"/static/app.js", "/static/package.js", "/static/style.css"} {
		if w := ts.call(t, "GET", a, ""); w.Code != 200 || w.Body.Len() == 0 {
			t.Errorf("GET %s = %d", a, w.Code)
		}
	}
}

func TestCrossSiteRequestsRefused(t *testing.T) {
	ts := newTestServer(t, 0)
	body := `{"package":"zookeeper"}`
	for _, tt := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"same origin with the token", nil, 200},
		{"cross-site fetch metadata", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"another origin", []string{"Sec-Fetch-Site", "", "Origin", "http://evil.example"}, 403},
		{"no token", []string{TokenHeader, ""}, 403},
		{"a wrong token", []string{TokenHeader, "guess"}, 403},
		{"no fetch metadata, same host origin", []string{"Sec-Fetch-Site", "", "Origin", "http://127.0.0.1:8090"}, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.call(t, "POST", "/api/render", body, tt.headers...)
			if w.Code != tt.status {
				t.Errorf("POST /api/render (%s) = %d %s, want %d", tt.name, w.Code, w.Body.String(), tt.status)
			}
		})
	}
	// A refused uninstall changes nothing.
	if w := ts.call(t, "POST", "/api/installs", body); w.Code != http.StatusAccepted {
		t.Fatalf("POST /api/installs = %d %s", w.Code, w.Body.String())
	}
	ts.waitInstalled(t, "zookeeper")
	if w := ts.call(t, "POST", "/api/installed/zookeeper/uninstall", `{}`, "Sec-Fetch-Site", "cross-site"); w.Code != 403 {
		t.Errorf("cross-site uninstall = %d, want 403", w.Code)
	}
	if w := ts.call(t, "POST", "/api/installed/zookeeper/uninstall", `{}`, TokenHeader, ""); w.Code != 403 {
		t.Errorf("uninstall without the token = %d, want 403", w.Code)
	}
	if got := ts.installedNames(t); !strings.Contains(got, "zookeeper") {
		t.Errorf("after refused uninstalls, installed = %s", got)
	}
}

func (ts *testServer) installedNames(t *testing.T) string {
	t.Helper()
	w := ts.call(t, "GET", "/api/installed", "")
	res := decodeJSON[struct{ Packages []installedPackage }](t, w)
	var names []string
	for _, p := range res.Packages {
		names = append(names, p.Name)
	}
	return strings.Join(names, ",")
}

func (ts *testServer) waitInstalled(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		ts.mu.Lock()
		var runs []*run
		for _, r := range ts.installs {
			runs = append(runs, r)
		}
		ts.mu.Unlock()
		done := len(runs) > 0
		for _, r := range runs {
			if !r.status().Done {
				done = false
			}
		}
		if done && strings.Contains(ts.installedNames(t), name) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not installed in time: %s", name, ts.installedNames(t))
}

func TestAPIPackages(t *testing.T) {
	ts := newTestServer(t, 0)
	res := decodeJSON[struct{ Packages []catalog.Result }](t, ts.call(t, "GET", "/api/packages?q=spark", ""))
	if len(res.Packages) != 1 || res.Packages[0].Name != "spark" || len(res.Packages[0].Versions) != 3 {
		t.Errorf("GET /api/packages?q=spark = %+v, want spark with 3 versions", res.Packages)
	}
	d := decodeJSON[packageDetail](t, ts.call(t, "GET", "/api/packages/spark?version=3.5.1", ""))
	if d.Version != "3.5.1" || len(d.Versions) != 3 || len(d.Dependencies) != 1 || d.Dependencies[0].Name != "hdfs" || len(d.Form) == 0 {
		t.Errorf("GET /api/packages/spark?version=3.5.1 = version %s, %d versions, deps %v, %d fields", d.Version, len(d.Versions), d.Dependencies, len(d.Form))
	}
	if d.Form[0].Pointer != "/service" || d.Form[0].Fields[0].Pointer != "/service/name" {
		t.Errorf("form starts %s, %s; want /service, /service/name (file order)", d.Form[0].Pointer, d.Form[0].Fields[0].Pointer)
	}
	for path, status := range map[string]int{"/api/packages/nope": 404, "/api/packages/spark?version=9.9.9": 404} {
		if w := ts.call(t, "GET", path, ""); w.Code != status || !strings.Contains(w.Body.String(), `"error"`) {
			t.Errorf("GET %s = %d %s, want %d with an error", path, w.Code, w.Body.String(), status)
		}
	}
}

func TestAPIRender(t *testing.T) {
	ts := newTestServer(t, 0)
	// Invalid options: every error at its field's pointer, no plan.
	w := ts.call(t, "POST", "/api/render", `{"package":"spark","version":"3.5.2","form":{"/service/name":"Bad Name","/service/cpus":"0","/service/mem":"lots"}}`)
	res := decodeJSON[renderResponse](t, w)
	byPtr := map[string]string{}
	for _, e := range res.Errors {
		byPtr[e.Pointer] = e.Message
	}
	if w.Code != 200 || !strings.Contains(byPtr["/service/mem"], `expected a number`) {
		t.Errorf("render with mem=lots: %d %v, want an error at /service/mem", w.Code, res.Errors)
	}
	// Typed values pass to the schema check, which judges them.
	w = ts.call(t, "POST", "/api/render", `{"package":"spark","version":"3.5.2","form":{"/service/name":"Bad Name","/service/cpus":"0"}}`)
	res = decodeJSON[renderResponse](t, w)
	byPtr = map[string]string{}
	for _, e := range res.Errors {
		byPtr[e.Pointer] = e.Message
	}
	if !strings.Contains(byPtr["/service/name"], "pattern") || !strings.Contains(byPtr["/service/cpus"], "minimum") || res.Plan != nil {
		t.Errorf("render with bad name and cpus: errors %v, plan %v; want errors at /service/name and /service/cpus and no plan", res.Errors, res.Plan)
	}
	// Valid: the definition and the plan, dependencies first.
	w = ts.call(t, "POST", "/api/render", `{"package":"spark","form":{"/service/mem":"2048"}}`)
	res = decodeJSON[renderResponse](t, w)
	if len(res.Errors) != 0 || res.Plan == nil {
		t.Fatalf("render spark: %d %s", w.Code, w.Body.String())
	}
	var order []string
	for _, p := range res.Plan.Packages {
		order = append(order, p.Name+"@"+string(rune('0'+p.Wave)))
	}
	if got := strings.Join(order, " "); got != "zookeeper@0 hdfs@1 spark@2" {
		t.Errorf("plan = %s, want zookeeper@0 hdfs@1 spark@2", got)
	}
	var def map[string]any
	_ = json.Unmarshal(res.Definition, &def)
	if def["id"] != "/spark" || def["mem"] != 2048.0 {
		t.Errorf("definition id %v mem %v, want /spark 2048", def["id"], def["mem"])
	}
	// The JSON options of the API work as well as the form's values.
	w = ts.call(t, "POST", "/api/render", `{"package":"spark","options":{"service":{"mem":"x"}}}`)
	res = decodeJSON[renderResponse](t, w)
	if len(res.Errors) != 1 || res.Errors[0].Pointer != "/service/mem" {
		t.Errorf("render with options mem \"x\": %v, want one error at /service/mem", res.Errors)
	}
	// Bad requests.
	for body, status := range map[string]int{
		``:                              400,
		`{"package":"spark","bogus":1}`: 400,
		`{}`:                            400,
		`{"package":"nope"}`:            404,
		`{"package":"spark","form":{},"options":{}}`: 400,
		`{"package":"spark","timeout":"soon"}`:       400,
		`{"package":"spark","onFailure":"pray"}`:     400,
	} {
		if w := ts.call(t, "POST", "/api/render", body); w.Code != status {
			t.Errorf("POST /api/render %s = %d %s, want %d", body, w.Code, w.Body.String(), status)
		}
	}
}

// selectedTree is the built-in repository where only the named package
// is selected.
func selectedTree(t *testing.T, name string) *repo.Tree {
	t.Helper()
	m := fstest.MapFS{}
	src := packages.FS()
	err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, "/") {
			return err
		}
		data, err := fs.ReadFile(src, path)
		if strings.HasSuffix(path, "/package.json") && !strings.Contains(path, "/"+name+"/") {
			data = bytes.ReplaceAll(data, []byte(`"selected": true`), []byte(`"selected": false`))
		}
		m[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := repo.Load(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// secretTree is the built-in repository with zookeepers 3.9.2 and 3.9.3
// whose service.password is a secret that the template puts into env.
func secretTree(t *testing.T) *repo.Tree {
	t.Helper()
	m := fstest.MapFS{}
	src := packages.FS()
	for _, rel := range []string{"200", "300"} {
		dir := "Z/zookeeper/" + rel
		err := fs.WalkDir(src, dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(src, path)
			m[path] = &fstest.MapFile{Data: data}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg := m[dir+"/config.json"]
		cfg.Data = bytes.Replace(cfg.Data, []byte(`"properties": {
        "name": {`), []byte(`"properties": {
        "password": {"type": "string", "description": "the ensemble's password", "media": {"type": "application/x-secret+string"}, "default": "default-pw-123"},
        "name": {`), 1)
		if !bytes.Contains(cfg.Data, []byte("password")) {
			t.Fatalf("secretTree: %s/config.json not patched", dir)
		}
		tpl := m[dir+"/marathon.json.mustache"]
		tpl.Data = bytes.Replace(tpl.Data, []byte(`"env": {`), []byte(`"env": {
    "ZK_PASSWORD": "{{service.password}}",`), 1)
	}
	tree, err := repo.Load(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestUpgradeAsksForSecrets checks that an upgrade of a package installed
// with a secret (stored redacted) says which secrets it needs, and goes
// ahead with them, without echoing them.
func TestUpgradeAsksForSecrets(t *testing.T) {
	ts := newTestServerTree(t, 0, secretTree(t))
	if w := ts.call(t, "POST", "/api/installs", `{"package":"zookeeper","version":"3.9.2","form":{"/service/password":"first-secret-value"}}`); w.Code != http.StatusAccepted {
		t.Fatalf("install: %d %s", w.Code, w.Body.String())
	}
	ts.waitInstalled(t, "zookeeper")
	res := decodeJSON[struct{ Packages []installedPackage }](t, ts.call(t, "GET", "/api/installed", ""))
	if len(res.Packages) != 1 || strings.Join(res.Packages[0].SecretOptions, ",") != "/service/password" {
		t.Fatalf("installed = %+v, want zookeeper with secretOptions /service/password", res.Packages)
	}
	// (Marathon refuses a change of mem for apps with persistent volumes:
	// keep 3.9.2's.)
	const keep = `"options":{"node":{"mem":2048}}`
	for _, dry := range []string{`,"dryRun":true`, ``} {
		w := ts.call(t, "POST", "/api/installed/zookeeper/upgrade", `{"version":"3.9.3",`+keep+dry+`}`)
		if w.Code == 200 || !strings.Contains(w.Body.String(), "secret option service.password has no value") {
			t.Errorf("upgrade%s without the secret = %d %s, want a refusal naming it", dry, w.Code, w.Body.String())
		}
	}
	w := ts.call(t, "POST", "/api/installed/zookeeper/upgrade", `{"version":"3.9.3",`+keep+`,"dryRun":true,"secrets":{"/service/password":"second-secret-value"}}`)
	if w.Code != 200 || strings.Contains(w.Body.String(), "second-secret-value") || !strings.Contains(w.Body.String(), `"diff"`) {
		t.Errorf("upgrade dry run with the secret = %d %s", w.Code, w.Body.String())
	}
	w = ts.call(t, "POST", "/api/installed/zookeeper/upgrade", `{"version":"3.9.3",`+keep+`,"secrets":{"/service/password":"second-secret-value"}}`)
	if w.Code != 200 || strings.Contains(w.Body.String(), "second-secret-value") {
		t.Fatalf("upgrade with the secret = %d %s", w.Code, w.Body.String())
	}
	app, err := ts.mc.GetApp(context.Background(), "/zookeeper")
	if err != nil {
		t.Fatal(err)
	}
	if app.Env["ZK_PASSWORD"] != "second-secret-value" || app.Labels["DCOS_PACKAGE_VERSION"] != "3.9.3" {
		t.Errorf("after the upgrade env ZK_PASSWORD = %v, version %s", app.Env["ZK_PASSWORD"], app.Labels["DCOS_PACKAGE_VERSION"])
	}
	for body, want := range map[string]string{
		`{"secrets":{"service/password":"x"}}`:                                    "not a JSON pointer",
		`{"options":{"service":{"name":"zk"}},"secrets":{"/service/name/x":"x"}}`: "not an object",
	} {
		if w := ts.call(t, "POST", "/api/installed/zookeeper/upgrade", body); w.Code != 400 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("upgrade %s = %d %s, want 400 with %q", body, w.Code, w.Body.String(), want)
		}
	}
}

func TestSecretsNeverEchoed(t *testing.T) {
	ts := newTestServerTree(t, 0, secretTree(t))
	d := decodeJSON[packageDetail](t, ts.call(t, "GET", "/api/packages/zookeeper", ""))
	raw, _ := json.Marshal(d)
	if bytes.Contains(raw, []byte("default-pw-123")) {
		t.Errorf("GET /api/packages/zookeeper shows the secret's default: %s", raw)
	}
	if f := d.Form[0].Fields[0]; f.Pointer != "/service/password" || f.Kind != KindPassword {
		t.Errorf("first field = %s %s, want /service/password password", f.Pointer, f.Kind)
	}
	for _, tt := range []struct{ body, secret string }{
		{`{"package":"zookeeper","form":{"/service/password":""}}`, "default-pw-123"},
		{`{"package":"zookeeper","form":{"/service/password":"hunter2-very-secret"}}`, "hunter2-very-secret"},
		{`{"package":"zookeeper","options":{"service":{"password":"hunter2-very-secret"}}}`, "hunter2-very-secret"},
	} {
		w := ts.call(t, "POST", "/api/render", tt.body)
		res := decodeJSON[renderResponse](t, w)
		if res.Plan == nil || len(res.Errors) > 0 {
			t.Fatalf("render %s: %s", tt.body, w.Body.String())
		}
		if strings.Contains(w.Body.String(), tt.secret) {
			t.Errorf("render %s echoes the secret: %s", tt.body, w.Body.String())
		}
		var def struct{ Env map[string]any }
		_ = json.Unmarshal(res.Definition, &def)
		if want := render.Marker("/service/password"); def.Env["ZK_PASSWORD"] != want {
			t.Errorf("render %s: env ZK_PASSWORD = %v, want %s", tt.body, def.Env["ZK_PASSWORD"], want)
		}
		if res.Options != nil && strings.Contains(fmt.Sprint(res.Options), "hunter2") {
			t.Errorf("render %s: options %v", tt.body, res.Options)
		}
	}
	// The install itself gets the real value; its plan and stream do not show it.
	w := ts.call(t, "POST", "/api/installs", `{"package":"zookeeper","form":{"/service/password":"hunter2-very-secret"}}`)
	id := decodeJSON[map[string]string](t, w)["id"]
	stream := ts.stream(t, id)
	if strings.Contains(stream, "hunter2-very-secret") {
		t.Errorf("the event stream echoes the secret")
	}
	app, err := ts.mc.GetApp(context.Background(), "/zookeeper")
	if err != nil {
		t.Fatal(err)
	}
	if app.Env["ZK_PASSWORD"] != "hunter2-very-secret" {
		t.Errorf("installed env ZK_PASSWORD = %v, want the secret itself", app.Env["ZK_PASSWORD"])
	}
	if w := ts.call(t, "GET", "/api/installed", ""); strings.Contains(w.Body.String(), "hunter2") {
		t.Errorf("GET /api/installed echoes the secret")
	}
}

// stream reads an install's event stream to its end.
func (ts *testServer) stream(t *testing.T, id string) string {
	t.Helper()
	srv := httptest.NewServer(ts)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/installs/"+id+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("events Content-Type = %q", ct)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
	return string(b)
}

// sseEvent is one server-sent event.
type sseEvent struct{ id, event, data string }

func parseSSE(t *testing.T, s string) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.data != "" {
				if cur.event == "" {
					cur.event = "message"
				}
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data += line[6:]
		}
	}
	return out
}

func TestInstallStreamsProgress(t *testing.T) {
	ts := newTestServer(t, 0)
	// Invalid options never start an install.
	w := ts.call(t, "POST", "/api/installs", `{"package":"spark","form":{"/service/cpus":"0"}}`)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"pointer":"/service/cpus"`) {
		t.Errorf("install with cpus 0 = %d %s, want 422 with the error at /service/cpus", w.Code, w.Body.String())
	}
	w = ts.call(t, "POST", "/api/installs", `{"package":"spark"}`)
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST /api/installs = %d %s", w.Code, w.Body.String())
	}
	id := decodeJSON[map[string]string](t, w)["id"]
	if w := ts.call(t, "GET", "/installs/"+id, ""); w.Code != 200 || !strings.Contains(w.Body.String(), "<h1>Install spark") {
		t.Errorf("GET /installs/%s = %d, want 200 with the h1 naming spark", id, w.Code)
	}
	events := parseSSE(t, ts.stream(t, id))
	if len(events) < 3 || events[len(events)-1].event != "result" {
		t.Fatalf("stream: %d events, last %+v; want a result at the end", len(events), events[len(events)-1])
	}
	var healthy []string
	planAt, firstPackage := -1, -1
	for i, e := range events {
		switch e.event {
		case "plan":
			planAt = i
			var p installer.Plan
			if err := json.Unmarshal([]byte(e.data), &p); err != nil || len(p.Packages) != 3 {
				t.Errorf("plan event %s: %v", e.data, err)
			}
		case "message":
			var ev installer.Event
			if err := json.Unmarshal([]byte(e.data), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Install != id {
				t.Errorf("event of install %s in the stream of %s", ev.Install, id)
			}
			if ev.Type == "package" && firstPackage < 0 {
				firstPackage = i
			}
			if ev.Type == "package" && ev.State == "healthy" {
				healthy = append(healthy, ev.Package)
			}
		}
	}
	if planAt < 0 || planAt > firstPackage {
		t.Errorf("plan event at %d, first package event at %d; want the plan first", planAt, firstPackage)
	}
	if got := strings.Join(healthy, " "); got != "zookeeper hdfs spark" {
		t.Errorf("healthy in order %q, want zookeeper hdfs spark", got)
	}
	var st runStatus
	_ = json.Unmarshal([]byte(events[len(events)-1].data), &st)
	if !st.Done || st.Result == nil || st.Result.Status != installer.StatusSucceeded {
		t.Errorf("result = %+v, want succeeded", st)
	}
	// The status snapshot says the same.
	snap := decodeJSON[runStatus](t, ts.call(t, "GET", "/api/installs/"+id, ""))
	if !snap.Done || snap.Package != "spark" || snap.Plan == nil || len(snap.Events) != len(events)-2 || snap.Result.Status != installer.StatusSucceeded {
		t.Errorf("GET /api/installs/%s = done %v, package %s, %d events (stream had %d and a plan and a result), result %+v",
			id, snap.Done, snap.Package, len(snap.Events), len(events), snap.Result)
	}
	if w := ts.call(t, "GET", "/api/installs/nope", ""); w.Code != 404 {
		t.Errorf("GET /api/installs/nope = %d, want 404", w.Code)
	}
	// A reconnecting browser resumes after Last-Event-ID.
	srv := httptest.NewServer(ts)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/installs/"+id+"/events", nil)
	req.Header.Set("Last-Event-ID", "2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	again := parseSSE(t, string(b))
	if len(again) == 0 || again[0].event != "plan" || again[1].id != "3" {
		t.Errorf("resumed stream starts %+v, want the plan then id 3", again[:min(2, len(again))])
	}
	if w := ts.call(t, "GET", "/api/installs/nope/events", ""); w.Code != 404 {
		t.Errorf("events of an unknown install = %d, want 404", w.Code)
	}
}

func TestInstalledUninstallUpgrade(t *testing.T) {
	ts := newTestServer(t, 0)
	if w := ts.call(t, "POST", "/api/installs", `{"package":"spark","version":"3.5.1"}`); w.Code != http.StatusAccepted {
		t.Fatalf("install: %d %s", w.Code, w.Body.String())
	}
	ts.waitInstalled(t, "spark")
	res := decodeJSON[struct{ Packages []installedPackage }](t, ts.call(t, "GET", "/api/installed", ""))
	byName := map[string]installedPackage{}
	for _, p := range res.Packages {
		byName[p.Name] = p
	}
	if h := byName["hdfs"]; h.Version != "3.4.1" || len(h.DependsOn) != 1 || !strings.HasPrefix(h.DependsOn[0], "zookeeper") ||
		len(h.RequiredBy) != 1 || h.RequiredBy[0] != "/spark" || h.Healthy != h.Instances || h.Instances == 0 {
		t.Errorf("hdfs row = %+v", h)
	}
	// Uninstalling hdfs: refused for its dependents, which the dry run
	// with cascade lists in removal order.
	w := ts.call(t, "POST", "/api/installed/hdfs/uninstall", `{"dryRun":true}`)
	ur := decodeJSON[uninstallResponse](t, w)
	if w.Code != http.StatusConflict || len(ur.Dependents) != 1 || !strings.HasPrefix(ur.Dependents[0], "spark") {
		t.Errorf("uninstall hdfs dry run = %d %+v, want 409 naming spark", w.Code, ur)
	}
	ur = decodeJSON[uninstallResponse](t, ts.call(t, "POST", "/api/installed/hdfs/uninstall", `{"dryRun":true,"cascade":true}`))
	if len(ur.Remove) != 2 || ur.Remove[0].Name != "spark" || ur.Remove[1].Name != "hdfs" {
		t.Errorf("uninstall hdfs cascade dry run removes %+v, want spark then hdfs", ur.Remove)
	}
	if got := ts.installedNames(t); got != "hdfs,spark,zookeeper" {
		t.Errorf("after dry runs installed = %s", got)
	}
	// Upgrade: the diff first, then the change.
	w = ts.call(t, "POST", "/api/installed/spark/upgrade", `{"version":"3.5.2","dryRun":true}`)
	up := decodeJSON[installer.UpgradeResult](t, w)
	if w.Code != 200 || up.Plan == nil || up.Plan.From != "3.5.1" || up.Plan.To != "3.5.2" || !strings.Contains(up.Plan.Diff, "+") {
		t.Fatalf("upgrade dry run = %d %s", w.Code, w.Body.String())
	}
	if w := ts.call(t, "POST", "/api/installed/spark/upgrade", `{"version":"3.5.2"}`); w.Code != 200 {
		t.Fatalf("upgrade = %d %s", w.Code, w.Body.String())
	}
	res = decodeJSON[struct{ Packages []installedPackage }](t, ts.call(t, "GET", "/api/installed", ""))
	for _, p := range res.Packages {
		if p.Name == "spark" && p.Version != "3.5.2" {
			t.Errorf("spark after upgrade at %s", p.Version)
		}
	}
	if w := ts.call(t, "POST", "/api/installed/spark/upgrade", `{"version":"3.5.2"}`); w.Code != http.StatusConflict {
		t.Errorf("upgrade to the same version = %d %s, want 409", w.Code, w.Body.String())
	}
	// Uninstall spark; its dependencies stay.
	w = ts.call(t, "POST", "/api/installed/spark/uninstall", `{}`)
	ur = decodeJSON[uninstallResponse](t, w)
	if w.Code != 200 || len(ur.Removed) != 1 || ur.Removed[0].Name != "spark" {
		t.Errorf("uninstall spark = %d %s", w.Code, w.Body.String())
	}
	if got := ts.installedNames(t); got != "hdfs,zookeeper" {
		t.Errorf("after uninstalling spark, installed = %s", got)
	}
	if w := ts.call(t, "POST", "/api/installed/spark/uninstall", `{}`); w.Code != 404 {
		t.Errorf("uninstalling spark again = %d, want 404", w.Code)
	}
}

func TestAPICluster(t *testing.T) {
	ts := newTestServer(t, 0)
	if w := ts.call(t, "POST", "/api/installs", `{"package":"zookeeper"}`); w.Code != http.StatusAccepted {
		t.Fatal(w.Body.String())
	}
	ts.waitInstalled(t, "zookeeper")
	v := decodeJSON[clusterView](t, ts.call(t, "GET", "/api/cluster", ""))
	if len(v.Agents) != 8 {
		t.Fatalf("agents = %d, want 8", len(v.Agents))
	}
	tasks, cpus := 0, 0.0
	for _, a := range v.Agents {
		for _, task := range a.TaskList {
			if task.AppID != "/zookeeper" || task.AgentID != a.ID {
				t.Errorf("task %+v on agent %s", task, a.ID)
			}
			tasks++
		}
		cpus += a.Used.CPUs
		if a.Free.CPUs+a.Used.CPUs != a.Total.CPUs {
			t.Errorf("agent %s: used %g + free %g != total %g", a.ID, a.Used.CPUs, a.Free.CPUs, a.Total.CPUs)
		}
	}
	if tasks != 3 || len(v.Unplaced) != 0 || cpus == 0 {
		t.Errorf("tasks on agents = %d (unplaced %d), cpus used %g; want zookeeper's 3", tasks, len(v.Unplaced), cpus)
	}
	// An app no agent can hold waits in the queue.
	if _, err := ts.mc.CreateApp(context.Background(), map[string]any{"id": "/huge", "cmd": "sleep 1000", "cpus": 100, "mem": 32, "instances": 2}); err != nil {
		t.Fatal(err)
	}
	ts.sb.Settle()
	v = decodeJSON[clusterView](t, ts.call(t, "GET", "/api/cluster", ""))
	if len(v.Queue) != 1 || v.Queue[0].AppID != "/huge" || v.Queue[0].Count != 2 || v.Queue[0].CPUs != 100 {
		t.Errorf("queue = %+v, want /huge waiting for 2 tasks of 100 cpus", v.Queue)
	}
	if len(v.Deployments) != 1 || v.Deployments[0].AffectedApps[0] != "/huge" {
		t.Errorf("deployments = %+v, want the one of /huge", v.Deployments)
	}
}

func TestInstallRollbackStreamed(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.sb.SetFaults(sandbox.Faults{FailHealth: "/spark*"})
	w := ts.call(t, "POST", "/api/installs", `{"package":"spark","timeout":"2s"}`)
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST /api/installs = %d %s", w.Code, w.Body.String())
	}
	events := parseSSE(t, ts.stream(t, decodeJSON[map[string]string](t, w)["id"]))
	var rollback []string
	for _, e := range events {
		var ev installer.Event
		if e.event == "message" && json.Unmarshal([]byte(e.data), &ev) == nil && ev.Type == "rollback" {
			rollback = append(rollback, ev.AppID+" "+ev.State)
		}
	}
	want := "/spark removing,/spark removed,/hdfs removing,/hdfs removed,/zookeeper removing,/zookeeper removed"
	if got := strings.Join(rollback, ","); got != want {
		t.Errorf("rollback events %q, want %q", got, want)
	}
	if n := ts.Running(); n != 0 {
		t.Errorf("Running() after the install ended = %d", n)
	}
	var st runStatus
	_ = json.Unmarshal([]byte(events[len(events)-1].data), &st)
	if st.Result == nil || st.Result.Status != installer.StatusRolledBack || st.Error == "" {
		t.Errorf("result = %+v, want rolled-back with the error", st.Result)
	}
	if got := ts.installedNames(t); got != "" {
		t.Errorf("after the rollback installed = %q, want nothing", got)
	}
}

func TestLoopbackOnlyRefusesOtherHosts(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.cfg.LoopbackOnly = true
	ts.handler = ts.routes()
	for host, status := range map[string]int{
		"127.0.0.1:8090":       200,
		"localhost:8090":       200,
		"[::1]:8090":           200,
		"127.0.0.1":            200,
		"rebound.example:8090": http.StatusMisdirectedRequest,
		"192.0.2.7:8090":       http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest("GET", "/installed", nil)
		req.Host = host
		w := httptest.NewRecorder()
		ts.ServeHTTP(w, req)
		if w.Code != status {
			t.Errorf("GET /installed with Host %s = %d, want %d", host, w.Code, status)
		}
	}
}

// brokenSource is a repository that cannot be read.
type brokenSource struct{}

func (brokenSource) Name() string { return "broken" }
func (brokenSource) Releases(context.Context, string) ([]catalog.Release, error) {
	return nil, errors.New("repository broken: connection refused")
}
func (brokenSource) Revision(context.Context, string, int) (*repo.Revision, error) {
	return nil, errors.New("repository broken: connection refused")
}
func (brokenSource) Summaries(context.Context) ([]catalog.Summary, error) {
	return nil, errors.New("repository broken: connection refused")
}

// TestRepositoryWarnings checks that a failing repository is reported on
// the catalog while the others still serve, also under concurrent
// requests (run with -race).
func TestRepositoryWarnings(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.cfg.Catalog = catalog.New(brokenSource{}, catalog.NewTree("builtin", builtinTree(t)))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, path := range []string{"/api/packages?q=spark", "/api/packages/spark", "/", "/packages/spark"} {
				req := httptest.NewRequest("GET", path, nil)
				w := httptest.NewRecorder()
				ts.ServeHTTP(w, req)
				if w.Code != 200 {
					t.Errorf("GET %s = %d", path, w.Code)
				}
			}
		}()
	}
	wg.Wait()
	res := decodeJSON[struct {
		Packages []catalog.Result
		Warnings []string
	}](t, ts.call(t, "GET", "/api/packages?q=spark", ""))
	if len(res.Packages) != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "connection refused") {
		t.Errorf("GET /api/packages?q=spark = %+v", res)
	}
	if body := ts.call(t, "GET", "/", "").Body.String(); !strings.Contains(body, "Repository problem: repository broken: connection refused") {
		t.Errorf("the catalog page does not show the broken repository")
	}
}

// TestCloseInterruptsInstalls checks that closing the dashboard interrupts
// a running install, which rolls back.
func TestCloseInterruptsInstalls(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.sb.SetFaults(sandbox.Faults{FailHealth: "/zookeeper*"})
	w := ts.call(t, "POST", "/api/installs", `{"package":"zookeeper"}`)
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST /api/installs = %d %s", w.Code, w.Body.String())
	}
	ru := ts.lookup(decodeJSON[map[string]string](t, w)["id"])
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if evs, _, _ := ru.snapshotEvents(); evs > 2 {
			break
		}
	}
	if n := ts.Running(); n != 1 {
		t.Fatalf("Running() = %d, want 1", n)
	}
	ts.Close()
	st := ru.status()
	if !st.Done || st.Result == nil || st.Result.Status != installer.StatusRolledBack {
		t.Errorf("after Close the install is %+v, want rolled back", st.Result)
	}
	if got := ts.installedNames(t); got != "" {
		t.Errorf("after Close installed = %q, want nothing", got)
	}
	if w := ts.call(t, "POST", "/api/installs", `{"package":"zookeeper"}`); w.Code != http.StatusServiceUnavailable {
		t.Errorf("install after Close = %d, want 503", w.Code)
	}
}

// TestRequestLimits: a body over maxBody is refused with 413 and a message
// naming the limit, not read as truncated JSON; the server's header limit
// is set.
func TestRequestLimits(t *testing.T) {
	ts := newTestServer(t, 0)
	big := `{"package":"zookeeper","options":{"x":"` + strings.Repeat("a", maxBody) + `"}}`
	w := ts.call(t, "POST", "/api/render", big)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), fmt.Sprintf("over the limit of %d bytes", maxBody)) {
		t.Errorf("POST /api/render with %d bytes = %d %s, want 413 naming the limit", len(big), w.Code, w.Body.String())
	}
	if w := ts.call(t, "POST", "/api/render", `{"package":"zookeeper"}`); w.Code != http.StatusOK {
		t.Errorf("POST /api/render after it = %d %s", w.Code, w.Body.String())
	}

	// Headers over maxHeaderBytes, through Serve's http.Server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.Server.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/cluster", nil)
	req.Header.Set("X-Padding", strings.Repeat("p", 2*maxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with %d bytes of headers = %d, want 431", 2*maxHeaderBytes, resp.StatusCode)
	}
}
