package trust_test

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/trust"
)

// corpusRepo builds the Universe corpus (185 packages, 1,235 revisions)
// into a repository and signs it once.
func corpusRepo(b *testing.B) (string, ed25519.PrivateKey) {
	b.Helper()
	corpus := sharedtest.Corpus(b)
	out := filepath.Join(b.TempDir(), "out")
	if _, err := index.BuildFS(context.Background(), os.DirFS(corpus), out, index.Options{}); err != nil {
		b.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	if _, err := trust.Sign(context.Background(), out, key, trust.SignOptions{}); err != nil {
		b.Fatal(err)
	}
	return out, key
}

// BenchmarkSignCorpus signs the corpus repository: checks its native
// index, hashes every file (282 MB, most of them hard links) and writes
// the envelope.
func BenchmarkSignCorpus(b *testing.B) {
	dir, key := corpusRepo(b)
	for b.Loop() {
		if _, err := trust.Sign(context.Background(), dir, key, trust.SignOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyEnvelopeCorpus decodes and verifies the corpus
// repository's envelope, as a client does on every fetch and every use of
// its cache.
func BenchmarkVerifyEnvelopeCorpus(b *testing.B) {
	dir, key := corpusRepo(b)
	data, err := os.ReadFile(filepath.Join(dir, trust.SignatureFile))
	if err != nil {
		b.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		e, err := trust.ParseEnvelope(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Verify(pub); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyIndexCorpus is what a client does with a fetched corpus
// index.json: check it against its signed digest, decode it and verify
// every entry's sha256 and the index digest.
func BenchmarkVerifyIndexCorpus(b *testing.B) {
	dir, key := corpusRepo(b)
	data, err := os.ReadFile(filepath.Join(dir, index.NativeFile))
	if err != nil {
		b.Fatal(err)
	}
	env, _ := os.ReadFile(filepath.Join(dir, trust.SignatureFile))
	e, _ := trust.ParseEnvelope(env)
	m, err := e.Verify(key.Public().(ed25519.PublicKey))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := m.Check(index.NativeFile, data); err != nil {
			b.Fatal(err)
		}
		ix, err := index.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		if err := index.VerifyAll(ix); err != nil {
			b.Fatal(err)
		}
	}
}
