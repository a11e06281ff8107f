package remote_test

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/remote"
	"github.com/universe-pm/universe/repo/trust"
)

// benchCorpus serves the Universe corpus, built and signed, and returns
// a client with it fetched into its cache, for the source signed or not.
func benchCorpus(b *testing.B, signed bool) (*remote.Client, remote.Source) {
	b.Helper()
	corpus := sharedtest.Corpus(b)
	out := filepath.Join(b.TempDir(), "out")
	if _, err := index.BuildFS(context.Background(), os.DirFS(corpus), out, index.Options{}); err != nil {
		b.Fatal(err)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	if _, err := trust.Sign(context.Background(), out, key, trust.SignOptions{}); err != nil {
		b.Fatal(err)
	}
	ts, _ := serveDir(b, out)
	src := remote.Source{Name: "corpus", URL: ts.URL + "/repo"}
	if signed {
		pemKey, _ := trust.MarshalPublicKey(pub)
		src.PublicKey = string(pemKey)
	}
	dir := b.TempDir()
	c := remote.New(remote.Options{CacheDir: dir, StateFile: filepath.Join(dir, "state.json"), TTL: time.Hour})
	if _, err := c.Open(context.Background(), src); err != nil {
		b.Fatal(err)
	}
	return c, src
}

// benchDescribe is what describe does with a repository: open it from the
// fresh cache and read the newest revision of one package.
func benchDescribe(b *testing.B, signed bool) {
	c, src := benchCorpus(b, signed)
	ctx := context.Background()
	for b.Loop() {
		r, err := c.Open(ctx, src)
		if err != nil {
			b.Fatal(err)
		}
		rs, err := r.Releases(ctx, "cassandra")
		if err != nil || len(rs) == 0 {
			b.Fatal(rs, err)
		}
		if _, err := r.Revision(ctx, "cassandra", rs[len(rs)-1].Release); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribeCachedUnsigned and BenchmarkDescribeCachedSigned
// compare the cost of a describe on the corpus repository without and
// with signature verification (envelope, cached digests, revision
// digest).
func BenchmarkDescribeCachedUnsigned(b *testing.B) { benchDescribe(b, false) }

func BenchmarkDescribeCachedSigned(b *testing.B) { benchDescribe(b, true) }

// benchFetch fetches the whole corpus repository (index.json over HTTP,
// decoded, verified, cached), signed or not.
func benchFetch(b *testing.B, signed bool) {
	_, src := benchCorpus(b, signed)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		dir, err := os.MkdirTemp(b.TempDir(), "cache")
		if err != nil {
			b.Fatal(err)
		}
		c := remote.New(remote.Options{CacheDir: dir, StateFile: filepath.Join(dir, "state.json")})
		b.StartTimer()
		if _, err := c.Open(ctx, src); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}

// BenchmarkFetchUnsigned and BenchmarkFetchSigned compare fetching the
// corpus repository without and with verification.
func BenchmarkFetchUnsigned(b *testing.B) { benchFetch(b, false) }

func BenchmarkFetchSigned(b *testing.B) { benchFetch(b, true) }
