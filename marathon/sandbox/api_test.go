package sandbox_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/marathon/sandbox"
)

func bigCluster() sandbox.Config {
	return sandbox.Config{Agents: 10, AgentCPUs: 16, AgentMem: 65536, AgentDisk: 1 << 20}
}

// TestSystemTestRequests posts every app and group Marathon's own system
// tests post to real clusters, and checks the answers against the schemas.
func TestSystemTestRequests(t *testing.T) {
	dir := sharedtest.Dir(t, "marathon", "examples", "system-tests")
	s := start(t, bigCluster())
	apps, _ := filepath.Glob(filepath.Join(dir, "apps", "*.json"))
	if len(apps) != 20 {
		t.Fatalf("found %d system-test apps, want 20", len(apps))
	}
	for _, f := range apps {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a := call(t, s, "POST", "/v2/apps", string(b))
		if a.status == 409 {
			// large-sleep.json and sleep-app.json share the id /sleep:
			// Marathon's system tests run them one at a time.
			var def struct{ ID string }
			_ = json.Unmarshal(b, &def)
			call(t, s, "DELETE", "/v2/apps/"+strings.TrimPrefix(def.ID, "/"), "")
			a = call(t, s, "POST", "/v2/apps", string(b))
		}
		if a.status != 201 {
			t.Errorf("POST /v2/apps %s = %d %s, want 201", filepath.Base(f), a.status, a.body)
			continue
		}
		if a.header.Get("Marathon-Deployment-Id") == "" || a.header.Get("Location") == "" {
			t.Errorf("POST /v2/apps %s: headers %v, want Marathon-Deployment-Id and Location", filepath.Base(f), a.header)
		}
		conforms(t, "AppInfo", a.json(t))
		id := a.obj(t)["id"].(string)
		g := call(t, s, "GET", "/v2/apps"+id, "")
		if g.status != 200 {
			t.Errorf("GET /v2/apps%s = %d", id, g.status)
			continue
		}
		conforms(t, "AppInfo", g.obj(t)["app"])
		tl := call(t, s, "GET", "/v2/apps"+id+"/tasks", "")
		conforms(t, "TaskList", tl.json(t))
	}
	groups, _ := filepath.Glob(filepath.Join(dir, "groups", "*.json"))
	for _, f := range groups {
		b, _ := os.ReadFile(f)
		a := call(t, s, "POST", "/v2/groups", string(b))
		if a.status != 201 {
			t.Errorf("POST /v2/groups %s = %d %s, want 201", filepath.Base(f), a.status, a.body)
			continue
		}
		conforms(t, "DeploymentResult", a.json(t))
	}
	conforms(t, "AppList", call(t, s, "GET", "/v2/apps?embed=apps.tasks&embed=apps.lastTaskFailure", "").json(t))
	conforms(t, "GroupInfo", call(t, s, "GET", "/v2/groups?embed=group.apps.counts", "").json(t))
	conforms(t, "MarathonInfo", call(t, s, "GET", "/v2/info", "").json(t))
	conforms(t, "Queue", call(t, s, "GET", "/v2/queue", "").json(t))
	for _, d := range call(t, s, "GET", "/v2/deployments", "").json(t).([]any) {
		conforms(t, "DeploymentStepInfo", d)
	}
}

// tsvMessages reads the exact error strings of validation-messages.tsv.
func tsvMessages(t *testing.T) map[string]bool {
	b, err := os.ReadFile(sharedtest.Dir(t, "marathon", "validation-messages.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		cols := strings.Split(line, "\t")
		if len(cols) < 2 {
			continue
		}
		for _, m := range strings.Split(cols[1], " | ") {
			out[m] = true
		}
	}
	return out
}

// template returns the tsv form of a message with its variable parts.
var templates = []struct{ prefix, tsv string }{
	{"An app with id [", "An app with id [/x] already exists."},
	{"Group /", "Group /x is already created. Use PUT to change this group."},
	{"An app with the path ", "An app with the path /x already exists."},
	{"App '", "App '/x' does not exist"},
	{"Group '", "Group '/x' does not exist"},
	{"DeploymentPlan ", "DeploymentPlan <id> does not exist"},
	{"Identifier is not child of ", "Identifier is not child of '<group>'"},
	{"Can not parse label selector ", "Can not parse label selector <q>. Reason: <parser msg>"},
}

func TestErrorAnswers(t *testing.T) {
	msgs := tsvMessages(t)
	s := start(t, sandbox.Config{})
	setup := []struct{ method, path, body string }{
		{"POST", "/v2/apps", `{"id":"/exists","cmd":"sleep 100"}`},
		{"POST", "/v2/groups", `{"id":"/grp","apps":[{"id":"a","cmd":"sleep 100"}]}`},
		{"POST", "/v2/apps", `{"id":"/resident","cmd":"sleep 100","container":{"type":"MESOS","volumes":[{"containerPath":"data","mode":"RW","persistent":{"size":10}}]},"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0},"unreachableStrategy":"disabled"}`},
	}
	for _, c := range setup {
		if a := call(t, s, c.method, c.path, c.body); a.status/100 != 2 {
			t.Fatalf("%s %s = %d %s", c.method, c.path, a.status, a.body)
		}
	}
	tests := []struct {
		name         string
		method, path string
		body         string
		status       int
		want         string // exact JSON body
	}{
		{"empty body", "POST", "/v2/apps", "", 400, `{"message":"Please specify data in JSON format","details":"No content to map due to end-of-input"}`},
		{"type error", "POST", "/v2/apps", `{"id":123}`, 422, `{"message":"Invalid JSON","details":[{"path":"/id","errors":["error.expected.jsstring"]}]}`},
		{"missing id", "POST", "/v2/apps", `{"cmd":"sleep 1"}`, 422, `{"message":"Invalid JSON","details":[{"path":"/id","errors":["error.path.missing"]}]}`},
		{"pattern", "POST", "/v2/apps", `{"id":"/Foo","cmd":"sleep 1"}`, 422, `{"message":"Invalid JSON","details":[{"path":"/id","errors":["error.pattern"]}]}`},
		{"min", "POST", "/v2/apps", `{"id":"/a","cmd":"sleep 1","cpus":0}`, 422, `{"message":"Invalid JSON","details":[{"path":"/cpus","errors":["error.min"]}]}`},
		{"enum", "POST", "/v2/apps", `{"id":"/a","cmd":"sleep 1","networks":[{"mode":"bridge"}]}`, 422, `{"message":"Invalid JSON","details":[{"path":"/networks(0)/mode","errors":["error.unknown.enum.literal"]}]}`},
		{"no cmd", "POST", "/v2/apps", `{"id":"/a"}`, 422, `{"message":"Object is not valid","details":[{"path":"/","errors":["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."]}]}`},
		{"root id", "POST", "/v2/apps", `{"id":"/","cmd":"sleep 1"}`, 422, `{"message":"Object is not valid","details":[{"path":"/","errors":["must not be root"]}]}`},
		{"hostPort", "POST", "/v2/apps", `{"id":"/a","cmd":"sleep 1","networks":[{"mode":"host"}],"container":{"type":"MESOS","portMappings":[{"containerPort":80,"hostPort":0}]}}`, 422, `{"message":"Object is not valid","details":[{"path":"/","errors":["portMappings are not allowed with host-networking"]}]}`},
		{"constraint", "POST", "/v2/apps", `{"id":"/a","cmd":"sleep 1","constraints":[["hostname","MAX_PER"]]}`, 422, `{"message":"Object is not valid","details":[{"path":"/constraints(0)","errors":["MAX_PER requires an integer value"]}]}`},
		{"exists", "POST", "/v2/apps", `{"id":"/exists","cmd":"sleep 1"}`, 409, `{"message":"An app with id [/exists] already exists."}`},
		{"relative exists", "POST", "/v2/apps", `{"id":"exists","cmd":"sleep 1"}`, 409, `{"message":"An app with id [/exists] already exists."}`},
		{"app not found", "GET", "/v2/apps/nope", "", 404, `{"message":"App '/nope' does not exist"}`},
		{"patch missing", "PATCH", "/v2/apps/nope", `{"cmd":"sleep 2"}`, 404, `{"message":"App '/nope' does not exist"}`},
		{"delete missing", "DELETE", "/v2/apps/nope", "", 404, `{"message":"App '/nope' does not exist"}`},
		{"group not found", "GET", "/v2/groups/nope", "", 404, `{"message":"Group '/nope' does not exist"}`},
		{"deployment not found", "DELETE", "/v2/deployments/abc", "", 404, `{"message":"DeploymentPlan abc does not exist"}`},
		{"uri not found", "GET", "/v2/nothing", "", 500, `{"message":"URI not found"}`},
		{"label selector", "GET", "/v2/apps?label=a%3D%3D", "", 422, "-"},
		{"group exists", "POST", "/v2/groups", `{"id":"/grp"}`, 409, `{"message":"Group /grp is already created. Use PUT to change this group."}`},
		{"group is app", "POST", "/v2/groups", `{"id":"/exists"}`, 409, `{"message":"An app with the path /exists already exists."}`},
		{"not child", "POST", "/v2/groups", `{"id":"/g2","apps":[{"id":"/other/a","cmd":"sleep 1"}]}`, 422, `{"message":"Object is not valid","details":[{"path":"/apps(0)/id","errors":["Identifier is not child of '/g2'"]}]}`},
		{"cycle", "POST", "/v2/groups", `{"id":"/cyc","apps":[{"id":"a","cmd":"sleep 1","dependencies":["b"]},{"id":"b","cmd":"sleep 1","dependencies":["a"]}]}`, 422, `{"message":"Object is not valid","details":[{"path":"/","errors":["Dependency graph has cyclic dependencies."]}]}`},
		{"cycle via existing", "PUT", "/v2/apps/grp/a", `{"dependencies":["/grp/b"]}`, 200, "-"},
		{"cycle across requests", "POST", "/v2/apps", `{"id":"/grp/b","cmd":"sleep 1","dependencies":["/grp/a"]}`, 422, `{"message":"Object is not valid","details":[{"path":"/","errors":["Dependency graph has cyclic dependencies."]}]}`},
		{"version with fields", "PUT", "/v2/apps/exists", `{"version":"2020-01-01T00:00:00.000Z","cmd":"x"}`, 422, `{"message":"Object is not valid","details":[{"path":"/","errors":["The 'version' field may only be combined with the 'id' field."]}]}`},
		{"resident resources", "PUT", "/v2/apps/resident", `{"mem":256}`, 422, `{"message":"Object is not valid","details":[{"path":"/mem","errors":["Services with persistent volumes configured may not change resource requirements. If you need to make this change, please create a new service."]}]}`},
		{"app same as group", "POST", "/v2/apps", `{"id":"/grp","cmd":"sleep 1"}`, 422, `{"message":"Object is not valid","details":[{"path":"/","errors":["Groups and Applications may not have the same identifier."]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, tt.method, tt.path, tt.body)
			if a.status != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, a.status, a.body, tt.status)
			}
			if tt.status >= 400 {
				if tt.status != 400 { // 400 details are a string, unlike the RAML (reference §1.2)
					conforms(t, "Error", a.json(t))
				}
				checkTSV(t, msgs, a.obj(t))
			}
			if tt.want == "-" {
				return
			}
			var want, got any
			_ = json.Unmarshal([]byte(tt.want), &want)
			_ = json.Unmarshal(a.body, &got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s body (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
	t.Run("broken JSON", func(t *testing.T) {
		a := call(t, s, "POST", "/v2/apps", `{"id":`)
		m := a.obj(t)
		if _, isString := m["details"].(string); a.status != 400 || m["message"] != "Invalid JSON" || !isString {
			t.Errorf("POST broken JSON = %d %s, want 400 Invalid JSON with string details", a.status, a.body)
		}
	})
	t.Run("label selector message", func(t *testing.T) {
		a := call(t, s, "GET", "/v2/apps?label=a%3D%3D", "")
		if m := a.obj(t)["message"].(string); !strings.HasPrefix(m, "Can not parse label selector a==. Reason: ") {
			t.Errorf("bad selector message = %q", m)
		}
	})
	t.Run("415", func(t *testing.T) {
		req := call(t, s, "GET", "/ping", "")
		if req.status != 200 || string(req.body) != "pong" {
			t.Errorf("GET /ping = %d %q", req.status, req.body)
		}
	})
}

// checkTSV checks that every message of an error body is a string of
// validation-messages.tsv (with its variable parts).
func checkTSV(t *testing.T, msgs map[string]bool, body map[string]any) {
	t.Helper()
	check := func(m string) {
		if msgs[m] || strings.HasPrefix(m, "error.") {
			return
		}
		for _, tp := range templates {
			if strings.HasPrefix(m, tp.prefix) && msgs[tp.tsv] {
				return
			}
		}
		t.Errorf("message %q is not in validation-messages.tsv", m)
	}
	if m, _ := body["message"].(string); m != "Invalid JSON" && m != "Object is not valid" && m != "Please specify data in JSON format" {
		check(m)
	}
	ds, _ := body["details"].([]any)
	for _, d := range ds {
		for _, e := range d.(map[string]any)["errors"].([]any) {
			check(e.(string))
		}
	}
}

func TestUnsupportedMediaType(t *testing.T) {
	s := start(t, sandbox.Config{})
	req := strings.NewReader(`{"id":"/a","cmd":"sleep 1"}`)
	resp, err := httpPost(s.URL()+"/v2/apps", "text/plain", req)
	if err != nil {
		t.Fatal(err)
	}
	if resp != 415 {
		t.Errorf("POST without application/json = %d, want 415", resp)
	}
}

func TestDCOSPrefixAndLeader(t *testing.T) {
	s := start(t, sandbox.Config{})
	a := call(t, s, "GET", "/service/marathon/v2/apps", "")
	if a.status != 200 || a.header.Get("X-Marathon-Leader") == "" {
		t.Errorf("GET /service/marathon/v2/apps = %d leader %q", a.status, a.header.Get("X-Marathon-Leader"))
	}
	if l := call(t, s, "GET", "/v2/leader", "").obj(t); l["leader"] == "" {
		t.Errorf("GET /v2/leader = %v", l)
	}
}

func TestAuthMode(t *testing.T) {
	s := start(t, sandbox.Config{RequireAuth: true})
	a := call(t, s, "GET", "/v2/apps", "")
	if a.status != 401 || a.header.Get("WWW-Authenticate") != "acsjwt" || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Errorf("GET without token = %d %v, want 401 acsjwt text/html", a.status, a.header)
	}
}

func TestInjectedFaultsAreCounted(t *testing.T) {
	s := start(t, sandbox.Config{Faults: sandbox.Faults{ErrorRate: 1, Latency: sandbox.Duration(time.Millisecond)}})
	for range 3 {
		resp, err := http.Get(s.URL() + "/v2/apps")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("GET /v2/apps with errorRate 1 = %s, want 503", resp.Status)
		}
	}
	s.SetFaults(sandbox.Faults{DropRate: 1})
	for range 4 {
		if resp, err := http.Post(s.URL()+"/v2/apps", "application/json", strings.NewReader(`{"id":"/x","cmd":"sleep 1"}`)); err == nil {
			resp.Body.Close()
			t.Fatalf("POST /v2/apps with dropRate 1 answered %s", resp.Status)
		}
	}
	got := s.InjectedFaults()
	if got.Errors != 3 || got.Delayed != 3 || got.DropsBefore+got.DropsAfter != 4 {
		t.Errorf("InjectedFaults() = %+v, want 3 errors, 3 delayed, 4 drops", got)
	}
}
