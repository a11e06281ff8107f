package main

import (
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/universe-pm/universe/installer/journal"
)

// The secrets of testdata/secrets and of this test: none may be printed
// or recorded, except in the deployed app (the sandbox's state).
const (
	secPassword = "s3cr3t-Zebra-91"
	secNew      = "n3w-S3cret-Okapi-42"
	secToken    = "dflt-T0ken-Quokka-77" // config.json's default
	secKey      = "k3y-Ann-Heron-5"
	secUsers    = `users=[{"name":"ann","key":"` + secKey + `"}]`
)

func assertNoSecrets(t *testing.T, what string, texts ...string) {
	t.Helper()
	assertNone(t, what, []string{secPassword, secNew, secToken, secKey}, texts...)
}

func assertNone(t *testing.T, what string, secrets []string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the secret %q:\n%s", what, s, text)
			}
		}
	}
}

// runArgs runs a command given as separate arguments.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return repoRun(t, args...)
}

func TestSecretsRender(t *testing.T) {
	lifecycleIsolate(t)
	base := []string{"render", "secretive", "--packages", "testdata/secrets", "--set", "password=" + secPassword, "--set", secUsers}
	for _, o := range []string{"pretty", "json"} {
		code, out, errOut := runArgs(t, append(base, "-o", o)...)
		if code != 0 {
			t.Fatalf("render -o %s = %d: %s", o, code, errOut)
		}
		assertNoSecrets(t, "render -o "+o, out, errOut)
		for _, want := range []string{"<secret:/password>", "<secret:/service/token>", "ann:<secret:/users/0/key>"} {
			if !strings.Contains(out, want) {
				t.Errorf("render -o %s lacks %s:\n%s", o, want, out)
			}
		}
	}
	code, out, _ := runArgs(t, append(base, "--reveal-secrets")...)
	if code != 0 || !strings.Contains(out, `"PASSWORD": "`+secPassword+`"`) || !strings.Contains(out, secToken) || strings.Contains(out, "<secret:") {
		t.Errorf("render --reveal-secrets = %d:\n%s", code, out)
	}
	code, out, errOut := runArgs(t, "render", "secretive", "--packages", "testdata/secrets", "--set", "password=Zebra!91-"+secPassword)
	if code != 1 || !strings.Contains(errOut, `password: "<secret:/password>" does not match pattern`) {
		t.Errorf("render with an invalid password = %d:\n%s%s", code, out, errOut)
	}
	assertNoSecrets(t, "render with an invalid password", out, errOut)
}

// TestSecretsLifecycle installs (by resuming a halted install whose
// journal has the secrets redacted), lists, describes and upgrades a
// package with secret options through the commands and the local sandbox,
// and greps everything printed and recorded.
func TestSecretsLifecycle(t *testing.T) {
	dir := lifecycleIsolate(t)
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := runArgs(t, "repo", "build", "--packages", "testdata/secrets", "--out", out); code != 0 {
		t.Fatalf("repo build = %d\n%s%s", code, stdout, stderr)
	}
	serveOnly(t, dir, out)
	var printed []string
	run := func(wantCode int, args ...string) (string, string) {
		t.Helper()
		code, stdout, stderr := runArgs(t, args...)
		if code != wantCode {
			t.Fatalf("universe %s = %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, stdout, stderr)
		}
		assertNoSecrets(t, "universe "+strings.Join(args, " "), stdout, stderr)
		printed = append(printed, stdout, stderr)
		return stdout, stderr
	}

	for _, o := range []string{"text", "json"} {
		stdout, _ := run(0, "describe", "secretive", "--config", "-o", o)
		if !strings.Contains(stdout, "<secret:/service/token>") {
			t.Errorf("describe --config -o %s does not show the token's default as a marker:\n%s", o, stdout)
		}
	}
	stdout, _ := run(0, "install", "secretive", "--package-version", "1.0.0", "--set", "password="+secPassword, "--set", secUsers, "--dry-run")
	if !strings.Contains(stdout, `"PASSWORD": "<secret:/password>"`) {
		t.Errorf("install --dry-run does not show the password as a marker:\n%s", stdout)
	}

	// A halted install, as the journal records it: secrets redacted.
	state := filepath.Join(dir, "state", "universe")
	st := &journal.Store{Dir: state}
	req := `{"name":"secretive","version":"1.0.0","options":{"password":"<secret:/password>","users":[{"name":"ann","key":"<secret:/users/0/key>"}]}}`
	if err := st.Save(&journal.Entry{ID: "halted1", Cluster: "sandbox:" + filepath.Join(state, "sandbox", "state.json"),
		Started: time.Now().UTC(), Status: journal.Halted, Owner: journal.Self(), Request: json.RawMessage(req),
		Packages: []journal.Package{{Name: "secretive", Version: "1.0.0", AppID: "/secretive", State: "waiting"}}}); err != nil {
		t.Fatal(err)
	}
	_, stderr := run(1, "install", "--resume", "--yes")
	if !strings.Contains(stderr, "secret option password, users[0].key has no value") || !strings.Contains(stderr, "--set password=VALUE --set users.0.key=VALUE") {
		t.Errorf("install --resume without the secrets:\n%s", stderr)
	}
	stdout, _ = run(0, "install", "--resume", "--yes", "-o", "json", "--progress", "--set", "password="+secPassword, "--set", secUsers)
	var res struct{ Install, Status string }
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Install != "halted1" || res.Status != "succeeded" {
		t.Errorf("install --resume -o json = %v %+v:\n%s", err, res, stdout)
	}

	stdout, _ = run(0, "list", "-o", "json")
	var listed struct {
		Packages []struct{ Options map[string]any }
	}
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil || len(listed.Packages) != 1 || listed.Packages[0].Options["password"] != "<secret:/password>" {
		t.Errorf("list -o json = %v:\n%s", err, stdout)
	}

	_, stderr = run(1, "upgrade", "secretive", "--package-version", "1.1.0", "--yes")
	if !strings.Contains(stderr, "secret option password, users[0].key has no value") {
		t.Errorf("upgrade without the secrets:\n%s", stderr)
	}
	up := []string{"upgrade", "secretive", "--package-version", "1.1.0", "--set", "password=" + secNew, "--set", secUsers}
	stdout, _ = run(0, append(up, "--dry-run")...)
	if !strings.Contains(stdout, `+     "VERSION": "1.1.0"`) {
		t.Errorf("upgrade --dry-run diff:\n%s", stdout)
	}
	run(0, append(up, "--yes", "-o", "json")...)

	// The sandbox's state holds the deployed app: the secrets are there
	// (that is their purpose), and the label is redacted.
	data, err := os.ReadFile(filepath.Join(state, "sandbox", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), secNew) || !strings.Contains(string(data), secKey) || !strings.Contains(string(data), secToken) {
		t.Errorf("the deployed app lacks its secrets")
	}
	label := base64.StdEncoding.EncodeToString([]byte(`{"password":"<secret:/password>","users":[{"key":"<secret:/users/0/key>","name":"ann"}]}`))
	if !strings.Contains(string(data), label) {
		t.Errorf("the deployed app's DCOS_PACKAGE_OPTIONS is not %s", label)
	}
	// Everything else universe wrote: journals, locks, caches, config. The
	// repository (built, and cached) publishes config.json, defaults and
	// all: only the user's secrets must not be there.
	published := []string{filepath.Join(dir, "out"), filepath.Join(dir, "cache")}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path, filepath.Join(state, "sandbox")+string(filepath.Separator)) {
			return err
		}
		data, err := os.ReadFile(path)
		if strings.HasPrefix(path, published[0]) || strings.HasPrefix(path, published[1]) {
			assertNone(t, path, []string{secPassword, secNew, secKey}, string(data))
		} else {
			assertNoSecrets(t, path, string(data))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
