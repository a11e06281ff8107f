package marathon

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/universe-pm/universe/internal/sharedtest"
)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return m
}

func TestValidateSystemTestApps(t *testing.T) {
	dir := sharedtest.Dir(t, "marathon", "examples", "system-tests", "apps")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no system-test apps")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if e := ValidateApp(decode(t, string(b))); e != nil {
			t.Errorf("ValidateApp(%s) = %v, want nil", filepath.Base(f), e)
		}
	}
}

func TestValidateSystemTestGroups(t *testing.T) {
	dir := sharedtest.Dir(t, "marathon", "examples", "system-tests", "groups")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if e := ValidateGroup(decode(t, string(b))); e != nil {
			t.Errorf("ValidateGroup(%s) = %v, want nil", filepath.Base(f), e)
		}
	}
}

func TestValidateApp(t *testing.T) {
	tests := []struct {
		name string
		app  string
		want *Error
	}{
		{"minimal", `{"id":"/a","cmd":"sleep 1"}`, nil},
		{"relative", `{"id":"a/b","cmd":"sleep 1"}`, nil},
		{"id number", `{"id":123,"cmd":"sleep 1"}`, invalid(MsgInvalidJSON, "/id", "error.expected.jsstring")},
		{"id missing", `{"cmd":"sleep 1"}`, invalid(MsgInvalidJSON, "/id", "error.path.missing")},
		{"id uppercase", `{"id":"/Foo","cmd":"sleep 1"}`, invalid(MsgInvalidJSON, "/id", "error.pattern")},
		{"id underscore", `{"id":"/a_b","cmd":"sleep 1"}`, invalid(MsgInvalidJSON, "/id", "error.pattern")},
		{"cpus too small", `{"id":"/a","cmd":"sleep 1","cpus":0}`, invalid(MsgInvalidJSON, "/cpus", "error.min")},
		{"instances negative", `{"id":"/a","cmd":"sleep 1","instances":-1}`, invalid(MsgInvalidJSON, "/instances", "error.min")},
		{"backoffFactor", `{"id":"/a","cmd":"sleep 1","backoffFactor":0.5}`, invalid(MsgInvalidJSON, "/backoffFactor", "error.min")},
		{"upgrade max", `{"id":"/a","cmd":"sleep 1","upgradeStrategy":{"maximumOverCapacity":1.5}}`, invalid(MsgInvalidJSON, "/upgradeStrategy/maximumOverCapacity", "error.max")},
		{"label not string", `{"id":"/a","cmd":"sleep 1","labels":{"x":1}}`, invalid(MsgInvalidJSON, "/labels/x", "error.expected.jsstring")},
		{"bad enum", `{"id":"/a","container":{"type":"RKT"}}`, invalid(MsgInvalidJSON, "/container/type", "error.unknown.enum.literal")},
		{"hostPort type", `{"id":"/a","cmd":"x y","networks":[{"mode":"container/bridge"}],"container":{"type":"DOCKER","docker":{"image":"i"},"portMappings":[{"hostPort":"80"}]}}`, invalid(MsgInvalidJSON, "/container/portMappings(0)/hostPort", "error.expected.jsnumber")},
		{"no cmd", `{"id":"/a"}`, invalid(MsgObjectNotValid, "/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")},
		{"cmd and args", `{"id":"/a","cmd":"sleep","args":["x"]}`, invalid(MsgObjectNotValid, "/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")},
		{"cmd with null args", `{"id":"/a","cmd":"sleep","args":null}`, nil},
		{"cmd with empty args", `{"id":"/a","cmd":"sleep","args":[]}`, nil},
		{"args with null cmd", `{"id":"/a","cmd":null,"args":["sleep"]}`, nil},
		{"null cmd and empty args", `{"id":"/a","cmd":null,"args":[]}`, invalid(MsgObjectNotValid, "/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")},
		{"one char cmd", `{"id":"/a","cmd":"x"}`, invalid(MsgObjectNotValid, "/", "must not be an empty string")},
		{"root", `{"id":"/","cmd":"sleep 1"}`, invalid(MsgObjectNotValid, "/", "must not be root")},
		{"reserved", `{"id":"/a/tasks","cmd":"sleep 1"}`, invalid(MsgObjectNotValid, "/id", "must not end with any of the following reserved keywords: restart, tasks, versions, ., ..")},
		{"docker missing", `{"id":"/a","container":{"type":"DOCKER"}}`, invalid(MsgObjectNotValid, "/container/docker", "not defined")},
		{"docker empty image", `{"id":"/a","container":{"type":"DOCKER","docker":{"image":""}}}`, invalid(MsgObjectNotValid, "/container/docker/image", "must not be empty")},
		{"pullConfig", `{"id":"/a","container":{"type":"DOCKER","docker":{"image":"i","pullConfig":{"secret":"s"}}}}`, invalid(MsgObjectNotValid, "/container/docker/pullConfig", "pullConfig is not supported with Docker containerizer")},
		{"portMappings host", `{"id":"/a","cmd":"sleep 1","networks":[{"mode":"host"}],"container":{"type":"MESOS","portMappings":[{"containerPort":80}]}}`, invalid(MsgObjectNotValid, "/", "portMappings are not allowed with host-networking")},
		{"portDefinitions bridge", `{"id":"/a","cmd":"sleep 1","networks":[{"mode":"container/bridge"}],"portDefinitions":[{"port":0}]}`, invalid(MsgObjectNotValid, "/", "portDefinitions are only allowed with host-networking")},
		{"duplicate ports", `{"id":"/a","cmd":"sleep 1","portDefinitions":[{"port":80},{"port":80}]}`, invalid(MsgObjectNotValid, "/portDefinitions", "Ports must be unique.")},
		{"duplicate names", `{"id":"/a","cmd":"sleep 1","portDefinitions":[{"port":0,"name":"a"},{"port":0,"name":"a"}]}`, invalid(MsgObjectNotValid, "/portDefinitions", "Port names must be unique.")},
		{"ports and pds", `{"id":"/a","cmd":"sleep 1","ports":[1],"portDefinitions":[{"port":2}]}`, invalid(MsgObjectNotValid, "/", "cannot specify both ports and port definitions")},
		{"uris and fetch", `{"id":"/a","cmd":"sleep 1","uris":["http://x"],"fetch":[{"uri":"http://x"}]}`, invalid(MsgObjectNotValid, "/uris", "may not be set in conjunction with fetch")},
		{"network name", `{"id":"/a","cmd":"sleep 1","networks":[{"mode":"container"}]}`, invalid(MsgObjectNotValid, "/networks(0)", "Network name must be specified when container network is selected.")},
		{"host and bridge", `{"id":"/a","cmd":"sleep 1","networks":[{"mode":"host"},{"mode":"container/bridge"}]}`, invalid(MsgObjectNotValid, "/networks", "May specify a single host network, single bridge network, or else 1-to-n container networks")},
		{"health port", `{"id":"/a","cmd":"sleep 1","portDefinitions":[],"healthChecks":[{"protocol":"HTTP"}]}`, invalid(MsgObjectNotValid, "/healthChecks(0)", "Health check port indices must address an element of the ports array or container port mappings.")},
		{"two mesos checks", `{"id":"/a","cmd":"sleep 1","healthChecks":[{"protocol":"MESOS_TCP"},{"protocol":"MESOS_HTTP"}]}`, invalid(MsgObjectNotValid, "/", "AppDefinition can contain at most one Mesos health check")},
		{"readiness port", `{"id":"/a","cmd":"sleep 1","readinessChecks":[{"portName":"web"}]}`, invalid(MsgObjectNotValid, "/readinessChecks(0)/portName", "No port definition reference for portName web")},
		{"readiness timeout", `{"id":"/a","cmd":"sleep 1","portDefinitions":[{"port":0,"name":"web"}],"readinessChecks":[{"portName":"web","intervalSeconds":10,"timeoutSeconds":10}]}`, invalid(MsgObjectNotValid, "/readinessChecks(0)/timeoutSeconds", "got 10.0, expected less than 10.0")},
		{"constraint arity", `{"id":"/a","cmd":"sleep 1","constraints":[["hostname","UNIQUE","a","b"]]}`, invalid(MsgInvalidJSON, "/constraints(0)", "error.maxLength")},
		{"constraint op", `{"id":"/a","cmd":"sleep 1","constraints":[["hostname","FOO"]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS")},
		{"unique value", `{"id":"/a","cmd":"sleep 1","constraints":[["hostname","unique","x"]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "UNIQUE does not accept a value")},
		{"max_per", `{"id":"/a","cmd":"sleep 1","constraints":[["hostname","MAX_PER"]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "MAX_PER requires an integer value")},
		{"group_by", `{"id":"/a","cmd":"sleep 1","constraints":[["rack","GROUP_BY","x"]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "GROUP BY must define an integer value or else no value at all")},
		{"like", `{"id":"/a","cmd":"sleep 1","constraints":[["rack","LIKE"]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "LIKE and UNLIKE require a non-empty, regular expression value")},
		{"like regex", `{"id":"/a","cmd":"sleep 1","constraints":[["rack","LIKE","("]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "is not a valid regular expression")},
		{"is", `{"id":"/a","cmd":"sleep 1","constraints":[["rack","IS","a b"]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)")},
		{"empty field", `{"id":"/a","cmd":"sleep 1","constraints":[["","UNIQUE"]]}`, invalid(MsgObjectNotValid, "/constraints(0)", "missing field for constraint declaration")},
		{"undefined secret", `{"id":"/a","cmd":"sleep 1","env":{"P":{"secret":"s"}}}`, invalid(MsgObjectNotValid, "/env/P/secret", "references an undefined secret")},
		{"single instance", `{"id":"/a","cmd":"sleep 1","instances":2,"labels":{"MARATHON_SINGLE_INSTANCE_APP":"true"},"upgradeStrategy":{"minimumHealthCapacity":0,"maximumOverCapacity":0}}`, invalid(MsgObjectNotValid, "/", "Single instance app may only have one instance")},
		{"role", `{"id":"/a","cmd":"sleep 1","role":"x"}`, invalid(MsgObjectNotValid, "/role", "got x, expected one of: [*]")},
		{"gpus docker", `{"id":"/a","gpus":1,"container":{"type":"DOCKER","docker":{"image":"i"}}}`, invalid(MsgObjectNotValid, "/", "GPU resources only work with the Mesos containerizer")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ValidateApp(decode(t, tt.app))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateApp(%s) (-want +got):\n%s", tt.app, diff)
			}
		})
	}
}

func TestValidateAppFloat64(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal([]byte(`{"id":"/a","cmd":"sleep 1","cpus":0.1,"instances":2}`), &m); err != nil {
		t.Fatal(err)
	}
	if e := ValidateApp(m); e != nil {
		t.Errorf("ValidateApp(float64 numbers) = %v, want nil", e)
	}
}

func TestValidateGroup(t *testing.T) {
	tests := []struct {
		name  string
		group string
		want  *Error
	}{
		{"ok", `{"id":"/g","apps":[{"id":"a","cmd":"sleep 1"},{"id":"/g/b","cmd":"sleep 1","dependencies":["a"]}]}`, nil},
		{"not child", `{"id":"/g","apps":[{"id":"/h/a","cmd":"sleep 1"}]}`, invalid(MsgObjectNotValid, "/apps(0)/id", "Identifier is not child of '/g'")},
		{"cycle", `{"id":"/g","apps":[{"id":"a","cmd":"sleep 1","dependencies":["b"]},{"id":"b","cmd":"sleep 1","dependencies":["a"]}]}`, invalid(MsgObjectNotValid, "/", "Dependency graph has cyclic dependencies.")},
		{"app invalid", `{"id":"/g","apps":[{"id":"a"}]}`, invalid(MsgObjectNotValid, "/apps(0)", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")},
		{"app id type", `{"id":"/g","apps":[{"id":1,"cmd":"sleep 1"}]}`, invalid(MsgInvalidJSON, "/apps(0)/id", "error.expected.jsstring")},
		{"same id", `{"id":"/g","apps":[{"id":"a","cmd":"sleep 1"}],"groups":[{"id":"a"}]}`, invalid(MsgObjectNotValid, "/groups(0)", "Groups and Applications may not have the same identifier.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ValidateGroup(decode(t, tt.group))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateGroup(%s) (-want +got):\n%s", tt.group, diff)
			}
		})
	}
}

func TestErrorJSON(t *testing.T) {
	e := invalid(MsgObjectNotValid, "/", "Dependency graph has cyclic dependencies.")
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"details":[{"path":"/","errors":["Dependency graph has cyclic dependencies."]}],"message":"Object is not valid"}`
	if !bytes.Equal(b, []byte(want)) {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var back Error
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Status = 422
	if diff := cmp.Diff(e, &back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
