package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/universe-pm/universe/marathon"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"encoding response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg})
}

func writeErr(w http.ResponseWriter, e *marathon.Error) {
	writeJSON(w, e.Status, e)
}

// routes builds the handler: DC/OS prefix, admin API, auth, faults, API.
func (s *Server) routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBody)
		if p, ok := strings.CutPrefix(r.URL.Path, "/service/marathon"); ok && (p == "" || strings.HasPrefix(p, "/")) {
			r.URL.Path = p
			if p == "" {
				r.URL.Path = "/"
			}
		}
		if strings.HasPrefix(r.URL.Path, "/_sandbox/") || r.URL.Path == "/_sandbox" {
			s.admin(w, r)
			return
		}
		if s.cfg.RequireAuth && !strings.HasPrefix(r.Header.Get("Authorization"), "token=") {
			w.Header().Set("WWW-Authenticate", "acsjwt")
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, "<html><head><title>401 Authorization Required</title></head><body>401 Authorization Required</body></html>\n")
			return
		}
		s.mu.Lock()
		f := s.faults
		roll1, roll2 := s.rng.Float64(), s.rng.Float64()
		if f.Latency > 0 {
			s.injected.Delayed++
		}
		s.mu.Unlock()
		if f.Latency > 0 {
			select {
			case <-time.After(time.Duration(f.Latency)):
			case <-r.Context().Done():
				return
			}
		}
		count := func(n *int) {
			s.mu.Lock()
			*n++
			s.mu.Unlock()
		}
		if roll1 < f.ErrorRate {
			count(&s.injected.Errors)
			writeError(w, http.StatusServiceUnavailable, "sandbox: injected fault (--error-rate)")
			return
		}
		w.Header().Set("X-Marathon-Leader", "http://"+r.Host)
		if roll2 < f.DropRate && r.URL.Path != "/v2/events" {
			if roll2 < f.DropRate/2 {
				count(&s.injected.DropsBefore)
				drop(w) // before the change is applied
				return
			}
			rec := &recorder{header: http.Header{}}
			s.api(rec, r)
			count(&s.injected.DropsAfter)
			drop(w) // after the change is applied
			return
		}
		s.api(w, r)
	})
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

// recorder swallows an answer that will never be sent.
type recorder struct {
	header http.Header
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }
func (r *recorder) WriteHeader(int)             {}

func methodNotAllowed(w http.ResponseWriter) {
	writeError(w, http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed")
}

// api routes Marathon's endpoints.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		if r.ContentLength != 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && p != "/v2/events" {
			writeError(w, http.StatusUnsupportedMediaType, "HTTP 415 Unsupported Media Type")
			return
		}
	}
	switch {
	case p == "/ping":
		s.ping(w, r)
	case p == "/v2/info":
		s.info(w, r)
	case p == "/v2/leader":
		if r.Method == http.MethodDelete {
			writeJSON(w, http.StatusOK, map[string]any{"message": "Leadership abdicated"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"leader": r.Host})
	case p == "/v2/events":
		s.serveEvents(w, r)
	case p == "/v2/queue":
		s.queue(w, r)
	case p == "/v2/deployments" || strings.HasPrefix(p, "/v2/deployments/"):
		s.deploymentsAPI(w, r, strings.TrimPrefix(strings.TrimPrefix(p, "/v2/deployments"), "/"))
	case p == "/v2/apps" || p == "/v2/apps/":
		s.appsRoot(w, r)
	case strings.HasPrefix(p, "/v2/apps/"):
		s.appAPI(w, r, strings.TrimPrefix(p, "/v2/apps"))
	case p == "/v2/groups" || strings.HasPrefix(p, "/v2/groups/"):
		id := strings.TrimPrefix(p, "/v2/groups")
		if id == "" {
			id = "/"
		}
		s.groupsAPI(w, r, marathon.ResolveID(id, "/"))
	default:
		writeError(w, http.StatusInternalServerError, "URI not found")
	}
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	acc := r.Header.Get("Accept")
	switch {
	case acc == "" || strings.Contains(acc, "text/plain") || strings.Contains(acc, "*/*"):
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "pong")
	case strings.Contains(acc, "application/json"):
		writeJSON(w, http.StatusOK, "pong")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"name": "marathon", "version": "1.10.26", "buildref": "sandbox", "elected": true,
		"leader": r.Host, "frameworkId": "sandbox-framework-0001",
		"marathon_config": map[string]any{
			"master": "local", "mesos_role": "*", "mesos_user": "root", "framework_name": "marathon",
			"features": []string{}, "task_lost_expunge_initial_delay": 300000, "task_lost_expunge_interval": 30000, "max_running_deployments": s.cfg.MaxRunningDeployments,
			"failover_timeout": 604800, "checkpoint": true, "hostname": "localhost", "local_port_min": 10000, "local_port_max": 20000,
			"task_launch_timeout": 300000, "task_reservation_timeout": 20000, "reconciliation_initial_delay": 15000, "reconciliation_interval": 600000,
			"mesos_leader_ui_url": "", "executor": "//cmd",
		},
		"zookeeper_config": map[string]any{"zk": "zk://localhost:2181/marathon", "zk_connection_timeout": 10000, "zk_timeout": 10000, "zk_session_timeout": 10000, "zk_max_versions": 50},
		"http_config":      map[string]any{"http_port": 8080, "https_port": 8443},
	})
}

// readBody decodes a JSON body as Marathon does: 400 for an empty or
// broken body.
func readBody(r *http.Request) (any, *marathon.Error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &marathon.Error{Status: 400, Message: "Please specify data in JSON format", DetailText: "No content to map due to end-of-input"}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &marathon.Error{Status: 400, Message: "Invalid JSON", DetailText: err.Error()}
	}
	if d.More() {
		return nil, &marathon.Error{Status: 400, Message: "Invalid JSON", DetailText: "unexpected data after the JSON value"}
	}
	return v, nil
}

// bodyError is the answer for a body that could not be read: 413 when it
// is over MaxRequestBody.
func bodyError(err error) *marathon.Error {
	if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
		return &marathon.Error{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("Request body too large: the limit is %d bytes", mb.Limit)}
	}
	return &marathon.Error{Status: 400, Message: "Invalid JSON", DetailText: err.Error()}
}

func readObject(r *http.Request) (map[string]any, *marathon.Error) {
	v, e := readBody(r)
	if e != nil {
		return nil, e
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &marathon.Error{Status: 422, Message: marathon.MsgInvalidJSON, Details: []marathon.ErrorDetail{{Path: "/", Errors: []string{"error.expected.jsobject"}}}}
	}
	return m, nil
}

func boolParam(r *http.Request, name string, def bool) bool {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def
	}
	return v == "true" || v == "1"
}

func (s *Server) maxDeployments() *marathon.Error {
	if len(s.deployments) >= s.cfg.MaxRunningDeployments {
		_, e := s.apply(newChange())
		return e
	}
	return nil
}

func deploymentResult(w http.ResponseWriter, status int, d *deployment) {
	w.Header().Set("Marathon-Deployment-Id", d.ID)
	writeJSON(w, status, map[string]any{"version": d.Version, "deploymentId": d.ID})
}

func baseURL(r *http.Request) string { return "http://" + r.Host }

// ---- /v2/apps ----

func (s *Server) appsRoot(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.listApps(w, r)
	case http.MethodPost:
		s.createApp(w, r)
	case http.MethodPut, http.MethodPatch:
		s.updateApps(w, r)
	default:
		methodNotAllowed(w)
	}
}

func parseEmbeds(r *http.Request, prefixes ...string) embeds {
	var e embeds
	for _, v := range r.URL.Query()["embed"] {
		for _, p := range prefixes {
			v = strings.TrimPrefix(v, p)
		}
		switch v {
		case "tasks":
			e.tasks, e.deployments = true, true
		case "counts":
			e.counts = true
		case "deployments":
			e.deployments = true
		case "readiness":
			e.readiness = true
		case "lastTaskFailure":
			e.lastTaskFailure = true
		case "taskStats":
			e.taskStats = true
		}
	}
	return e
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e := parseEmbeds(r, "apps.", "app.")
	e.counts, e.deployments = true, true
	var sel selector
	if l := q.Get("label"); l != "" {
		var err error
		if sel, err = parseSelector(l); err != nil {
			writeError(w, 422, fmt.Sprintf("Can not parse label selector %s. Reason: %v", l, err))
			return
		}
	}
	idf, cmdf := strings.ToLower(q.Get("id")), strings.ToLower(q.Get("cmd"))
	s.mu.Lock()
	defer s.mu.Unlock()
	apps := []any{}
	for _, id := range sortedKeys(s.apps) {
		a := s.apps[id]
		if idf != "" && !strings.Contains(strings.ToLower(id), idf) {
			continue
		}
		if cmdf != "" {
			c, _ := a.Def["cmd"].(string)
			if !strings.Contains(strings.ToLower(c), cmdf) {
				continue
			}
		}
		if sel != nil {
			l, _ := a.Def["labels"].(map[string]any)
			if !sel.matches(l) {
				continue
			}
		}
		apps = append(apps, s.appJSON(a, e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": apps})
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	m, e := readObject(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	if e := marathon.ValidateApp(m); e != nil {
		writeErr(w, e)
		return
	}
	raw, _ := m["id"].(string)
	id := marathon.ResolveID(raw, "/")
	def := normalize(m, id)
	resp := canon(def).(map[string]any)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.maxDeployments(); e != nil {
		writeErr(w, e)
		return
	}
	if _, ok := s.apps[id]; ok {
		writeError(w, http.StatusConflict, fmt.Sprintf("An app with id [%s] already exists.", id))
		return
	}
	c := newChange()
	c.set(id, def)
	c.force = boolParam(r, "force", false)
	c.postEvent = map[string]any{"clientIp": r.RemoteAddr, "uri": "/v2/apps", "appDefinition": resp}
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	a := s.apps[id]
	out := make(map[string]any, len(resp)+8)
	for k, v := range resp {
		out[k] = v
	}
	out["version"] = a.Version
	out["versionInfo"] = map[string]any{"lastScalingAt": a.ScaleVersion, "lastConfigChangeAt": a.ConfigVersion}
	out["tasksStaged"], out["tasksRunning"], out["tasksHealthy"], out["tasksUnhealthy"] = 0, 0, 0, 0
	out["deployments"] = []any{map[string]any{"id": d.ID}}
	w.Header().Set("Location", baseURL(r)+id)
	w.Header().Set("Marathon-Deployment-Id", d.ID)
	writeJSON(w, http.StatusCreated, out)
}

// merged returns the definition a PUT or PATCH body makes of an app.
func merged(old map[string]any, body map[string]any, partial bool) map[string]any {
	if old == nil || !partial {
		return body
	}
	m := make(map[string]any, len(old)+len(body))
	for k, v := range old {
		m[k] = v
	}
	for k, v := range body {
		m[k] = v
	}
	if _, ok := body["cmd"]; ok {
		if _, ok := body["args"]; !ok {
			delete(m, "args")
		}
	}
	if _, ok := body["args"]; ok {
		if _, ok := body["cmd"]; !ok {
			delete(m, "cmd")
		}
	}
	if _, ok := body["portDefinitions"]; !ok && !isHost(m) {
		delete(m, "portDefinitions")
	}
	if _, ok := body["networks"]; ok {
		if _, ok := body["container"]; !ok && isHost(m) {
			if c, ok := m["container"].(map[string]any); ok {
				c2 := make(map[string]any, len(c))
				for k, v := range c {
					c2[k] = v
				}
				delete(c2, "portMappings")
				m["container"] = c2
			}
		}
	}
	return m
}

// appUpdate turns one PUT/PATCH body into a definition, or an error.
func (s *Server) appUpdate(body map[string]any, id string, partial bool) (map[string]any, *marathon.Error) {
	if e := marathon.ValidateAppUpdate(body, id); e != nil && e.Message != marathon.MsgObjectNotValid {
		return nil, e
	}
	old := s.apps[id]
	if v, ok := body["version"].(string); ok {
		if e := marathon.ValidateAppUpdate(body, id); e != nil {
			return nil, e
		}
		if old == nil || old.History[v] == nil {
			return nil, &marathon.Error{Status: 404, Message: fmt.Sprintf("App '%s' does not exist in version %s", id, v)}
		}
		return old.History[v], nil
	}
	var def map[string]any
	if old != nil {
		def = merged(old.Def, body, partial)
	} else {
		def = body
	}
	def = canon(def).(map[string]any)
	def["id"] = id
	if e := marathon.ValidateApp(def); e != nil {
		return nil, e
	}
	if old != nil && resident(old.Def) {
		for _, k := range []string{"cpus", "mem", "disk", "gpus"} {
			if v, ok := def[k]; ok && num(v, 0) != num(old.Def[k], 0) {
				return nil, &marathon.Error{Status: 422, Message: marathon.MsgObjectNotValid, Details: []marathon.ErrorDetail{{Path: "/" + k, Errors: []string{"Services with persistent volumes configured may not change resource requirements. If you need to make this change, please create a new service."}}}}
			}
		}
	}
	return normalize(def, id), nil
}

func (s *Server) updateApps(w http.ResponseWriter, r *http.Request) {
	v, e := readBody(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	list, ok := v.([]any)
	if !ok {
		writeErr(w, &marathon.Error{Status: 422, Message: marathon.MsgInvalidJSON, Details: []marathon.ErrorDetail{{Path: "/", Errors: []string{"error.expected.jsarray"}}}})
		return
	}
	partial := boolParam(r, "partialUpdate", true)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := newChange()
	c.force = boolParam(r, "force", false)
	for i, item := range list {
		m, ok := item.(map[string]any)
		raw, _ := m["id"].(string)
		if !ok || raw == "" {
			writeErr(w, &marathon.Error{Status: 422, Message: marathon.MsgInvalidJSON, Details: []marathon.ErrorDetail{{Path: fmt.Sprintf("(%d)/id", i), Errors: []string{"error.path.missing"}}}})
			return
		}
		id := marathon.ResolveID(raw, "/")
		if r.Method == http.MethodPatch && s.apps[id] == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("App '%s' does not exist", id))
			return
		}
		def, e := s.appUpdate(m, id, partial)
		if e != nil {
			writeErr(w, e)
			return
		}
		c.set(id, def)
	}
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

func (s *Server) appAPI(w http.ResponseWriter, r *http.Request, rest string) {
	id, sub := rest, ""
	for _, suffix := range []string{"/restart", "/tasks", "/versions"} {
		if i := strings.LastIndex(rest, suffix); i >= 0 {
			if tail := rest[i+len(suffix):]; tail == "" || strings.HasPrefix(tail, "/") {
				id, sub = rest[:i], rest[i:]
				break
			}
		}
	}
	id = marathon.ResolveID(id, "/")
	switch {
	case sub == "":
		switch r.Method {
		case http.MethodGet:
			s.getApp(w, r, id)
		case http.MethodPut, http.MethodPatch:
			s.updateApp(w, r, id)
		case http.MethodDelete:
			s.deleteApp(w, r, id)
		default:
			methodNotAllowed(w)
		}
	case sub == "/restart":
		if r.Method != http.MethodPost {
			methodNotAllowed(w)
			return
		}
		s.restartApp(w, r, id)
	case strings.HasPrefix(sub, "/versions"):
		s.versions(w, r, id, strings.TrimPrefix(strings.TrimPrefix(sub, "/versions"), "/"))
	case strings.HasPrefix(sub, "/tasks"):
		s.tasks(w, r, id)
	}
}

func notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, fmt.Sprintf("App '%s' does not exist", id))
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[id]
	if !ok {
		notFound(w, id)
		return
	}
	e := parseEmbeds(r, "apps.", "app.")
	e.counts, e.tasks, e.deployments, e.lastTaskFailure = true, true, true, true
	writeJSON(w, http.StatusOK, map[string]any{"app": s.appJSON(a, e)})
}

func (s *Server) updateApp(w http.ResponseWriter, r *http.Request, id string) {
	body, e := readObject(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, exists := s.apps[id]
	if !exists && r.Method == http.MethodPatch {
		notFound(w, id)
		return
	}
	def, e := s.appUpdate(body, id, boolParam(r, "partialUpdate", true))
	if e != nil {
		writeErr(w, e)
		return
	}
	if e := s.maxDeployments(); e != nil {
		writeErr(w, e)
		return
	}
	c := newChange()
	c.set(id, def)
	c.force = boolParam(r, "force", false)
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	if !exists {
		w.Header().Set("Location", baseURL(r)+id)
		deploymentResult(w, http.StatusCreated, d)
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[id]; !ok {
		notFound(w, id)
		return
	}
	c := newChange()
	c.set(id, nil)
	c.force = boolParam(r, "force", true)
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

func (s *Server) restartApp(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[id]
	if !ok {
		notFound(w, id)
		return
	}
	c := newChange()
	c.set(id, a.Def)
	c.restart = map[string]bool{id: true}
	c.force = boolParam(r, "force", false)
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request, id, version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[id]
	if !ok {
		notFound(w, id)
		return
	}
	if version != "" {
		def, ok := a.History[version]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("App '%s' does not exist in version %s", id, version))
			return
		}
		out := make(map[string]any, len(def)+1)
		for k, v := range def {
			out[k] = v
		}
		out["version"] = version
		writeJSON(w, http.StatusOK, out)
		return
	}
	vs := make([]string, 0, len(a.Versions))
	for i := len(a.Versions) - 1; i >= 0; i-- {
		vs = append(vs, a.Versions[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

func (s *Server) tasks(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[id]
	if !ok {
		notFound(w, id)
		return
	}
	switch r.Method {
	case http.MethodGet:
		ts := []any{}
		for _, t := range a.Tasks {
			ts = append(ts, a.taskJSON(t))
		}
		writeJSON(w, http.StatusOK, map[string]any{"tasks": ts})
	case http.MethodDelete:
		killed := []any{}
		for _, t := range append([]*task(nil), a.Tasks...) {
			if strings.HasSuffix(r.URL.Path, "/tasks") || strings.HasSuffix(r.URL.Path, "/"+t.ID) {
				killed = append(killed, a.taskJSON(t))
				s.kill(a, t, "TASK_KILLED")
			}
		}
		s.active[id] = true
		if boolParam(r, "scale", false) && len(killed) > 0 {
			def := canon(a.Def).(map[string]any)
			def["instances"] = math.Max(0, num(def["instances"], 1)-float64(len(killed)))
			c := newChange()
			c.set(id, def)
			c.force = true
			d, e := s.apply(c)
			if e != nil {
				writeErr(w, e)
				return
			}
			deploymentResult(w, http.StatusOK, d)
			return
		}
		s.step()
		writeJSON(w, http.StatusOK, map[string]any{"tasks": killed})
	default:
		methodNotAllowed(w)
	}
}

// ---- /v2/groups ----

func (s *Server) groupsAPI(w http.ResponseWriter, r *http.Request, id string) {
	switch r.Method {
	case http.MethodGet:
		s.getGroup(w, r, id)
	case http.MethodPost:
		s.createGroup(w, r, id)
	case http.MethodPut, http.MethodPatch:
		s.updateGroup(w, r, id)
	case http.MethodDelete:
		s.deleteGroup(w, r, id)
	default:
		methodNotAllowed(w)
	}
}

func (s *Server) groupExists(id string) bool {
	if id == "/" {
		return true
	}
	_, ok := s.groups[id]
	return ok
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.groupExists(id) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Group '%s' does not exist", id))
		return
	}
	var e embeds
	for _, v := range r.URL.Query()["embed"] {
		if v == "group.apps.counts" {
			e.counts = true
		}
		if v == "group.apps.tasks" {
			e.tasks = true
		}
		if v == "group.apps.deployments" {
			e.deployments = true
		}
		if v == "group.apps.lastTaskFailure" {
			e.lastTaskFailure = true
		}
	}
	childGroups, childApps := map[string][]string{}, map[string][]string{}
	for gid := range s.groups {
		childGroups[marathon.ParentID(gid)] = append(childGroups[marathon.ParentID(gid)], gid)
	}
	for aid := range s.apps {
		childApps[marathon.ParentID(aid)] = append(childApps[marathon.ParentID(aid)], aid)
	}
	var render func(gid string) map[string]any
	render = func(gid string) map[string]any {
		apps, groups := []any{}, []any{}
		ca := childApps[gid]
		sort.Strings(ca)
		for _, aid := range ca {
			apps = append(apps, s.appJSON(s.apps[aid], e))
		}
		cg := childGroups[gid]
		sort.Strings(cg)
		for _, c := range cg {
			groups = append(groups, render(c))
		}
		out := map[string]any{"id": gid, "apps": apps, "groups": groups, "pods": []any{}, "dependencies": []string{}, "version": s.rootVersion, "enforceRole": false}
		if g, ok := s.groups[gid]; ok {
			if g.Dependencies != nil {
				out["dependencies"] = g.Dependencies
			}
			out["version"], out["enforceRole"] = g.Version, g.EnforceRole
		}
		return out
	}
	writeJSON(w, http.StatusOK, render(id))
}

// groupChange adds a group update to a change: apps and groups it lists,
// and with replace, the removal of children it leaves out.
func (s *Server) groupChange(c *change, m map[string]any, gid string, replace bool) {
	g := &groupState{ID: gid, Dependencies: []string{}}
	if old, ok := s.groups[gid]; ok {
		*g = *old
	}
	if deps, ok := m["dependencies"].([]any); ok {
		g.Dependencies = []string{}
		for _, d := range deps {
			if ds, ok := d.(string); ok {
				g.Dependencies = append(g.Dependencies, marathon.ResolveID(ds, gid))
			}
		}
	}
	if er, ok := m["enforceRole"].(bool); ok {
		g.EnforceRole = er
	}
	if gid != "/" {
		c.groups[gid] = g
	}
	if apps, ok := m["apps"].([]any); ok {
		listed := map[string]bool{}
		for _, a := range apps {
			o, _ := a.(map[string]any)
			raw, _ := o["id"].(string)
			aid := marathon.ResolveID(raw, gid)
			listed[aid] = true
			def := canon(o).(map[string]any)
			if deps, ok := def["dependencies"].([]any); ok {
				abs := []any{}
				for _, d := range deps {
					if ds, ok := d.(string); ok {
						abs = append(abs, marathon.ResolveID(ds, gid))
					}
				}
				def["dependencies"] = abs
			}
			c.set(aid, normalize(def, aid))
		}
		if replace {
			for aid := range s.apps {
				if marathon.ParentID(aid) == gid && !listed[aid] {
					c.set(aid, nil)
				}
			}
		}
	}
	if groups, ok := m["groups"].([]any); ok {
		listed := map[string]bool{}
		for _, sg := range groups {
			o, _ := sg.(map[string]any)
			raw, _ := o["id"].(string)
			sid := marathon.ResolveID(raw, gid)
			listed[sid] = true
			s.groupChange(c, o, sid, replace)
		}
		if replace {
			for sid := range s.groups {
				if marathon.ParentID(sid) == gid && !listed[sid] {
					s.removeGroup(c, sid)
				}
			}
		}
	}
}

func (s *Server) removeGroup(c *change, gid string) {
	c.removeGroups = append(c.removeGroups, gid)
	for aid := range s.apps {
		if gid == "/" || strings.HasPrefix(aid, gid+"/") {
			c.set(aid, nil)
		}
	}
}

func (s *Server) groupBody(w http.ResponseWriter, r *http.Request, urlID string) (map[string]any, string, bool) {
	m, e := readObject(r)
	if e != nil {
		writeErr(w, e)
		return nil, "", false
	}
	if e := marathon.ValidateGroupAt(m, urlID); e != nil {
		writeErr(w, e)
		return nil, "", false
	}
	gid := urlID
	if raw, ok := m["id"].(string); ok {
		gid = marathon.ResolveID(raw, urlID)
	}
	return m, gid, true
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, urlID string) {
	m, gid, ok := s.groupBody(w, r, urlID)
	if !ok {
		return
	}
	if gid == "/" {
		if _, has := m["id"]; !has {
			writeErr(w, &marathon.Error{Status: 422, Message: marathon.MsgInvalidJSON, Details: []marathon.ErrorDetail{{Path: "/id", Errors: []string{"error.path.missing"}}}})
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.maxDeployments(); e != nil {
		writeErr(w, e)
		return
	}
	if _, ok := s.apps[gid]; ok {
		writeError(w, http.StatusConflict, fmt.Sprintf("An app with the path %s already exists.", gid))
		return
	}
	if s.groupExists(gid) {
		writeError(w, http.StatusConflict, fmt.Sprintf("Group %s is already created. Use PUT to change this group.", gid))
		return
	}
	c := newChange()
	c.force = boolParam(r, "force", false)
	s.groupChange(c, m, gid, false)
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	w.Header().Set("Location", baseURL(r)+"/v2/groups"+gid)
	deploymentResult(w, http.StatusCreated, d)
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, urlID string) {
	m, gid, ok := s.groupBody(w, r, urlID)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := newChange()
	c.force = boolParam(r, "force", false)
	c.dryRun = boolParam(r, "dryRun", false)
	if _, ok := m["version"]; ok {
		// Rolling a group back needs the whole root group's history, which
		// the sandbox does not keep.
		writeError(w, http.StatusUnprocessableEntity, "universe sandbox: rolling a group back to a version is not supported")
		return
	}
	if sb, ok := m["scaleBy"]; ok {
		if len(m) > 2 || (len(m) == 2 && m["id"] == nil) {
			writeErr(w, &marathon.Error{Status: 422, Message: marathon.MsgObjectNotValid, Details: []marathon.ErrorDetail{{Path: "/", Errors: []string{"scaleBy may only be combined with the 'id' field."}}}})
			return
		}
		f := num(sb, 1)
		for _, aid := range sortedKeys(s.apps) {
			if gid == "/" || strings.HasPrefix(aid, gid+"/") {
				a := s.apps[aid]
				def := canon(a.Def).(map[string]any)
				def["instances"] = math.Ceil(num(def["instances"], 1) * f)
				c.set(aid, def)
			}
		}
	} else {
		s.groupChange(c, m, gid, true)
	}
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	if c.dryRun {
		steps := []any{}
		for _, st := range d.Steps {
			steps = append(steps, map[string]any{"actions": st})
		}
		writeJSON(w, http.StatusOK, map[string]any{"steps": steps})
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, gid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.groupExists(gid) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Group '%s' does not exist", gid))
		return
	}
	c := newChange()
	c.force = boolParam(r, "force", false)
	s.removeGroup(c, gid)
	d, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

// ---- /v2/deployments and /v2/queue ----

func (s *Server) deploymentsAPI(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		if r.Method != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		out := []any{}
		for _, d := range s.deployments {
			out = append(out, s.deploymentJSON(d))
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if r.Method != http.MethodDelete {
		methodNotAllowed(w)
		return
	}
	var d *deployment
	for _, o := range s.deployments {
		if o.ID == id {
			d = o
		}
	}
	if d == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("DeploymentPlan %s does not exist", id))
		return
	}
	if boolParam(r, "force", false) {
		s.cancel(d, "The upgrade has been cancelled")
		s.step()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	s.cancel(d, "The upgrade has been cancelled")
	c := newChange()
	c.force = true
	for _, aid := range d.Affected {
		c.set(aid, d.Original[aid])
	}
	nd, e := s.apply(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	deploymentResult(w, http.StatusOK, nd)
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := []any{}
	for _, id := range sortedKeys(s.apps) {
		a := s.apps[id]
		if a.queued == 0 {
			continue
		}
		left := 0.0
		if now.Before(a.DelayUntil) {
			left = math.Ceil(a.DelayUntil.Sub(now).Seconds())
		}
		since := a.QueuedSince
		if since.IsZero() {
			since = now
		}
		out = append(out, map[string]any{
			"app": s.appJSON(a, embeds{counts: true, deployments: true}), "count": a.queued, "role": a.Def["role"],
			"delay": map[string]any{"timeLeftSeconds": left, "overdue": left == 0},
			"since": ts(since),
			"processedOffersSummary": map[string]any{
				"processedOffersCount": len(s.agents), "unusedOffersCount": len(s.agents),
				"rejectSummaryLastOffers": []any{}, "rejectSummaryLaunchAttempt": []any{},
			},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"queue": out})
}

// ---- /_sandbox/ admin API ----

// AdminHelp documents the admin API served under /_sandbox/.
const AdminHelp = `universe sandbox admin API (not part of Marathon's API):
GET  /_sandbox/faults   the active faults as JSON
PUT  /_sandbox/faults   replace them: {"latency":"50ms","errorRate":0.2,"dropRate":0.1,"failHealth":"/web*","failTasks":"/db","hang":"/slow"}
GET  /_sandbox/agents   agents with used, free and total resources
POST /_sandbox/agents   add an agent: {"cpus":4,"mem":16384,"disk":65536}
GET  /_sandbox/events   the event log, in order
`

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/_sandbox":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, AdminHelp)
	case "/_sandbox/faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.CurrentFaults())
		case http.MethodPut, http.MethodPost:
			var f Faults
			dec := json.NewDecoder(r.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				writeAdminBodyError(w, "faults", err)
				return
			}
			if f.ErrorRate < 0 || f.ErrorRate > 1 || f.DropRate < 0 || f.DropRate > 1 {
				writeError(w, http.StatusBadRequest, "faults: errorRate and dropRate must be between 0 and 1")
				return
			}
			s.SetFaults(f)
			writeJSON(w, http.StatusOK, f)
		default:
			methodNotAllowed(w)
		}
	case "/_sandbox/agents":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Agents())
		case http.MethodPost:
			var res struct{ CPUs, Mem, Disk float64 }
			if err := json.NewDecoder(r.Body).Decode(&res); err != nil && !errors.Is(err, io.EOF) {
				writeAdminBodyError(w, "agent", err)
				return
			}
			if res.CPUs <= 0 {
				res.CPUs = s.cfg.AgentCPUs
			}
			if res.Mem <= 0 {
				res.Mem = s.cfg.AgentMem
			}
			if res.Disk <= 0 {
				res.Disk = s.cfg.AgentDisk
			}
			writeJSON(w, http.StatusCreated, s.AddAgent(res.CPUs, res.Mem, res.Disk))
		default:
			methodNotAllowed(w)
		}
	case "/_sandbox/events":
		writeJSON(w, http.StatusOK, s.EventLog())
	default:
		writeError(w, http.StatusNotFound, "no such sandbox admin endpoint; see GET /_sandbox/")
	}
}

// writeAdminBodyError answers an admin request whose body did not decode.
func writeAdminBodyError(w http.ResponseWriter, what string, err error) {
	if e := bodyError(err); e.Status == http.StatusRequestEntityTooLarge {
		writeErr(w, e)
		return
	}
	writeError(w, http.StatusBadRequest, what+": "+err.Error())
}

// resident reports whether an app has persistent volumes.
func resident(def map[string]any) bool {
	c, _ := def["container"].(map[string]any)
	for _, v := range anyList(c["volumes"]) {
		if o, ok := v.(map[string]any); ok && o["persistent"] != nil {
			return true
		}
	}
	return false
}
