package index_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
)

// BenchmarkBuildCorpus loads the whole Universe corpus and writes every
// output file (the reference generator: 20.4 s, 282 MB on 2 cores).
func BenchmarkBuildCorpus(b *testing.B) {
	corpus := sharedtest.Corpus(b)
	out := filepath.Join(b.TempDir(), "out")
	for b.Loop() {
		tree, err := repo.Load(context.Background(), os.DirFS(corpus))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := index.Build(context.Background(), tree, out, index.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeUniverse decodes the 30 MB universe.json (Python's
// json.load: 0.19 s).
func BenchmarkDecodeUniverse(b *testing.B) {
	data := universeJSON(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ix, err := index.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(ix.Entries) != 1235 {
			b.Fatalf("%d entries", len(ix.Entries))
		}
	}
}

// BenchmarkParseUniverse fully decodes universe.json into ordered values,
// every member of every entry (what json.load does).
func BenchmarkParseUniverse(b *testing.B) {
	data := universeJSON(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := index.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func universeJSON(b *testing.B) []byte {
	p := filepath.Join(sharedtest.Dir(b, "corpus", "universe-index"), "universe.json.gz")
	raw, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkBuildFSCorpus is what 'universe repo build --no-validate' does:
// read the corpus revision by revision and write every output file.
func BenchmarkBuildFSCorpus(b *testing.B) {
	corpus := sharedtest.Corpus(b)
	out := filepath.Join(b.TempDir(), "out")
	for b.Loop() {
		if _, err := index.BuildFS(context.Background(), os.DirFS(corpus), out, index.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
