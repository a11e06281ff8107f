package installer_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
	"github.com/universe-pm/universe/repo"
)

// secretConfig marks secrets both ways, nested, in array items and with a
// default.
const secretConfig = `{
  "type": "object",
  "properties": {
    "password": {"type": "string", "secret": true, "minLength": 12, "pattern": "^[A-Za-z0-9-]+$"},
    "service": {"type": "object", "properties": {
      "name": {"type": "string", "default": "secretive"},
      "token": {"type": "string", "media": {"type": "application/x-secret+string"}, "default": "dflt-T0ken-Quokka-77"}
    }},
    "users": {"type": "array", "default": [], "items": {"type": "object", "properties": {
      "name": {"type": "string"},
      "key": {"type": "string", "media": {"type": "application/x-secret+string"}}
    }}}
  },
  "required": ["password"]
}`

const secretTemplate = `{
  "id": "/{{service.name}}",
  "cmd": "sleep 1000 --users={{#users}}{{name}}:{{key}},{{/users}}",
  "cpus": 0.1, "mem": 32, "instances": 1,
  "env": {"PASSWORD": "{{password}}", "TOKEN": "{{service.token}}", "VERSION": "%s"}
}`

// The secret values of the test, none of which may be shown or recorded.
const (
	password    = "s3cr3t-Zebra-91"
	newPassword = "n3w-S3cret-Okapi-42"
	token       = "dflt-T0ken-Quokka-77"
	userKey     = "k3y-Ann-Heron-5"
)

var allSecrets = []string{password, newPassword, token, userKey}

// secretSource is a repository with secretive 1.0.0 and 1.1.0, or only
// the versions given.
func secretSource(t *testing.T, versions ...string) resolve.Source {
	t.Helper()
	m := fstest.MapFS{}
	for i, v := range []string{"1.0.0", "1.1.0"} {
		if versions != nil && !slices.Contains(versions, v) {
			continue
		}
		dir := "S/secretive/" + string(rune('0'+i)) + "/"
		m[dir+"package.json"] = &fstest.MapFile{Data: []byte(`{"packagingVersion": "4.0", "name": "secretive", "version": "` + v + `",
			"maintainer": "t@example.com", "description": "d", "tags": [], "upgradesFrom": ["*"]}`)}
		m[dir+"config.json"] = &fstest.MapFile{Data: []byte(secretConfig)}
		m[dir+"marathon.json.mustache"] = &fstest.MapFile{Data: []byte(strings.Replace(secretTemplate, "%s", v, 1))}
	}
	tree, err := repo.Load(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return resolve.Trees{{Name: "test", Tree: tree}}
}

func secretOpts(pw string) map[string]any {
	return map[string]any{"password": pw, "users": []any{map[string]any{"name": "ann", "key": userKey}}}
}

// noSecrets fails when text holds any of the test's secrets.
func noSecrets(t *testing.T, what string, text string) {
	t.Helper()
	for _, s := range allSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q:\n%s", what, s, text)
		}
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// appEnv returns an app's env and its DCOS_PACKAGE_OPTIONS decoded.
func appEnv(t *testing.T, mc *marathon.Client, id string) (map[string]any, map[string]any) {
	t.Helper()
	a, err := mc.GetApp(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var def struct{ Env map[string]any }
	if err := json.Unmarshal(a.Raw, &def); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(a.Labels[render.LabelOptions])
	if err != nil {
		t.Fatal(err)
	}
	var opts map[string]any
	if err := json.Unmarshal(raw, &opts); err != nil {
		t.Fatal(err)
	}
	return def.Env, opts
}

// TestSecretsInstallResumeUpgrade follows secret options through a plan,
// a failed (halted) install, its resume, list and an upgrade: the deployed
// app carries them, and no plan, event, result, error, journal file,
// label or diff does.
func TestSecretsInstallResumeUpgrade(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{source: secretSource(t)})
	var shown []string // everything the installer gave back
	show := func(what string, v any) {
		t.Helper()
		s := jsonText(t, v)
		noSecrets(t, what, s)
		shown = append(shown, s)
	}

	// The plan.
	res, err := e.in.Run(ctx, installer.Request{Name: "secretive", Version: "1.0.0", Options: secretOpts(password), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	show("the dry run's result", res)
	if m := string(res.Plan.Packages[0].Marathon); !strings.Contains(m, `"PASSWORD":"<secret:/password>"`) || !strings.Contains(m, `ann:<secret:/users/0/key>`) {
		t.Errorf("planned Marathon JSON = %s, want the secrets as markers", m)
	}

	// An invalid secret: the error names the option, not the value.
	_, err = e.in.Run(ctx, installer.Request{Name: "secretive", Version: "1.0.0", Options: secretOpts("Zebra!91-" + password)})
	if err == nil || !strings.Contains(err.Error(), "password: ") {
		t.Fatalf("Run with an invalid password = %v, want an options error", err)
	}
	noSecrets(t, "the invalid option's error", err.Error())

	// A failed install, halted.
	e.sb.SetFaults(sandbox.Faults{FailTasks: "/secretive"})
	res, err = e.in.Run(ctx, installer.Request{Name: "secretive", Version: "1.0.0", Options: secretOpts(password), OnFailure: installer.Halt, Timeout: time.Second})
	if err == nil || res.Status != installer.StatusHalted {
		t.Fatalf("Run = %v, %v; want halted", res, err)
	}
	show("the halted install's result", res)
	noSecrets(t, "the halted install's error", err.Error())
	env, stored := appEnv(t, e.mc, "/secretive")
	if env["PASSWORD"] != password || env["TOKEN"] != token {
		t.Errorf("deployed env = %v, want the secrets in clear", env)
	}
	want := map[string]any{"password": "<secret:/password>", "users": []any{map[string]any{"name": "ann", "key": "<secret:/users/0/key>"}}}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("DCOS_PACKAGE_OPTIONS (-want +got):\n%s", diff)
	}

	// Resume: the journal has the secrets redacted, so they must be given
	// again; until they are, nothing is deployed.
	e.sb.SetFaults(sandbox.Faults{})
	unfinished, err := e.in.Unfinished()
	if err != nil || len(unfinished) != 1 {
		t.Fatalf("Unfinished = %v, %v", unfinished, err)
	}
	req, err := installer.ResumeRequest(unfinished[0])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, req.Options); diff != "" {
		t.Errorf("resumed request's options (-want +got):\n%s", diff)
	}
	req.Timeout = time.Minute
	_, err = e.in.Run(ctx, req)
	var re *render.Error
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "secret option password, users[0].key has no value") || !strings.Contains(err.Error(), "--set password=VALUE") {
		t.Fatalf("resume without the secrets = %v, want them asked for", err)
	}
	req.Options = render.Merge(req.Options, secretOpts(password))
	res = e.install(req)
	show("the resumed install's result", res)
	if env, _ := appEnv(t, e.mc, "/secretive"); env["PASSWORD"] != password {
		t.Errorf("env after resume = %v", env)
	}

	// List.
	pkgs, err := e.in.List(ctx)
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("List = %v, %v", pkgs, err)
	}
	show("List", pkgs)
	if diff := cmp.Diff(want, pkgs[0].Options); diff != "" {
		t.Errorf("listed options (-want +got):\n%s", diff)
	}

	// Upgrade: the secrets must be given again, and the diff shows none.
	_, err = e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "secretive", Version: "1.1.0", DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "secret option password, users[0].key has no value") {
		t.Fatalf("Upgrade without the secrets = %v, want them asked for", err)
	}
	up, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "secretive", Version: "1.1.0", Options: secretOpts(newPassword), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	show("the upgrade's result", up)
	if !strings.Contains(up.Plan.Diff, `+     "VERSION": "1.1.0"`) {
		t.Errorf("upgrade diff lacks the version change:\n%s", up.Plan.Diff)
	}
	env, stored = appEnv(t, e.mc, "/secretive")
	if env["PASSWORD"] != newPassword || env["VERSION"] != "1.1.0" {
		t.Errorf("env after the upgrade = %v", env)
	}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("DCOS_PACKAGE_OPTIONS after the upgrade (-want +got):\n%s", diff)
	}

	// Events and the journal on disk.
	e.mu.Lock()
	show("the events", e.events)
	e.mu.Unlock()
	err = filepath.WalkDir(e.state, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		noSecrets(t, "journal file "+path, string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) < 6 {
		t.Errorf("checked %d outputs", len(shown))
	}
}

// TestSecretsStoredInClearByCosmos: a package DC/OS Cosmos installed keeps
// its secrets in clear in DCOS_PACKAGE_OPTIONS. List shows them redacted;
// an upgrade reuses them exactly without showing them.
func TestSecretsStoredInClearByCosmos(t *testing.T) {
	ctx := context.Background()
	src := secretSource(t)
	e := newEnv(t, envOptions{source: src})
	cands, err := src.Candidates(ctx, "secretive")
	if err != nil {
		t.Fatal(err)
	}
	var rev *repo.Revision
	for _, c := range cands {
		if c.Revision.Version.String() == "1.0.0" {
			rev = c.Revision
		}
	}
	r, err := render.Render(ctx, render.Request{Revision: rev, Options: secretOpts(password)})
	if err != nil {
		t.Fatal(err)
	}
	// Write the label as Cosmos does: the user's options in clear.
	clear, _ := json.Marshal(secretOpts(password))
	r.Value["labels"].(map[string]any)[render.LabelOptions] = base64.StdEncoding.EncodeToString(clear)
	if _, err := e.mc.CreateApp(ctx, r.Value); err != nil {
		t.Fatal(err)
	}
	pkgs, err := e.in.List(ctx)
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("List = %v, %v", pkgs, err)
	}
	noSecrets(t, "List", jsonText(t, pkgs))
	up, err := e.in.Upgrade(ctx, installer.UpgradeRequest{Name: "secretive", Version: "1.1.0", Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Upgrade reusing the options in clear: %v", err)
	}
	noSecrets(t, "the upgrade's result", jsonText(t, up))
	env, stored := appEnv(t, e.mc, "/secretive")
	if env["PASSWORD"] != password || env["VERSION"] != "1.1.0" {
		t.Errorf("env after the upgrade = %v, want the password reused", env)
	}
	if stored["password"] != "<secret:/password>" {
		t.Errorf("DCOS_PACKAGE_OPTIONS after the upgrade = %v, want the password redacted", stored)
	}
}

// TestSecretsUpgradeDiffFromDeployedApps: when the installed revision is
// gone from the repositories, the diff's old side comes from the deployed
// app, which holds the old secret in clear and unknown to universe (its
// label has the marker): it is still not shown.
func TestSecretsUpgradeDiffFromDeployedApps(t *testing.T) {
	ctx := context.Background()
	statePath := filepath.Join(t.TempDir(), "sandbox.json")
	e := newEnv(t, envOptions{source: secretSource(t), statePath: statePath})
	e.install(installer.Request{Name: "secretive", Version: "1.0.0", Options: secretOpts(password)})
	// The same cluster, seen through repositories that only have 1.1.0.
	in, err := installer.New(installer.Config{Marathon: e.mc, Source: secretSource(t, "1.1.0"), Cluster: "sandbox:test"})
	if err != nil {
		t.Fatal(err)
	}
	up, err := in.Upgrade(ctx, installer.UpgradeRequest{Name: "secretive", Version: "1.1.0", Options: secretOpts(newPassword), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "the diff against the deployed app", up.Plan.Diff)
	for _, want := range []string{`-     "PASSWORD": "<secret: redacted, as the new value holds a secret here>"`, `+     "PASSWORD": "<secret:/password>"`} {
		if !strings.Contains(up.Plan.Diff, want) {
			t.Errorf("diff lacks %s:\n%s", want, up.Plan.Diff)
		}
	}
}
