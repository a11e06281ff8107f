package render

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/repo"
)

const testConfig = `{
  "type": "object",
  "properties": {
    "service": {
      "type": "object",
      "properties": {
        "name": {"type": "string", "default": "hello"},
        "cpus": {"type": "number", "minimum": 0.1, "default": 0.5},
        "mem": {"type": "integer", "minimum": 32, "default": 128},
        "tags": {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]}
      },
      "required": ["name"]
    }
  }
}`

const testTemplate = `{
  "id": "/{{service.name}}",
  "cmd": "sleep 1000",
  "cpus": {{service.cpus}},
  "mem": {{service.mem}},
  "instances": 1,
  "labels": {
    "DCOS_PACKAGE_NAME": "overridden",
    "MINE": "{{service.name}}"
  },
  "acceptedResourceRoles": {{service.tags}},
  "env": {"URI": "{{resource.assets.uris.jar}}"}
}`

// testRevision loads a one-revision tree A/alpha/0 with the given files
// (empty content: file absent).
func testRevision(t *testing.T, pv, config, template string) *repo.Revision {
	t.Helper()
	fsys := fstest.MapFS{
		"A/alpha/0/package.json": {Data: []byte(`{"packagingVersion": "` + pv + `", "name": "alpha", "version": "1.0.0",
			"maintainer": "m", "description": "d", "tags": []}`)},
		"A/alpha/0/resource.json": {Data: []byte(`{"assets": {"uris": {"jar": "https://example.com/a.jar"}}}`)},
	}
	if config != "" {
		fsys["A/alpha/0/config.json"] = &fstest.MapFile{Data: []byte(config)}
	}
	if template != "" {
		fsys["A/alpha/0/marathon.json.mustache"] = &fstest.MapFile{Data: []byte(template)}
	}
	tree, err := repo.Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := tree.Package("alpha")
	if !ok {
		t.Fatalf("no package: %v", tree.Problems)
	}
	return p.Latest()
}

func TestRenderApp(t *testing.T) {
	rev := testRevision(t, "4.0", testConfig, testTemplate)
	res, err := Render(context.Background(), Request{Revision: rev, Source: "https://repo.example.com",
		Options: map[string]any{"service": map[string]any{"name": "world", "extra": nil}}, AppID: "custom/id"})
	if err != nil {
		t.Fatal(err)
	}
	labels := res.Value["labels"].(map[string]any)
	def := labels[LabelDefinition].(string)
	delete(labels, LabelDefinition)
	want := map[string]any{
		"id":        "/custom/id", // --app-id, normalised
		"cmd":       "sleep 1000",
		"cpus":      json.Number("0.5"),
		"mem":       json.Number("128"),
		"instances": json.Number("1"),
		"labels": map[string]any{
			"MINE":       "world",
			LabelName:    "alpha", // Cosmos's label overrides the template's
			LabelVersion: "1.0.0",
			LabelSource:  "https://repo.example.com",
			LabelOptions: base64.StdEncoding.EncodeToString([]byte(`{"service":{"name":"world"}}`)), // nulls dropped
		},
		"acceptedResourceRoles": []any{"a", "b"}, // {{array}} prints JSON
		"env":                   map[string]any{"URI": "https://example.com/a.jar"},
	}
	if diff := cmp.Diff(want, res.Value); diff != "" {
		t.Errorf("Render (-want +got):\n%s", diff)
	}
	env, pkg, err := DecodeDefinition(def)
	if err != nil {
		t.Fatal(err)
	}
	if ct := env.Metadata["Content-Type"]; ct != "application/vnd.dcos.universe.package+json;charset=utf-8;version=v4" {
		t.Errorf("Content-Type = %q", ct)
	}
	if pkg["name"] != "alpha" || pkg["releaseVersion"] != json.Number("0") || pkg["config"] == nil || pkg["resource"] == nil {
		t.Errorf("package definition = %v", pkg)
	}
	tmpl, _ := base64.StdEncoding.DecodeString(pkg["marathon"].(map[string]any)["v2AppMustacheTemplate"].(string))
	if string(tmpl) != testTemplate {
		t.Errorf("v2AppMustacheTemplate = %q", tmpl)
	}
	var round map[string]any
	if err := json.Unmarshal(res.JSON, &round); err != nil || round["id"] != "/custom/id" {
		t.Errorf("Result.JSON = %s (%v)", res.JSON, err)
	}
	if res.Merged["service"].(map[string]any)["cpus"] != json.Number("0.5") {
		t.Errorf("Merged = %v", res.Merged)
	}
}

func TestRenderLabels(t *testing.T) {
	tests := []struct {
		name    string
		options map[string]any
		appID   string
		wantID  string
		wantOpt string
	}{
		{"no options", nil, "", "/hello", "e30="},
		{"relative app id", nil, "kafka", "/kafka", "e30="},
		{"absolute app id", nil, "/a/b", "/a/b", "e30="},
		{"options", map[string]any{"service": map[string]any{"mem": json.Number("256")}}, "", "/hello",
			base64.StdEncoding.EncodeToString([]byte(`{"service":{"mem":256}}`))},
	}
	rev := testRevision(t, "3.0", testConfig, testTemplate)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Render(context.Background(), Request{Revision: rev, Options: tt.options, AppID: tt.appID})
			if err != nil {
				t.Fatal(err)
			}
			labels := res.Value["labels"].(map[string]any)
			if res.Value["id"] != tt.wantID || labels[LabelOptions] != tt.wantOpt || labels["MINE"] != "hello" || labels[LabelName] != "alpha" {
				t.Errorf("Render: id %v, labels %v; want id %s, options %s", res.Value["id"], labels, tt.wantID, tt.wantOpt)
			}
		})
	}
}

func TestRenderOptionErrors(t *testing.T) {
	rev := testRevision(t, "4.0", testConfig, testTemplate)
	tests := []struct {
		name    string
		options map[string]any
		want    []string
	}{
		{"every violation at once", map[string]any{"service": map[string]any{"cpus": json.Number("0"), "mem": "lots", "tags": []any{json.Number("1")}}},
			[]string{
				`service.cpus: 0 is less than the minimum 0.1 (config.json#/properties/service/properties/cpus)`,
				`service.mem: expected integer, found string ("lots") (config.json#/properties/service/properties/mem)`,
				`service.tags[0]: expected string, found integer (1) (config.json#/properties/service/properties/tags/items)`,
			}},
		{"required, even with defaults only", map[string]any{"service": map[string]any{"name": nil}},
			[]string{`service.name: expected string, found null (null) (config.json#/properties/service/properties/name)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(context.Background(), Request{Revision: rev, Options: tt.options})
			var oe *OptionsError
			var re *Error
			if !errors.As(err, &oe) || !errors.As(err, &re) || re.Stage != StageOptions {
				t.Fatalf("Render: error %v, want an options error", err)
			}
			var got []string
			for _, v := range oe.Violations {
				got = append(got, v.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tt.want[0]) {
				t.Errorf("error %q does not list the violations", err)
			}
		})
	}
}

func TestRenderRequiredWithoutDefaults(t *testing.T) {
	// Cosmos skipped validation for empty merged options; we do not.
	rev := testRevision(t, "4.0", `{"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}`,
		`{"id": "/x", "cmd": "sleep 10", "instances": {{n}}}`)
	_, err := Render(context.Background(), Request{Revision: rev})
	var oe *OptionsError
	if !errors.As(err, &oe) || len(oe.Violations) != 1 || oe.Violations[0].String() != `(root): missing required property "n" (config.json#)` {
		t.Fatalf("Render: %v", err)
	}
	res, err := Render(context.Background(), Request{Revision: rev, Options: map[string]any{"n": json.Number("2")}})
	if err != nil || res.Value["instances"] != json.Number("2") {
		t.Fatalf("Render with n=2: %v, %v", res, err)
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name, config, template string
		options                map[string]any
		stage                  string
		contains               []string
	}{
		{"options without config.json", "", `{"id": "/x"}`, map[string]any{"a": json.Number("1")}, StageOptions,
			[]string{"has no config.json"}},
		{"invalid mustache", `{}`, "{\n{{#a}}\n}", nil, StageTemplate, []string{"marathon.json.mustache:3:", "invalid mustache"}},
		{"not JSON", `{"properties": {"a": {"type": "string", "default": "x"}}}`, "{\n  \"id\": \"/x\",\n  \"n\": {{a}}\n}", nil, StageJSON,
			[]string{"marathon.json.mustache:3:8:", "rendered line 3, column 8:", "{{a}} rendered as x", "  3 |   \"n\": x\n", "^"}},
		{"not an object", `{}`, `[1]`, nil, StageJSON, []string{"must be a JSON object, found an array"}},
		{"trailing data", `{}`, `{"id": "/x"} {}`, nil, StageJSON, []string{"unexpected data after the JSON value"}},
		{"labels not strings", `{}`, `{"id": "/x", "cmd": "sleep 10", "labels": {"A": 1}}`, nil, StageLabels, []string{"label A must be a string, found an integer 1", "/labels/A"}},
		{"labels not an object", `{}`, `{"id": "/x", "cmd": "sleep 10", "labels": []}`, nil, StageLabels, []string{"labels must be an object"}},
		{"Marathon rules", `{}`, `{"id": "/x", "cmd": "sleep 10", "cpus": -1}`, nil, StageMarathon, []string{"Marathon would reject the rendered app", "/cpus"}},
		{"Marathon rules, placed in the template", `{"properties": {"c": {"type": "number", "default": -1}}}`,
			"{\n  \"id\": \"/x\",\n  \"cmd\": \"sleep 10\",\n  \"cpus\": {{c}}\n}", nil, StageMarathon,
			[]string{"marathon.json.mustache:4:11: Marathon would reject the rendered app", "(at /cpus)", "  4 |   \"cpus\": -1\n", "^"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev := testRevision(t, "4.0", tt.config, tt.template)
			_, err := Render(context.Background(), Request{Revision: rev, Options: tt.options})
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("Render: error %v, want a *render.Error", err)
			}
			if re.Stage != tt.stage {
				t.Errorf("stage = %q, want %q (%v)", re.Stage, tt.stage, err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
	var merr *marathon.Error
	rev := testRevision(t, "4.0", `{}`, `{"id": "/x", "cmd": "sleep 10", "cpus": -1}`)
	if _, err := Render(context.Background(), Request{Revision: rev}); !errors.As(err, &merr) {
		t.Errorf("Marathon failure does not unwrap to *marathon.Error: %v", err)
	}
}

func TestRenderGroup(t *testing.T) {
	const tmpl = `{
  "id": "/{{service.name}}",
  "apps": [
    {"id": "/{{service.name}}/api", "cmd": "api", "labels": {"ROLE": "api"}},
    {"id": "worker", "cmd": "work", "dependencies": ["/{{service.name}}/api"]}
  ]
}`
	rev := testRevision(t, "6.0", `{"type": "object", "properties": {"service": {"type": "object", "properties": {"name": {"type": "string", "default": "k8s"}}}}}`, tmpl)
	res, err := Render(context.Background(), Request{Revision: rev, AppID: "prod/k8s"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Group || res.Value["id"] != "/prod/k8s" {
		t.Fatalf("Render: group %v, id %v", res.Group, res.Value["id"])
	}
	apps := res.Value["apps"].([]any)
	api, worker := apps[0].(map[string]any), apps[1].(map[string]any)
	if api["id"] != "/prod/k8s/api" || worker["id"] != "worker" {
		t.Errorf("app ids = %v, %v; want /prod/k8s/api, worker", api["id"], worker["id"])
	}
	for _, app := range []map[string]any{api, worker} {
		l := app["labels"].(map[string]any)
		if l[LabelName] != "alpha" || l[LabelVersion] != "1.0.0" || l[LabelGroup] != "/prod/k8s" || l[LabelOptions] != "e30=" || l[LabelDefinition] == nil {
			t.Errorf("labels of %v = %v", app["id"], l)
		}
	}
	if api["labels"].(map[string]any)["ROLE"] != "api" {
		t.Errorf("template label lost: %v", api["labels"])
	}
	if _, ok := res.Value["labels"]; ok {
		t.Errorf("the group itself got labels")
	}
	_, pkg, err := DecodeDefinition(api["labels"].(map[string]any)[LabelDefinition].(string))
	if err != nil || pkg["packagingVersion"] != "4.0" {
		t.Errorf("6.0 definition: %v, %v; want packagingVersion 4.0", pkg["packagingVersion"], err)
	}
}

func TestRenderDependencies(t *testing.T) {
	fsys := fstest.MapFS{
		"A/alpha/0/package.json": {Data: []byte(`{"packagingVersion": "6.0", "name": "alpha", "version": "1.0.0", "maintainer": "m", "description": "d", "tags": [],
			"dependencies": [{"name": "zk", "version": "^1.0.0"}, {"name": "opt", "optional": true}]}`)},
		"A/alpha/0/marathon.json.mustache": {Data: []byte(`{"id": "/a", "cmd": "{{dependencies.zk.service.name}}"}`)},
	}
	tree, err := repo.Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tree.Package("alpha")
	rev := p.Latest()
	res, err := Render(context.Background(), Request{Revision: rev,
		Dependencies: map[string]map[string]any{"zk": {"service": map[string]any{"name": "zookeeper-1"}}}})
	if err != nil || res.Value["cmd"] != "zookeeper-1" {
		t.Fatalf("Render: %v, %v", res, err)
	}
	_, err = Render(context.Background(), Request{Revision: rev})
	var re *Error
	if !errors.As(err, &re) || re.Stage != StageScope || !strings.Contains(err.Error(), "dependency zk is not resolved") {
		t.Errorf("Render without dependencies: %v", err)
	}
}

func TestRenderSkipLabels(t *testing.T) {
	rev := testRevision(t, "4.0", testConfig, testTemplate)
	res, err := Render(context.Background(), Request{Revision: rev, SkipLabels: true, AppID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"DCOS_PACKAGE_NAME": "overridden", "MINE": "hello"}
	if diff := cmp.Diff(want, res.Value["labels"]); diff != "" || res.Value["id"] != "/x" {
		t.Errorf("labels (-want +got):\n%s\nid %v", diff, res.Value["id"])
	}
}

func TestRenderNoTemplate(t *testing.T) {
	rev := testRevision(t, "4.0", `{}`, "")
	_, err := Render(context.Background(), Request{Revision: rev})
	if err == nil || !strings.Contains(err.Error(), "does not have a Marathon template") {
		t.Errorf("Render: %v", err)
	}
}
