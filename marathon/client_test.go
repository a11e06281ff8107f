package marathon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// newSandbox starts an in-process sandbox on a loopback port.
func newSandbox(t testing.TB, cfg sandbox.Config) *sandbox.Server {
	t.Helper()
	s, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newClient(t testing.TB, url string, mod ...func(*marathon.Config)) *marathon.Client {
	t.Helper()
	cfg := marathon.Config{MarathonURL: url, RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond, PollInterval: 20 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := marathon.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestClientLifecycle(t *testing.T) {
	s := newSandbox(t, sandbox.Config{Speed: 20})
	c := newClient(t, s.URL())
	ctx := ctxT(t, 20*time.Second)
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.Name != "marathon" {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	app := map[string]any{"id": "/shop/web", "cmd": "sleep 100", "instances": 2, "labels": map[string]string{"tier": "front"},
		"healthChecks": []any{map[string]any{"protocol": "COMMAND", "command": map[string]any{"value": "true"}}}}
	created, err := c.CreateApp(ctx, app)
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	if created.ID != "/shop/web" || created.DeploymentID == "" || created.Instances != 2 {
		t.Errorf("CreateApp = %+v, want /shop/web with a deployment id", created)
	}
	if err := c.WaitForDeployment(ctx, created.DeploymentID); err != nil {
		t.Fatalf("WaitForDeployment: %v", err)
	}
	if err := c.WaitForApp(ctx, "/shop/web"); err != nil {
		t.Fatalf("WaitForApp: %v", err)
	}
	got, err := c.GetApp(ctx, "shop/web")
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := marathon.AppReady(got); !ok || got.TasksHealthy != 2 || len(got.Tasks) != 2 {
		t.Errorf("GetApp after WaitForApp: ready %v (%s), healthy %d, tasks %d", ok, why, got.TasksHealthy, len(got.Tasks))
	}
	if _, err := c.CreateApp(ctx, app); !marathon.IsConflict(err) || marathon.IsLocked(err) {
		t.Errorf("CreateApp twice: err = %v, want 409 exists", err)
	}
	if _, err := c.CreateApp(ctx, map[string]any{"id": "/bad"}); !marathon.IsInvalid(err) {
		t.Errorf("CreateApp invalid: err = %v, want 422", err)
	} else {
		var e *marathon.Error
		errors.As(err, &e)
		want := []marathon.ErrorDetail{{Path: "/", Errors: []string{"AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."}}}
		if diff := cmp.Diff(want, e.Details); diff != "" || e.Status != 422 || e.Message != "Object is not valid" {
			t.Errorf("422 details (-want +got):\n%s", diff)
		}
	}
	if _, err := c.GetApp(ctx, "/nope"); !marathon.IsNotFound(err) {
		t.Errorf("GetApp missing: err = %v, want 404", err)
	}
	list, err := c.ListApps(ctx, marathon.ListOptions{Label: "tier==front", Embed: []string{"apps.tasks"}})
	if err != nil || len(list) != 1 || len(list[0].Tasks) != 2 {
		t.Errorf("ListApps(label) = %d apps, %v", len(list), err)
	}
	if list, _ := c.ListApps(ctx, marathon.ListOptions{Label: "tier!=front"}); len(list) != 0 {
		t.Errorf("ListApps(tier!=front) = %d apps, want 0", len(list))
	}
	if list, _ := c.ListApps(ctx, marathon.ListOptions{ID: "WEB"}); len(list) != 1 {
		t.Errorf("ListApps(id=WEB) = %d apps, want 1", len(list))
	}
	res, err := c.UpdateApp(ctx, "/shop/web", map[string]any{"cmd": "sleep 200"}, marathon.UpdateOptions{})
	if err != nil || res.DeploymentID == "" {
		t.Fatalf("UpdateApp = %+v, %v", res, err)
	}
	if err := c.WaitForDeployment(ctx, res.DeploymentID); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForApp(ctx, "/shop/web"); err != nil {
		t.Fatal(err)
	}
	vs, err := c.AppVersions(ctx, "/shop/web")
	if err != nil || len(vs) != 2 {
		t.Errorf("AppVersions = %v, %v, want 2", vs, err)
	}
	group := map[string]any{"id": "/data", "apps": []any{
		map[string]any{"id": "db", "cmd": "sleep 100"},
		map[string]any{"id": "api", "cmd": "sleep 100", "dependencies": []string{"db"}},
	}}
	steps, err := c.DryRunGroup(ctx, "/data", group)
	if err != nil || len(steps) != 3 {
		t.Errorf("DryRunGroup = %+v, %v, want 3 steps", steps, err)
	}
	gr, err := c.CreateGroup(ctx, group)
	if err != nil || gr.DeploymentID == "" {
		t.Fatalf("CreateGroup = %+v, %v", gr, err)
	}
	if err := c.WaitForDeployment(ctx, gr.DeploymentID); err != nil {
		t.Fatal(err)
	}
	g, err := c.GetGroup(ctx, "/data")
	if err != nil || len(g.Apps) != 2 {
		t.Errorf("GetGroup = %+v, %v", g, err)
	}
	gr, err = c.UpdateGroup(ctx, "/data", map[string]any{"apps": []any{map[string]any{"id": "db", "cmd": "sleep 100"}}}, marathon.GroupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForDeployment(ctx, gr.DeploymentID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetApp(ctx, "/data/api"); !marathon.IsNotFound(err) {
		t.Errorf("after PUT group without api: GetApp = %v, want 404", err)
	}
	if _, err := c.DeleteGroup(ctx, "/data", marathon.GroupOptions{}); err != nil {
		t.Errorf("DeleteGroup: %v", err)
	}
	if q, err := c.Queue(ctx); err != nil || len(q) != 0 {
		t.Errorf("Queue = %v, %v", q, err)
	}
	if _, err := c.DeleteApp(ctx, "/shop/web", true); err != nil {
		t.Errorf("DeleteApp: %v", err)
	}
	if _, err := c.CancelDeployment(ctx, "nope", false); !marathon.IsNotFound(err) {
		t.Errorf("CancelDeployment(nope) = %v, want 404", err)
	}
}

func TestLockedAndCancel(t *testing.T) {
	s := newSandbox(t, sandbox.Config{Faults: sandbox.Faults{FailHealth: "/stuck"}})
	c := newClient(t, s.URL())
	ctx := ctxT(t, 10*time.Second)
	a, err := c.CreateApp(ctx, map[string]any{"id": "/stuck", "cmd": "sleep 100", "healthChecks": []any{map[string]any{"protocol": "COMMAND", "command": map[string]any{"value": "false"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateApp(ctx, "/stuck", map[string]any{"cmd": "sleep 5"}, marathon.UpdateOptions{})
	var e *marathon.Error
	if !marathon.IsLocked(err) || !errors.As(err, &e) || len(e.Deployments) != 1 || e.Deployments[0].ID != a.DeploymentID || e.Message != marathon.LockedMessage {
		t.Fatalf("UpdateApp on a locked app = %v, want 409 locked by %s", err, a.DeploymentID)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err = c.WaitForApp(waitCtx, "/stuck")
	var we *marathon.WaitError
	if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "0 of 1 tasks healthy, 1 unhealthy") {
		t.Errorf("WaitForApp on an unhealthy app = %v, want a timeout saying 1 unhealthy", err)
	}
	// A forced update fails the first deployment; a waiter sees it.
	done := make(chan error, 1)
	for s.Subscribers() != 0 { // WaitForApp's stream is gone
		time.Sleep(5 * time.Millisecond)
	}
	go func() { done <- c.WaitForDeployment(ctx, a.DeploymentID) }()
	for s.Subscribers() == 0 { // the waiter listens to events
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := c.UpdateApp(ctx, "/stuck", map[string]any{"cmd": "sleep 5"}, marathon.UpdateOptions{Force: true}); err != nil {
		t.Fatalf("forced UpdateApp: %v", err)
	}
	if err := <-done; !errors.Is(err, marathon.ErrDeploymentFailed) {
		t.Errorf("WaitForDeployment of a superseded deployment = %v, want ErrDeploymentFailed", err)
	}
	ds, err := c.Deployments(ctx)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Deployments = %v, %v", ds, err)
	}
	if res, err := c.CancelDeployment(ctx, ds[0].ID, true); err != nil || res != nil {
		t.Errorf("CancelDeployment(force) = %v, %v", res, err)
	}
}

func TestWaitDiagnosis(t *testing.T) {
	s := newSandbox(t, sandbox.Config{Agents: 1, AgentCPUs: 1, Faults: sandbox.Faults{FailTasks: "/crash"}})
	c := newClient(t, s.URL())
	ctx := ctxT(t, 10*time.Second)
	for _, tt := range []struct {
		app  map[string]any
		want string
	}{
		{map[string]any{"id": "/crash", "cmd": "exit 1", "cpus": 0.1, "backoffSeconds": 600}, "last task failure TASK_FAILED"},
		{map[string]any{"id": "/huge", "cmd": "sleep 1", "cpus": 8}, "no agent offers enough resources"},
	} {
		if _, err := c.CreateApp(ctx, tt.app); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err := c.WaitForApp(wctx, tt.app["id"].(string))
		cancel()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("WaitForApp(%s) = %v, want it to say %q", tt.app["id"], err, tt.want)
		}
	}
}

// front is a server in front of a sandbox that misbehaves on demand.
type front struct {
	srv      *httptest.Server
	requests atomic.Int64
	fail     func(n int64, w http.ResponseWriter, r *http.Request) bool
}

func newFront(t testing.TB, s *sandbox.Server, fail func(n int64, w http.ResponseWriter, r *http.Request) bool) *front {
	f := &front{fail: fail}
	h := s.Handler()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.requests.Add(1)
		if f.fail(n, w, r) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetries(t *testing.T) {
	s := newSandbox(t, sandbox.Config{})
	ctx := ctxT(t, 10*time.Second)
	t.Run("5xx burst", func(t *testing.T) {
		f := newFront(t, s, func(n int64, w http.ResponseWriter, r *http.Request) bool {
			if n <= 3 {
				http.Error(w, `{"message":"busy"}`, http.StatusBadGateway)
				return true
			}
			return false
		})
		c := newClient(t, f.srv.URL)
		if _, err := c.Info(ctx); err != nil {
			t.Errorf("Info after 3 x 502: %v", err)
		}
		if n := f.requests.Load(); n != 4 {
			t.Errorf("requests = %d, want 4", n)
		}
	})
	t.Run("resets", func(t *testing.T) {
		f := newFront(t, s, func(n int64, w http.ResponseWriter, r *http.Request) bool {
			if n <= 2 {
				reset(w)
				return true
			}
			return false
		})
		c := newClient(t, f.srv.URL)
		if _, err := c.Deployments(ctx); err != nil {
			t.Errorf("Deployments after 2 resets: %v", err)
		}
	})
	t.Run("never 4xx", func(t *testing.T) {
		f := newFront(t, s, func(int64, http.ResponseWriter, *http.Request) bool { return false })
		c := newClient(t, f.srv.URL)
		if _, err := c.GetApp(ctx, "/nope"); !marathon.IsNotFound(err) {
			t.Fatalf("GetApp = %v", err)
		}
		if _, err := c.CreateApp(ctx, map[string]any{"id": "/x"}); !marathon.IsInvalid(err) {
			t.Fatalf("CreateApp = %v", err)
		}
		if n := f.requests.Load(); n != 2 {
			t.Errorf("requests for a 404 and a 422 = %d, want 2 (no retries)", n)
		}
	})
	t.Run("budget", func(t *testing.T) {
		f := newFront(t, s, func(n int64, w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, `{"message":"down for maintenance"}`, http.StatusServiceUnavailable)
			return true
		})
		c := newClient(t, f.srv.URL, func(c *marathon.Config) { c.RetryMax = 2 })
		_, err := c.Info(ctx)
		if err == nil || !strings.Contains(err.Error(), "GET /v2/info: giving up after 3 attempts: marathon: 503 down for maintenance") {
			t.Errorf("Info against a down server = %v, want a clear error after 3 attempts", err)
		}
		_, err = c.CreateApp(ctx, map[string]any{"id": "/y", "cmd": "sleep 1"})
		if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") {
			t.Errorf("CreateApp against a down server = %v", err)
		}
	})
	t.Run("context", func(t *testing.T) {
		f := newFront(t, s, func(n int64, w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, `{"message":"down"}`, http.StatusServiceUnavailable)
			return true
		})
		c := newClient(t, f.srv.URL, func(c *marathon.Config) { c.RetryMax = 100; c.RetryWaitMin = 20 * time.Millisecond })
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := c.Info(cctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Info with an expiring context = %v, want deadline exceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Info took %v after its context ended", d)
		}
	})
}

// TestNoDuplicatePost creates apps through 503s, dropped connections
// (before and after the app is created) and latency: every create succeeds
// or fails clearly, none answers 409 for an app its own retry created, and
// Marathon applied each POST exactly once.
func TestNoDuplicatePost(t *testing.T) {
	s := newSandbox(t, sandbox.Config{Agents: 10, Faults: sandbox.Faults{ErrorRate: 0.2, DropRate: 0.3, Latency: sandbox.Duration(time.Millisecond)}})
	c := newClient(t, s.URL(), func(c *marathon.Config) { c.RetryMax = 10 })
	ctx := ctxT(t, 30*time.Second)
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.CreateApp(ctx, map[string]any{"id": "/dup/app-" + itoa(i), "cmd": "sleep 100", "cpus": 0.01, "mem": 1})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case marathon.IsConflict(err):
			t.Errorf("CreateApp(app-%d) = %v: a retry reported its own app as a conflict", i, err)
		case !strings.Contains(err.Error(), "giving up after"):
			t.Errorf("CreateApp(app-%d) = %v: not a clear retry failure", i, err)
		}
	}
	if ok < n*9/10 {
		t.Errorf("%d of %d creates succeeded within the retry budget", ok, n)
	}
	posts := map[string]int{}
	for _, e := range s.EventLog() {
		if e.Type == "api_post_event" {
			var p struct{ AppDefinition struct{ ID string } }
			_ = json.Unmarshal(e.Data, &p)
			posts[p.AppDefinition.ID]++
		}
	}
	for id, k := range posts {
		if k != 1 {
			t.Errorf("app %s was created %d times", id, k)
		}
	}
	s.SetFaults(sandbox.Faults{})
	apps, err := c.ListApps(ctx, marathon.ListOptions{ID: "/dup/"})
	if err != nil || len(apps) != len(posts) {
		t.Errorf("ListApps = %d apps (%v), want %d", len(apps), err, len(posts))
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestAuthAndDCOSURL(t *testing.T) {
	s := newSandbox(t, sandbox.Config{RequireAuth: true})
	ctx := ctxT(t, 10*time.Second)
	c := newClient(t, s.URL())
	if _, err := c.Info(ctx); !errors.Is(err, marathon.ErrAuthRequired) || err.Error() != "authentication required: set DCOS_ACS_TOKEN" {
		t.Errorf("Info without a token = %v, want ErrAuthRequired", err)
	}
	const token = "s3cr3t-acs-token"
	var logs bytes.Buffer
	cfg := marathon.Config{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	cfg.FromEnv(func(k string) string {
		return map[string]string{"DCOS_URL": s.URL() + "/", "DCOS_ACS_TOKEN": token}[k]
	})
	c2, err := marathon.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c2.URL() != s.URL()+"/service/marathon" {
		t.Errorf("URL() = %s, want the DC/OS service path", c2.URL())
	}
	if _, err := c2.Info(ctx); err != nil {
		t.Errorf("Info with a token via DC/OS: %v", err)
	}
	_, err = c2.GetApp(ctx, "/nope")
	if strings.Contains(logs.String(), token) || strings.Contains(err.Error(), token) {
		t.Errorf("the token leaked into logs or errors")
	}
	if _, err := marathon.New(marathon.Config{}); err == nil {
		t.Errorf("New without a URL succeeded")
	}
}

func TestTLS(t *testing.T) {
	s, err := sandbox.New(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx := ctxT(t, 10*time.Second)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := newClient(t, srv.URL).Ping(ctx); err == nil {
		t.Errorf("Ping to an unknown CA succeeded")
	}
	if err := newClient(t, srv.URL, func(c *marathon.Config) { c.CAFile = ca }).Ping(ctx); err != nil {
		t.Errorf("Ping with the CA bundle: %v", err)
	}
	if err := newClient(t, srv.URL, func(c *marathon.Config) { c.InsecureSkipVerify = true }).Ping(ctx); err != nil {
		t.Errorf("Ping with insecure-skip-verify: %v", err)
	}
}

// TestEventsReconnectAndPolling breaks the first event stream (the client
// reconnects), then serves no events at all (waits fall back to polling).
func TestEventsReconnectAndPolling(t *testing.T) {
	s := newSandbox(t, sandbox.Config{Speed: 20})
	ctx := ctxT(t, 10*time.Second)
	var streams atomic.Int64
	f := newFront(t, s, func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v2/events" && streams.Add(1) == 1 {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte("event: event_stream_attached\r\ndata: {\"remoteAddress\":\"x\"}\r\n\r\n"))
			return true // the stream ends at once
		}
		return false
	})
	c := newClient(t, f.srv.URL)
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.Events(ectx, "event_stream_attached", "deployment_success")
	if err != nil {
		t.Fatal(err)
	}
	attached := 0
	for ev := range events {
		if ev.Type == "event_stream_attached" {
			attached++
			if attached == 2 {
				break
			}
		}
	}
	a, err := c.CreateApp(ctx, map[string]any{"id": "/ev", "cmd": "sleep 1"})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		var d marathon.DeploymentEvent
		if ev.Type == "deployment_success" && ev.Decode(&d) == nil && d.ID == a.DeploymentID {
			break
		}
	}
	cancel()

	noEvents := newFront(t, s, func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v2/events" {
			http.Error(w, `{"message":"HTTP 405 Method Not Allowed"}`, http.StatusMethodNotAllowed)
			return true
		}
		return false
	})
	pc := newClient(t, noEvents.srv.URL)
	if _, err := pc.Events(ctx); err == nil {
		t.Errorf("Events on a server without a stream succeeded")
	}
	res, err := pc.UpdateApp(ctx, "/ev", map[string]any{"cmd": "sleep 2"}, marathon.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.WaitForDeployment(ctx, res.DeploymentID); err != nil {
		t.Errorf("WaitForDeployment by polling: %v", err)
	}
	if err := pc.WaitForApp(ctx, "/ev"); err != nil {
		t.Errorf("WaitForApp by polling: %v", err)
	}
}
