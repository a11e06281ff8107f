package trust_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/trust"
)

func TestGenerateKey(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "keys", "corp")
	pub, err := trust.GenerateKey(prefix, false)
	if err != nil {
		t.Fatal(err)
	}
	privPath, pubPath := trust.KeyFiles(prefix)
	fi, err := os.Stat(privPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %v (%v), want 0600", privPath, fi.Mode().Perm(), err)
	}
	priv, err := trust.ReadPrivateKey(privPath)
	if err != nil {
		t.Fatal(err)
	}
	readPub, err := trust.ReadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(readPub) || !pub.Equal(priv.Public()) {
		t.Error("the key files do not hold the generated pair")
	}
	fp := trust.Fingerprint(pub)
	if len(fp) != 64 || !trust.IsFingerprint(fp) || trust.Short(fp) != fp[:16]+"…" {
		t.Errorf("Fingerprint = %q, Short = %q", fp, trust.Short(fp))
	}
	if !trust.MatchFingerprint(pub, fp[:16]) || trust.MatchFingerprint(pub, fp[:15]) || trust.MatchFingerprint(pub, strings.Repeat("0", 64)) {
		t.Error("MatchFingerprint accepts a short or wrong fingerprint, or refuses a 16-digit prefix")
	}

	keyBefore, _ := os.ReadFile(privPath)
	if _, err := trust.GenerateKey(prefix, false); !errors.Is(err, trust.ErrKeyExists) {
		t.Errorf("GenerateKey over an existing key = %v, want ErrKeyExists", err)
	}
	os.Remove(privPath)
	if _, err := trust.GenerateKey(prefix, false); !errors.Is(err, trust.ErrKeyExists) {
		t.Errorf("GenerateKey over an existing public key = %v, want ErrKeyExists", err)
	}
	os.WriteFile(privPath, keyBefore, 0o644)
	pub2, err := trust.GenerateKey(prefix, true)
	if err != nil {
		t.Fatalf("GenerateKey --force = %v", err)
	}
	if pub2.Equal(pub) {
		t.Error("--force kept the old key")
	}
	if fi, _ := os.Stat(privPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced key mode = %v, want 0600", fi.Mode().Perm())
	}
	if _, err := trust.ReadPrivateKey(pubPath); err == nil {
		t.Error("ReadPrivateKey(public key file) = nil error")
	}
	if _, err := trust.ParsePublicKey([]byte("junk")); err == nil {
		t.Error("ParsePublicKey(junk) = nil error")
	}
}

// built returns a repository built from the built-in packages and a key.
func built(t *testing.T) (string, ed25519.PrivateKey) {
	t.Helper()
	tree, err := repo.Load(context.Background(), packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "repo")
	if _, err := index.Build(context.Background(), tree, out, index.Options{}); err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return out, priv
}

func readEnvelope(t *testing.T, dir string) *trust.Envelope {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, trust.SignatureFile))
	if err != nil {
		t.Fatal(err)
	}
	e, err := trust.ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSignVerify(t *testing.T) {
	dir, key := built(t)
	pub := key.Public().(ed25519.PublicKey)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	m, err := trust.Sign(context.Background(), dir, key, trust.SignOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || !m.Expires.Equal(now.Add(trust.DefaultExpiry)) {
		t.Errorf("Sign = version %d, expires %v; want 1, %v", m.Version, m.Expires, now.Add(trust.DefaultExpiry))
	}
	got, err := readEnvelope(t, dir).Verify(pub)
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	for _, name := range []string{index.NativeFile, "v6/package/hdfs.json", "universe.json", "2.0/package/hdfs.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := got.Check(name, data); err != nil {
			t.Errorf("Check(%s) = %v", name, err)
		}
		if err := got.Check(name, append(data, ' ')); !errors.Is(err, trust.ErrFileDigest) {
			t.Errorf("Check(%s + one byte) = %v, want ErrFileDigest", name, err)
		}
		flipped := bytes.Clone(data)
		flipped[len(flipped)/2] ^= 1
		if err := got.Check(name, flipped); !errors.Is(err, trust.ErrFileDigest) {
			t.Errorf("Check(%s, one bit flipped) = %v, want ErrFileDigest", name, err)
		}
	}
	if _, ok := got.Files[trust.SignatureFile]; ok {
		t.Error("the envelope signs itself")
	}
	if err := got.Check("v6/package/nosuch.json", nil); !errors.Is(err, trust.ErrFileDigest) {
		t.Errorf("Check(unsigned file) = %v, want ErrFileDigest", err)
	}
	if pubFile, err := trust.ReadPublicKey(filepath.Join(dir, trust.KeyFile)); err != nil || !pubFile.Equal(pub) {
		t.Errorf("%s does not hold the signing key: %v", trust.KeyFile, err)
	}

	// The version continues from the envelope in the directory, from
	// Previous, or is what --version says.
	if m, _ := trust.Sign(context.Background(), dir, key, trust.SignOptions{}); m == nil || m.Version != 2 {
		t.Errorf("second Sign version = %v, want 2", m)
	}
	if m, _ := trust.Sign(context.Background(), dir, key, trust.SignOptions{Previous: 9}); m == nil || m.Version != 10 {
		t.Errorf("Sign with Previous 9 = %v, want version 10", m)
	}
	if m, _ := trust.Sign(context.Background(), dir, key, trust.SignOptions{Version: 40}); m == nil || m.Version != 40 {
		t.Errorf("Sign --version 40 = %v, want version 40", m)
	}
	if v, err := trust.PreviousVersion(dir); v != 40 || err != nil {
		t.Errorf("PreviousVersion = %d, %v; want 40", v, err)
	}
	if _, err := trust.Sign(context.Background(), dir, key, trust.SignOptions{Version: 40}); err == nil ||
		!strings.Contains(err.Error(), "version 40 is not above version 40 signed in") {
		t.Errorf("Sign --version 40 again = %v, want a refusal", err)
	}
	if _, err := trust.Sign(context.Background(), dir, key, trust.SignOptions{Expires: now.Add(-time.Hour)}); err == nil {
		t.Error("Sign with an expiry in the past = nil error")
	}
}

func TestVerifyRefuses(t *testing.T) {
	dir, key := built(t)
	pub := key.Public().(ed25519.PublicKey)
	if _, err := trust.Sign(context.Background(), dir, key, trust.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	env := readEnvelope(t, dir)
	if _, err := env.Verify(otherPub); !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), trust.Short(trust.Fingerprint(pub))) {
		t.Errorf("Verify(other key) = %v, want ErrSignature naming the signing key", err)
	}
	tampered := *env
	tampered.Signed = strings.Replace(env.Signed, `"version":1`, `"version":9`, 1)
	if _, err := tampered.Verify(pub); !errors.Is(err, trust.ErrSignature) {
		t.Errorf("Verify(document changed) = %v, want ErrSignature", err)
	}
	tampered = *env
	tampered.Signatures = []trust.Signature{{KeyID: env.Signatures[0].KeyID, Sig: "AAAA"}}
	if _, err := tampered.Verify(pub); !errors.Is(err, trust.ErrSignature) {
		t.Errorf("Verify(signature replaced) = %v, want ErrSignature", err)
	}
	tampered.Signatures = nil
	if _, err := tampered.Verify(pub); !errors.Is(err, trust.ErrSignature) {
		t.Errorf("Verify(no signature) = %v, want ErrSignature", err)
	}
	for _, bad := range []string{`{}`, `[]`, `{"signed": "x", "signatures": [], "extra": 1}`} {
		if _, err := trust.ParseEnvelope([]byte(bad)); !errors.Is(err, trust.ErrEnvelope) {
			t.Errorf("ParseEnvelope(%s) = %v, want ErrEnvelope", bad, err)
		}
	}
}

// TestSignRefusesInconsistentIndex: an index whose entry no longer
// matches its sha256 is not signed.
func TestSignRefusesInconsistentIndex(t *testing.T) {
	dir, key := built(t)
	p := filepath.Join(dir, index.NativeFile)
	data, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(data, []byte(`"name": "hdfs"`), []byte(`"name": "hdfx"`), 1), 0o644)
	if _, err := trust.Sign(context.Background(), dir, key, trust.SignOptions{}); !errors.Is(err, index.ErrDigest) {
		t.Errorf("Sign(inconsistent index) = %v, want ErrDigest", err)
	}
	if _, err := os.Stat(filepath.Join(dir, trust.SignatureFile)); err == nil {
		t.Error("a refused Sign wrote the envelope")
	}
}

func TestState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "seen.json")
	s := trust.OpenState(path)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	v7 := &trust.Metadata{Version: 7}
	if _, err := s.Check("k", v7, "h7"); err != nil {
		t.Fatalf("Check on empty state = %v", err)
	}
	if err := s.Record("k", v7, "h7", day); err != nil {
		t.Fatal(err)
	}
	s = trust.OpenState(path) // read back from the file
	if _, err := s.Check("k", v7, "h7"); err != nil {
		t.Errorf("Check(same version, same content) = %v", err)
	}
	if _, err := s.Check("k", &trust.Metadata{Version: 4}, "h4"); !errors.Is(err, trust.ErrRollback) ||
		!strings.Contains(err.Error(), "version 4, older than version 7 seen on 2026-11-20") {
		t.Errorf("Check(version 4 after 7) = %v, want ErrRollback", err)
	}
	if _, err := s.Check("k", v7, "other"); !errors.Is(err, trust.ErrConflict) {
		t.Errorf("Check(version 7, other content) = %v, want ErrConflict", err)
	}
	if _, err := s.Check("other repository", &trust.Metadata{Version: 1}, "h"); err != nil {
		t.Errorf("Check(another repository) = %v", err)
	}
	s.Record("k", &trust.Metadata{Version: 3}, "h3", day)
	data, _ := os.ReadFile(path)
	var all map[string]trust.Seen
	if err := json.Unmarshal(data, &all); err != nil || all["k"].Version != 7 {
		t.Errorf("state after recording an older version = %s (%v), want version 7 kept", data, err)
	}
}
