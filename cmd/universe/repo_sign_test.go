package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRepoKeygen: keygen writes a 0600 private key and a public key,
// prints the fingerprint, and never overwrites a key without --force.
func TestRepoKeygen(t *testing.T) {
	dir := repoIsolate(t)
	prefix := filepath.Join(dir, "keys", "corp")
	code, stdout, stderr := repoRun(t, "repo", "keygen", "--out", prefix)
	if code != 0 || !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(stdout) {
		t.Fatalf("repo keygen = %d %q %q, want the fingerprint", code, stdout, stderr)
	}
	fi, err := os.Stat(prefix + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s.key: %v, mode %v; want 0600", prefix, err, fi.Mode().Perm())
	}
	key, _ := os.ReadFile(prefix + ".key")
	pub, _ := os.ReadFile(prefix + ".pub")
	if !strings.HasPrefix(string(key), "-----BEGIN PRIVATE KEY-----") || !strings.HasPrefix(string(pub), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("key files are not PEM PRIVATE KEY / PUBLIC KEY:\n%s\n%s", key, pub)
	}
	code, _, stderr = repoRun(t, "repo", "keygen", "--out", prefix)
	if code != 1 || !strings.Contains(stderr, "key file exists (use --force to replace it)") {
		t.Errorf("repo keygen over a key = %d %q", code, stderr)
	}
	if again, _ := os.ReadFile(prefix + ".key"); string(again) != string(key) {
		t.Error("refused keygen changed the key")
	}
	code, stdout2, _ := repoRun(t, "repo", "keygen", "--out", prefix, "--force")
	if code != 0 || stdout2 == stdout {
		t.Errorf("repo keygen --force = %d %q, want a new fingerprint", code, stdout2)
	}
	if code, _, _ := repoRun(t, "repo", "keygen"); code != 2 {
		t.Errorf("repo keygen without --out = %d, want 2", code)
	}
}

func TestRepoSignUsage(t *testing.T) {
	dir := repoIsolate(t)
	repoRun(t, "repo", "keygen", "--out", filepath.Join(dir, "k"))
	for _, args := range [][]string{
		{"repo", "sign", "--dir", dir},
		{"repo", "sign", "--key", filepath.Join(dir, "k.key")},
		{"repo", "sign", "--key", filepath.Join(dir, "k.key"), "--dir", dir, "--expires", "soon"},
		{"repo", "sign", "--key", filepath.Join(dir, "k.key"), "--dir", dir, "--expires", "-1h"},
	} {
		if code, _, _ := repoRun(t, args...); code != 2 {
			t.Errorf("%s = %d, want 2", strings.Join(args, " "), code)
		}
	}
	code, _, stderr := repoRun(t, "repo", "sign", "--key", filepath.Join(dir, "k.key"), "--dir", dir)
	if code != 1 || !strings.Contains(stderr, "no native index") {
		t.Errorf("repo sign of a directory without an index = %d %q", code, stderr)
	}
}

// TestRepoSignedEndToEnd: build and sign, serve with 'repo serve', add
// with --trust (key file, then fingerprint), describe and render through
// the catalog; then a tampered index on the server is refused by name.
func TestRepoSignedEndToEnd(t *testing.T) {
	dir := repoIsolate(t)
	prefix := filepath.Join(dir, "corp")
	_, fp, _ := repoRun(t, "repo", "keygen", "--out", prefix)
	fp = strings.TrimSpace(fp)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := repoRun(t, "repo", "build", "--packages", "../../packages", "--out", out, "--sign-key", prefix+".key", "--no-validate")
	if code != 0 || !strings.Contains(stdout, "signed "+out+": version 1,") || !strings.Contains(stdout, "key "+fp[:16]+"…") {
		t.Fatalf("repo build --sign-key = %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = repoRun(t, "repo", "build", "--packages", "../../packages", "--out", out, "--sign-key", prefix+".key", "--no-validate")
	if code != 0 || !strings.Contains(stdout, "version 2,") {
		t.Errorf("second repo build --sign-key = %d %q, want version 2", code, stdout)
	}
	code, stdout, _ = repoRun(t, "repo", "sign", "--key", prefix+".key", "--dir", out, "--expires", "2099-01-01")
	if code != 0 || !strings.Contains(stdout, "version 3,") || !strings.Contains(stdout, "expires 2099-01-01T00:00:00Z") {
		t.Errorf("repo sign = %d %q, want version 3 expiring 2099-01-01", code, stdout)
	}
	url, _ := repoStartServe(t, out)

	code, _, stderr = repoRun(t, "repo", "add", "corp3", url, "--trust", strings.Repeat("ab", 8))
	if code != 1 || !strings.Contains(stderr, "not the trusted fingerprint abababababababab") {
		t.Errorf("repo add --trust WRONG-FINGERPRINT = %d %q", code, stderr)
	}
	if code, _, _ := repoRun(t, "repo", "add", "corp4", url, "--trust", "no-such-file"); code != 2 {
		t.Errorf("repo add --trust no-such-file = %d, want 2", code)
	}
	code, _, stderr = repoRun(t, "repo", "add", "corp", url, "--index", "0", "--trust", prefix+".pub")
	if code != 0 || !strings.Contains(stderr, "signed version 3 verified with key "+fp[:16]+"…") {
		t.Fatalf("repo add --trust KEYFILE = %d %q", code, stderr)
	}
	code, _, stderr = repoRun(t, "repo", "add", "corp2", strings.Replace(url, "127.0.0.1", "localhost", 1), "--trust", fp[:16])
	if code != 0 || !strings.Contains(stderr, "signed version 3") {
		t.Fatalf("repo add --trust FINGERPRINT = %d %q", code, stderr)
	}

	code, stdout, _ = repoRun(t, "repo", "list", "-o", "json")
	var list []struct{ Name, Trust string }
	if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list) != 3 ||
		list[0].Trust != fp || list[1].Trust != fp || list[2].Trust != "embedded index" {
		t.Errorf("repo list -o json = %d %q: %v", code, stdout, err)
	}
	code, stdout, _ = repoRun(t, "repo", "list")
	if code != 0 || !strings.Contains(stdout, "corp\t"+url+"\tkey "+fp[:16]+"…\n") {
		t.Errorf("repo list = %d %q", code, stdout)
	}

	code, stdout, stderr = repoRun(t, "describe", "hdfs")
	if code != 0 || !strings.Contains(stdout, "repository\tcorp\n") {
		t.Errorf("describe hdfs from the signed repository = %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = repoRun(t, "render", "zookeeper", "-o", "json")
	if code != 0 || !strings.Contains(stdout, `"DCOS_PACKAGE_SOURCE":"`+url+`"`) {
		t.Errorf("render zookeeper from the signed repository = %d %q %q", code, stdout, stderr)
	}

	// Tamper with the served index and clear the cache: fetched again, the
	// repository is refused by name and the others still answer.
	idx := filepath.Join(out, "index.json")
	data, _ := os.ReadFile(idx)
	os.WriteFile(idx, []byte(strings.Replace(string(data), `"description": "`, `"description": "x`, 1)), 0o644)
	os.RemoveAll(os.Getenv("XDG_CACHE_HOME"))
	code, stdout, stderr = repoRun(t, "describe", "hdfs")
	if !strings.Contains(stderr, "index.json of repository 'corp' does not match its signed index version 3") {
		t.Errorf("describe with a tampered index: stderr lacks the refusal:\n%s", stderr)
	}
	if code != 0 || !strings.Contains(stdout, "repository\tbuiltin\n") {
		t.Errorf("describe with the signed repositories refused = %d %q, want the built-in answer", code, stdout)
	}
}
