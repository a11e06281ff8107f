package remote_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/remote"
	"github.com/universe-pm/universe/repo/trust"
)

// signedFixture is a signed repository served over HTTP and a client that
// trusts its key.
type signedFixture struct {
	dir  string
	key  ed25519.PrivateKey
	pub  ed25519.PublicKey
	src  remote.Source
	now  time.Time
	c    *remote.Client
	srv  *counting
	fp   string
	tree fstest.MapFS
}

// packageTree copies the built-in packages into a MapFS, so that tests
// can build generations that differ.
func packageTree(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(packages.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(packages.FS(), p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// buildSigned builds tree into dir and signs it (version 0 = next).
func (f *signedFixture) buildSigned(t *testing.T, tree fs.FS, dir string, opts trust.SignOptions) *trust.Metadata {
	t.Helper()
	var m *trust.Metadata
	_, err := index.BuildFS(context.Background(), tree, dir, index.Options{
		Now: func() time.Time { return f.now },
		Finish: func(ctx context.Context, tmp string) error {
			prev, _ := trust.PreviousVersion(dir)
			opts.Previous = prev
			if opts.Now == nil {
				opts.Now = func() time.Time { return f.now }
			}
			var err error
			m, err = trust.Sign(ctx, tmp, f.key, opts)
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newSigned(t *testing.T) *signedFixture {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &signedFixture{key: priv, pub: pub, fp: trust.Fingerprint(pub), now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		tree: packageTree(t)}
	f.dir = filepath.Join(t.TempDir(), "repo")
	f.buildSigned(t, f.tree, f.dir, trust.SignOptions{})
	ts, srv := serveDir(t, f.dir)
	f.srv = srv
	pemKey, _ := trust.MarshalPublicKey(pub)
	f.src = remote.Source{Name: "corp", URL: ts.URL + "/repo", PublicKey: string(pemKey)}
	f.c = f.client(t)
	return f
}

func (f *signedFixture) client(t *testing.T) *remote.Client {
	dir := t.TempDir()
	return remote.New(remote.Options{CacheDir: dir, StateFile: filepath.Join(dir, "state.json"),
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Retries: 1,
		Now: func() time.Time { return f.now }})
}

// wantRefused checks that err is a *TrustError wrapping target whose
// message has every part of want.
func wantRefused(t *testing.T, what string, err, target error, want ...string) {
	t.Helper()
	var te *remote.TrustError
	if !errors.As(err, &te) || !errors.Is(err, target) {
		t.Fatalf("%s = %v, want a TrustError wrapping %v", what, err, target)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s = %q\nlacks %q", what, err, w)
		}
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSignedRoundTrip(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	r, err := f.c.Open(ctx, f.src)
	if err != nil {
		t.Fatal(err)
	}
	if r.Signed == nil || r.Signed.Version != 1 || r.KeyFingerprint != f.fp {
		t.Fatalf("Open(signed) = Signed %+v, key %s; want version 1 with key %s", r.Signed, r.KeyFingerprint, f.fp)
	}
	p, err := r.Package(ctx, "hdfs")
	if err != nil || len(p.Revisions) != 3 {
		t.Fatalf("Package(hdfs) = %v, %v", p, err)
	}
	if rev, err := r.Revision(ctx, "zookeeper", 300); err != nil || rev.Release != 300 {
		t.Errorf("Revision(zookeeper, 300) = %v, %v", rev, err)
	}
	if p, err := f.c.FetchPackage(ctx, r, "spark"); err != nil || len(p.Revisions) == 0 {
		t.Errorf("FetchPackage(spark) = %v, %v", p, err)
	}
	// Within the TTL the cache answers, verified, without a request.
	n := f.srv.requests.Load()
	if r, err := f.c.Open(ctx, f.src); err != nil || r.Signed == nil || f.srv.requests.Load() != n {
		t.Errorf("Open again = %v (%d requests), want the verified cache and no request", err, f.srv.requests.Load()-n)
	}
	// After the TTL, an unchanged signature means an unchanged index:
	// only the envelope is fetched.
	f.now = f.now.Add(time.Hour)
	if r, err := f.c.Open(ctx, f.src); err != nil || r.Signed == nil || f.srv.requests.Load() != n+1 {
		t.Errorf("Open after the TTL = %v (%d requests), want 1 request", err, f.srv.requests.Load()-n)
	}
	// A client that does not trust a key reads the same repository as
	// unsigned.
	plain := f.src
	plain.PublicKey = ""
	if r, err := f.client(t).Open(ctx, plain); err != nil || r.Signed != nil {
		t.Errorf("Open(unsigned source) = %v, %v; want an unverified repository", r, err)
	}
}

func TestSignedWrongKey(t *testing.T) {
	f := newSigned(t)
	other, _, _ := ed25519.GenerateKey(nil)
	pemKey, _ := trust.MarshalPublicKey(other)
	src := f.src
	src.PublicKey = string(pemKey)
	_, err := f.c.Open(context.Background(), src)
	wantRefused(t, "Open(wrong key)", err, trust.ErrSignature,
		"index signature does not verify with key "+trust.Short(trust.Fingerprint(other)), "refusing repository 'corp'",
		"signed by key "+trust.Short(f.fp))
}

func TestSignedUnsignedServer(t *testing.T) {
	f := newSigned(t)
	os.Remove(filepath.Join(f.dir, trust.SignatureFile))
	_, err := f.c.Open(context.Background(), f.src)
	wantRefused(t, "Open(no signature served)", err, trust.ErrSignature, "repository 'corp' serves no signature")
}

// TestSignedTamperedIndex: an index.json changed on the server, even one
// consistent in itself (entries and digest recomputed, as an attacker
// would), is refused for not matching the signature.
func TestSignedTamperedIndex(t *testing.T) {
	f := newSigned(t)
	tree := packageTree(t)
	p := "H/hdfs/300/marathon.json.mustache"
	tree[p] = &fstest.MapFile{Data: bytes.Replace(tree[p].Data, []byte("{"), []byte(`{"evil": 1, `), 1)}
	other := filepath.Join(t.TempDir(), "evil")
	if _, err := index.BuildFS(context.Background(), tree, other, index.Options{Now: func() time.Time { return f.now }}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(other, index.NativeFile))
	write(t, filepath.Join(f.dir, index.NativeFile), data)
	_, err := f.c.Open(context.Background(), f.src)
	wantRefused(t, "Open(tampered index.json)", err, trust.ErrFileDigest,
		"index.json of repository 'corp' does not match its signed index version 1", "refusing")
}

// TestSignedTamperedPackageFile: a package file changed on the server is
// refused by FetchPackage.
func TestSignedTamperedPackageFile(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	r, err := f.c.Open(ctx, f.src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(f.dir, "v6", "package", "hdfs.json")
	data, _ := os.ReadFile(p)
	write(t, p, bytes.Replace(data, []byte(`"description": "`), []byte(`"description": "x`), 1))
	_, err = f.c.FetchPackage(ctx, r, "hdfs")
	wantRefused(t, "FetchPackage(tampered file)", err, trust.ErrFileDigest,
		"package file v6/package/hdfs.json of repository 'corp' does not match the signed index version 1")
}

// TestSignedMixedGenerations: files of build N and N-1 served together
// are refused, whichever is the older.
func TestSignedMixedGenerations(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	old := filepath.Join(t.TempDir(), "old")
	if err := os.CopyFS(old, os.DirFS(f.dir)); err != nil {
		t.Fatal(err)
	}
	p := "H/hdfs/300/package.json"
	f.tree[p] = &fstest.MapFile{Data: bytes.Replace(f.tree[p].Data, []byte(`"description": "`), []byte(`"description": "New. `), 1)}
	f.now = f.now.Add(time.Hour)
	if m := f.buildSigned(t, f.tree, f.dir, trust.SignOptions{}); m.Version != 2 {
		t.Fatalf("second build signed version %d, want 2", m.Version)
	}
	r, err := f.c.Open(ctx, f.src)
	if err != nil || r.Signed.Version != 2 {
		t.Fatalf("Open(generation 2) = %v, %v", r, err)
	}
	// The package file of generation 1 beside the index of generation 2.
	split := filepath.Join("v6", "package", "hdfs.json")
	newSplit, _ := os.ReadFile(filepath.Join(f.dir, split))
	oldSplit, _ := os.ReadFile(filepath.Join(old, split))
	write(t, filepath.Join(f.dir, split), oldSplit)
	_, err = f.c.FetchPackage(ctx, r, "hdfs")
	wantRefused(t, "FetchPackage(package file of generation 1)", err, trust.ErrFileDigest, "files from different generations")
	write(t, filepath.Join(f.dir, split), newSplit)
	if _, err := f.c.FetchPackage(ctx, r, "hdfs"); err != nil {
		t.Errorf("FetchPackage(generation 2) = %v", err)
	}
	// The index of generation 1 beside the signature of generation 2.
	oldIndex, _ := os.ReadFile(filepath.Join(old, index.NativeFile))
	write(t, filepath.Join(f.dir, index.NativeFile), oldIndex)
	_, err = f.client(t).Open(ctx, f.src)
	wantRefused(t, "Open(index of generation 1, signature of 2)", err, trust.ErrFileDigest, "files from different generations")
}

// TestSignedRollback: after version 2, the server going back to version 1
// (a replayed older signed repository) is refused, and the cached
// version 2 is not silently used instead.
func TestSignedRollback(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	old := filepath.Join(t.TempDir(), "old")
	if err := os.CopyFS(old, os.DirFS(f.dir)); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(24 * time.Hour)
	f.buildSigned(t, f.tree, f.dir, trust.SignOptions{})
	if r, err := f.c.Open(ctx, f.src); err != nil || r.Signed.Version != 2 {
		t.Fatalf("Open(version 2) = %v, %v", r, err)
	}
	os.RemoveAll(f.dir)
	if err := os.CopyFS(f.dir, os.DirFS(old)); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	_, err := f.c.Open(ctx, f.src)
	wantRefused(t, "Open(version 1 after 2)", err, trust.ErrRollback,
		"repository 'corp' offers index version 1, older than version 2 seen on 2026-11-21: refusing a rollback")
}

func TestSignedExpired(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	f.buildSigned(t, f.tree, f.dir, trust.SignOptions{ExpiresIn: 2 * time.Hour})
	if _, err := f.c.Open(ctx, f.src); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(3 * time.Hour)
	_, err := f.c.Open(ctx, f.src)
	wantRefused(t, "Open(expired)", err, trust.ErrExpired, "signed index of 'corp' (version 2, key "+trust.Short(f.fp)+") expired on 2026-11-20T11:00:00Z")
	// Within the TTL, the expired cached copy is refused too.
	f.now = f.now.Add(time.Second)
	if _, err := f.c.Open(ctx, f.src); !errors.Is(err, trust.ErrExpired) {
		t.Errorf("Open(expired, again) = %v, want ErrExpired", err)
	}
}

// TestSignedSameVersionDifferentContent: a version signed twice with
// different content is refused.
func TestSignedSameVersionDifferentContent(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	if _, err := f.c.Open(ctx, f.src); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	f.buildSigned(t, f.tree, f.dir, trust.SignOptions{Version: 1})
	_, err := f.c.Open(ctx, f.src)
	wantRefused(t, "Open(version 1 signed again)", err, trust.ErrConflict,
		"repository 'corp' offers index version 1 with content different from the version 1 seen on 2026-11-20")
}

// TestSignedTamperedCache: a cached package changed on disk (consistent
// in itself) is refused; a cache whose digests no longer match the
// signature is fetched again.
func TestSignedTamperedCache(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	cacheDir := t.TempDir()
	c := remote.New(remote.Options{CacheDir: cacheDir, StateFile: filepath.Join(cacheDir, "state.json"), Now: func() time.Time { return f.now }})
	if _, err := c.Open(ctx, f.src); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(cacheDir, "repos", "*", "packages", "hdfs.json"))
	if len(matches) != 1 {
		t.Fatalf("cached hdfs.json: %v", matches)
	}
	data, _ := os.ReadFile(matches[0])
	ix, err := index.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	// Change a revision's content and give it a matching sha256 member, as
	// someone with write access to the cache could.
	e := ix.Entries[0]
	changed := bytes.Replace(e.Raw, []byte(`"description": "`), []byte(`"description": "evil `), 1)
	sum, err := index.Sum(changed)
	if err != nil {
		t.Fatal(err)
	}
	changed = bytes.Replace(changed, []byte(e.SHA256), []byte(sum), 1)
	write(t, matches[0], bytes.Replace(data, e.Raw, changed, 1))

	r, err := c.Open(ctx, f.src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Package(ctx, "hdfs")
	wantRefused(t, "Package(tampered cache)", err, index.ErrDigest,
		"package hdfs release 100 of repository 'corp' has sha256", "the signed index (version 1, key "+trust.Short(f.fp)+")")
	if _, err := r.Revision(ctx, "hdfs", 100); !errors.Is(err, index.ErrDigest) {
		t.Errorf("Revision(tampered cache) = %v, want ErrDigest", err)
	}
	rs, _ := r.Releases(ctx, "hdfs")
	if len(rs) != 2 {
		t.Errorf("Releases(tampered cache) = %v, want the 2 signed ones", rs)
	}

	// A summary whose sha256 is not the signed one is not listed.
	summary := filepath.Join(filepath.Dir(filepath.Dir(matches[0])), "summary.json")
	sj, _ := os.ReadFile(summary)
	write(t, summary, bytes.Replace(sj, []byte(e.SHA256), []byte(sum), 1))
	r, err = c.Open(ctx, f.src)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := r.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		if s.Name == "hdfs" && s.Release == 100 {
			t.Error("Summaries lists a revision whose cached sha256 is not signed")
		}
	}

	// Digests changed to match the tampered package: the cache no longer
	// hashes to the signed digest, so it is fetched again.
	digests := filepath.Join(filepath.Dir(filepath.Dir(matches[0])), "digests.json")
	dj, _ := os.ReadFile(digests)
	write(t, digests, bytes.Replace(dj, []byte(e.SHA256), []byte(sum), 1))
	n := f.srv.requests.Load()
	r, err = c.Open(ctx, f.src)
	if err != nil {
		t.Fatal(err)
	}
	if f.srv.requests.Load() <= n {
		t.Error("a cache that does not verify was used without fetching again")
	}
	if p, err := r.Package(ctx, "hdfs"); err != nil || len(p.Revisions) != 3 {
		t.Errorf("Package(hdfs) after refetching = %v, %v", p, err)
	}
}

func TestFetchKey(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	for _, fp := range []string{f.fp, f.fp[:16]} {
		if pub, err := f.c.FetchKey(ctx, f.src.URL, fp); err != nil || !pub.Equal(f.pub) {
			t.Errorf("FetchKey(%s) = %v, %v", fp, pub, err)
		}
	}
	wrong := strings.Repeat("0", 16)
	if _, err := f.c.FetchKey(ctx, f.src.URL, wrong); err == nil || !strings.Contains(err.Error(), "not the trusted fingerprint "+wrong) {
		t.Errorf("FetchKey(wrong fingerprint) = %v", err)
	}
	if _, err := f.c.FetchKey(ctx, f.src.URL, f.fp[:15]); err == nil {
		t.Error("FetchKey(15 hex digits) = nil error")
	}
}

// TestSignedStale: when the server fails, a verified cached copy is used
// (marked stale) until its signature expires; then the repository is
// refused.
func TestSignedStale(t *testing.T) {
	f := newSigned(t)
	ctx := context.Background()
	f.buildSigned(t, f.tree, f.dir, trust.SignOptions{ExpiresIn: 48 * time.Hour})
	if _, err := f.c.Open(ctx, f.src); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(f.dir) // the server answers 500 from now on
	f.now = f.now.Add(time.Hour)
	r, err := f.c.Open(ctx, f.src)
	if err != nil || r.Stale == nil || r.Signed == nil || r.Signed.Version != 2 {
		t.Fatalf("Open(server down) = %+v, %v; want the verified cache, stale", r, err)
	}
	if _, err := r.Revision(ctx, "hdfs", 300); err != nil {
		t.Errorf("Revision from the stale cache = %v", err)
	}
	f.now = f.now.Add(72 * time.Hour)
	if r, err := f.c.Open(ctx, f.src); !errors.Is(err, trust.ErrExpired) || !strings.Contains(err.Error(), "server answered 500") {
		t.Errorf("Open(server down, cache expired) = %+v, %v; want the server's failure and the expiry", r, err)
	}
}

// TestSignedEndlessData: a server that sends more than the signed size of
// index.json (TUF's endless-data attack) is cut off at that size, not at
// Options.MaxSize, and refused as a file that does not match.
func TestSignedEndlessData(t *testing.T) {
	f := newSigned(t)
	p := filepath.Join(f.dir, index.NativeFile)
	data, _ := os.ReadFile(p)
	write(t, p, append(data, bytes.Repeat([]byte(" "), 4<<20)...))
	_, err := f.c.Open(context.Background(), f.src)
	wantRefused(t, "Open(index.json padded past its signed size)", err, trust.ErrFileDigest,
		fmt.Sprintf("more than the signed %d bytes", len(data)), "refusing the repository")
}
