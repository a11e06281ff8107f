package ui

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
)

func TestRedactor(t *testing.T) {
	form := []Field{{Pointer: "/svc", Kind: KindGroup, Fields: []Field{
		{Pointer: "/svc/name", Name: "name", Kind: KindText},
		{Pointer: "/svc/pw", Name: "pw", Kind: KindPassword},
	}}}
	opts := map[string]any{"svc": map[string]any{"name": "web", "pw": "s3cret-pw"}}
	r := newRedactor(nil, form, opts)
	if diff := cmp.Diff(&redactor{pointers: []string{"/svc/pw"}, values: []string{"s3cret-pw"}}, r, cmp.AllowUnexported(redactor{})); diff != "" {
		t.Fatalf("newRedactor mismatch (-want +got):\n%s", diff)
	}

	if diff := cmp.Diff(map[string]any{"svc": map[string]any{"name": "web", "pw": Redacted}}, r.options(opts)); diff != "" {
		t.Errorf("options mismatch (-want +got):\n%s", diff)
	}
	if opts["svc"].(map[string]any)["pw"] != "s3cret-pw" {
		t.Errorf("options() changed its argument")
	}
	if got := r.text("login with s3cret-pw now"); got != "login with "+Redacted+" now" {
		t.Errorf("text = %q", got)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(`{"svc":{"pw":"s3cret-pw"}}`))
	if got := r.text(b64); strings.Contains(got, b64) || !strings.Contains(got, "redacted") {
		t.Errorf("text(base64 holding the secret) = %q", got)
	}
	if got := r.text("aGVsbG8gd29ybGQ="); got != "aGVsbG8gd29ybGQ=" {
		t.Errorf("text(base64 without it) = %q, want it unchanged", got)
	}
	orig := json.RawMessage(`{"env":{"PW":"s3cret-pw"},"labels":{"DCOS_PACKAGE_OPTIONS":"` + b64 + `"}}`)
	p := &installer.Plan{Packages: []installer.Planned{{Name: "web", Marathon: orig}}}
	got := r.plan(p)
	if strings.Contains(string(got.Packages[0].Marathon), "s3cret") || strings.Contains(string(got.Packages[0].Marathon), b64) {
		t.Errorf("plan() Marathon = %s", got.Packages[0].Marathon)
	}
	if string(p.Packages[0].Marathon) != string(orig) {
		t.Errorf("plan() changed the plan it was given")
	}
}
