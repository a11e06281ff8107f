package render

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// secretConfig marks secrets both ways (secret: true; media as DC/OS's
// object and as a plain string), nested, in array items, with defaults,
// and of another type than string.
const secretConfig = `{
  "type": "object",
  "properties": {
    "password": {"type": "string", "secret": true, "minLength": 12, "pattern": "^[A-Za-z0-9-]+$"},
    "service": {"type": "object", "properties": {
      "name": {"type": "string", "default": "vault"},
      "token": {"type": "string", "media": {"type": "application/x-secret+string"}, "default": "dflt-T0ken-Quokka-77"}
    }},
    "users": {"type": "array", "default": [], "items": {"type": "object", "properties": {
      "name": {"type": "string"},
      "key": {"type": "string", "media": "application/x-secret+string"}
    }}},
    "pin": {"type": "integer", "secret": true, "default": 48151623},
    "note": {"type": "string", "default": ""}
  },
  "required": ["password"]
}`

const secretTemplate = `{
  "id": "/{{service.name}}",
  "cmd": "run --users={{#users}}{{name}}:{{key}},{{/users}} --pin={{pin}} {{note}}",
  "cpus": 0.1, "mem": 32, "instances": 1,
  "env": {"PASSWORD": "{{password}}", "TOKEN": "{{service.token}}"}
}`

// The values no output may show.
var secretValues = []string{"s3cr3t-Zebra-91", "dflt-T0ken-Quokka-77", "k3y-Ann-Heron-5", "48151623"}

func secretOptions() map[string]any {
	return map[string]any{
		"password": "s3cr3t-Zebra-91",
		"users":    []any{map[string]any{"name": "ann", "key": "k3y-Ann-Heron-5"}},
	}
}

func assertNoSecret(t *testing.T, what, text string, values ...string) {
	t.Helper()
	if values == nil {
		values = secretValues
	}
	for _, v := range values {
		if strings.Contains(text, v) {
			t.Errorf("%s shows the secret %q:\n%s", what, v, text)
		}
	}
}

func TestRenderSecrets(t *testing.T) {
	rev := testRevision(t, "4.0", secretConfig, secretTemplate)
	res, err := Render(context.Background(), Request{Revision: rev, Options: secretOptions()})
	if err != nil {
		t.Fatal(err)
	}
	// What is deployed carries every secret in clear.
	env := res.Value["env"].(map[string]any)
	if env["PASSWORD"] != "s3cr3t-Zebra-91" || env["TOKEN"] != "dflt-T0ken-Quokka-77" {
		t.Errorf("rendered env = %v, want the secrets in clear", env)
	}
	if cmd := res.Value["cmd"].(string); cmd != "run --users=ann:k3y-Ann-Heron-5, --pin=48151623 " {
		t.Errorf("rendered cmd = %q", cmd)
	}
	// What is shown carries none.
	shown, err := marshal(res.Secrets.Value(res.Value))
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "Secrets.Value", string(shown))
	for _, want := range []string{`"PASSWORD":"<secret:/password>"`, `"TOKEN":"<secret:/service/token>"`, `ann:<secret:/users/0/key>`, `--pin=<secret:/pin>`} {
		if !strings.Contains(string(shown), want) {
			t.Errorf("Secrets.Value lacks %s:\n%s", want, shown)
		}
	}
	// DCOS_PACKAGE_OPTIONS holds the user's options with markers.
	labels := res.Value["labels"].(map[string]any)
	raw, err := base64.StdEncoding.DecodeString(labels[LabelOptions].(string))
	if err != nil {
		t.Fatal(err)
	}
	var stored map[string]any
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"password": "<secret:/password>", "users": []any{map[string]any{"name": "ann", "key": "<secret:/users/0/key>"}}}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("DCOS_PACKAGE_OPTIONS (-want +got):\n%s", diff)
	}
	// The options the label stores are refused back, naming what to set.
	_, err = Render(context.Background(), Request{Revision: rev, Options: stored})
	var re *Error
	if !errors.As(err, &re) || re.Stage != StageOptions || !strings.Contains(err.Error(), "secret option password, users[0].key has no value") ||
		!strings.Contains(err.Error(), "--set password=VALUE --set users.0.key=VALUE") {
		t.Errorf("Render(stored options) = %v, want a options error naming both secrets", err)
	}
	// ... unless for showing.
	res2, err := Render(context.Background(), Request{Revision: rev, Options: stored, Redacted: true, SkipValidation: true})
	if err != nil {
		t.Fatalf("Render(stored options, Redacted) = %v", err)
	}
	if env := res2.Value["env"].(map[string]any); env["PASSWORD"] != "<secret:/password>" {
		t.Errorf("redacted render env = %v", env)
	}
}

func TestRenderSecretErrors(t *testing.T) {
	rev := testRevision(t, "4.0", secretConfig, secretTemplate)
	// A template that writes the token unquoted.
	bare := testRevision(t, "4.0", secretConfig, strings.Replace(secretTemplate, `"instances": 1`, `"instances": {{service.token}}`, 1))
	for _, tc := range []struct {
		name   string
		opts   map[string]any
		stage  string
		secret string
	}{
		// The pattern violation quotes the value.
		{"invalid secret", map[string]any{"password": "Zebra!91-s3cr3t"}, StageOptions, "Zebra!91-s3cr3t"},
		// The JSON error's snippet shows the rendered line.
		{"secret breaks the JSON", map[string]any{"password": "s3cr3t-Zebra-91", "service": map[string]any{"token": "tok-Zebra-91"}}, StageJSON, "tok-Zebra-91"},
		// A marker inside another value would be deployed.
		{"marker in a value", map[string]any{"password": "s3cr3t-Zebra-91", "note": "x <secret:/password> y"}, StageTemplate, "s3cr3t-Zebra-91"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rev
			if tc.stage == StageJSON {
				r = bare
			}
			_, err := Render(context.Background(), Request{Revision: r, Options: tc.opts})
			var re *Error
			if !errors.As(err, &re) || re.Stage != tc.stage {
				t.Fatalf("Render = %v, want a %s error", err, tc.stage)
			}
			assertNoSecret(t, "the error", err.Error(), tc.secret, "dflt-T0ken-Quokka-77", "48151623")
			assertNoSecret(t, "the error's snippet", re.Snippet, tc.secret)
			if tc.stage == StageJSON && !strings.Contains(re.Snippet, "<secret:/service/token>") {
				t.Errorf("snippet = %q, want the rendered line with the token redacted", re.Snippet)
			}
			var oe *OptionsError
			if errors.As(err, &oe) {
				for _, v := range oe.Violations {
					assertNoSecret(t, "a violation", v.String(), tc.secret)
				}
				if len(oe.Violations) == 0 || !strings.Contains(err.Error(), `"<secret:/password>" does not match pattern`) {
					t.Errorf("violations = %v, want the pattern's, redacted", oe.Violations)
				}
			}
		})
	}
}

func TestRedactConfig(t *testing.T) {
	var config map[string]any
	if err := json.Unmarshal([]byte(secretConfig), &config); err != nil {
		t.Fatal(err)
	}
	red := RedactConfig(config)
	b, _ := json.Marshal(red)
	assertNoSecret(t, "RedactConfig", string(b))
	props := red["properties"].(map[string]any)
	if d := props["pin"].(map[string]any)["default"]; d != "<secret:/pin>" {
		t.Errorf("pin default = %v", d)
	}
	svc := props["service"].(map[string]any)["properties"].(map[string]any)
	if d := svc["token"].(map[string]any)["default"]; d != "<secret:/service/token>" {
		t.Errorf("token default = %v", d)
	}
	if d := svc["name"].(map[string]any)["default"]; d != "vault" {
		t.Errorf("name default = %v, want it unchanged", d)
	}
	// The input is not changed.
	if d := config["properties"].(map[string]any)["pin"].(map[string]any)["default"]; d != float64(48151623) {
		t.Errorf("RedactConfig changed its input: pin default %v", d)
	}
}

func TestSecretsString(t *testing.T) {
	config := map[string]any{"properties": map[string]any{
		"a": map[string]any{"secret": true},
		"b": map[string]any{"secret": true},
		"c": map[string]any{"secret": false},
	}}
	s := FindSecrets(config, map[string]any{"a": `pa"ss\word-1`, "b": "pa", "c": "visible"})
	for _, tc := range []struct{ in, want string }{
		{`x pa"ss\word-1 y`, `x <secret:/a> y`},
		{`{"v":"pa\"ss\\word-1"}`, `{"v":"<secret:/a>"}`},
		// The longer secret goes first, so no part of it survives.
		{`pa pa"ss\word-1`, `<secret:/b> <secret:/a>`},
		{"visible", "visible"},
	} {
		if got := s.String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var nilS *Secrets
	if got := nilS.String("pa"); got != "pa" || !nilS.Empty() {
		t.Errorf("nil Secrets changed %q to %q", "pa", got)
	}
	err := s.Error(errors.New(`bad pa"ss\word-1`))
	if err.Error() != "bad <secret:/a>" {
		t.Errorf("Error = %q", err)
	}
}
