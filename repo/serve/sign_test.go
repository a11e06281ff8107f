package serve_test

import (
	"context"
	"crypto/ed25519"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/universe-pm/universe/repo/trust"
)

// TestServesSignature: the envelope and the public key written by
// trust.Sign are served under their names, the envelope revalidated on
// every use; nothing else beside them is.
func TestServesSignature(t *testing.T) {
	ts, dir := newServer(t)
	_, key, _ := ed25519.GenerateKey(nil)
	if _, err := trust.Sign(context.Background(), dir, key, trust.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, file, ctype, cache string }{
		{"/" + trust.SignatureFile, trust.SignatureFile, "application/json", "no-cache"},
		{"/" + trust.KeyFile, trust.KeyFile, "application/x-pem-file", "public, max-age=60"},
	} {
		resp := get(t, ts.URL+c.path, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, _ := os.ReadFile(filepath.Join(dir, c.file))
		if resp.StatusCode != 200 || string(body) != string(want) {
			t.Errorf("GET %s = %d, %d bytes; want 200 and the file (%d bytes)", c.path, resp.StatusCode, len(body), len(want))
		}
		if got := resp.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("GET %s Content-Type = %q, want %q", c.path, got, c.ctype)
		}
		if got := resp.Header.Get("Cache-Control"); got != c.cache {
			t.Errorf("GET %s Cache-Control = %q, want %q", c.path, got, c.cache)
		}
	}
	os.WriteFile(filepath.Join(dir, "secret.key"), []byte("x"), 0o600)
	if resp := get(t, ts.URL+"/secret.key", nil); resp.StatusCode != 404 {
		t.Errorf("GET /secret.key = %d, want 404", resp.StatusCode)
	}
}
