package index_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }

// buildCorpus builds the Universe corpus into a temporary directory, from
// a loaded tree (Build) or straight from the files (BuildFS).
func buildCorpus(t *testing.T, fromFS bool) string {
	t.Helper()
	corpus := sharedtest.Corpus(t)
	out := filepath.Join(t.TempDir(), "out")
	var res *index.Result
	var err error
	if fromFS {
		res, err = index.BuildFS(context.Background(), os.DirFS(corpus), out, index.Options{Now: fixedNow})
	} else {
		tree, lerr := repo.Load(context.Background(), os.DirFS(corpus))
		if lerr != nil {
			t.Fatal(lerr)
		}
		res, err = index.Build(context.Background(), tree, out, index.Options{Now: fixedNow})
	}
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(res.Skipped) > 0 {
		t.Errorf("Build skipped %v", res.Skipped)
	}
	return out
}

// readSums reads SHA256SUMS.canonical: "canonical/<file>" (with an
// "(ungzipped)" note for the copied files) → sha256.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, rest, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(rest, "canonical/"), " (ungzipped)")
		sums[name] = sum
	}
	return sums
}

// TestConformanceBytes proves byte identity with the reference generator's
// output (sorted by name and releaseVersion) for every file it writes:
// the 9 index files and the 1,075 split files (the 9 content-type files
// are checked for their 64 bytes). It builds with BuildFS, as the
// command does.
func TestConformanceBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole corpus")
	}
	ref := sharedtest.Dir(t, "corpus", "universe-index")
	out := buildCorpus(t, true)
	sums := readSums(t, filepath.Join(ref, "SHA256SUMS.canonical"))
	if len(sums) < 1000 {
		t.Fatalf("SHA256SUMS.canonical has %d entries, want over 1000", len(sums))
	}
	mismatch := 0
	for name, want := range sums {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Errorf("reference output %s: %v", name, err)
			continue
		}
		s := sha256.Sum256(data)
		if got := hex.EncodeToString(s[:]); got != want {
			mismatch++
			if mismatch <= 10 {
				t.Errorf("sha256(%s) = %s, want %s", name, got, want)
			}
		}
	}
	if mismatch > 0 {
		t.Errorf("%d of %d files differ from the reference", mismatch, len(sums))
	}
	// The reference writes exactly these files besides ours.
	var ours int
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(out, p)
			rel = filepath.ToSlash(rel)
			switch {
			case strings.HasSuffix(rel, ".content_type"):
				data, _ := os.ReadFile(p)
				if len(data) != 64 {
					t.Errorf("%s is %d bytes, want 64", rel, len(data))
				}
			case rel == index.NativeFile || strings.HasPrefix(rel, index.NativeDir+"/"):
			default:
				if _, ok := sums[rel]; !ok {
					t.Errorf("wrote %s, which the reference does not", rel)
				}
			}
			ours++
		}
		return nil
	})
}

// TestConformanceJSON proves JSON equality, entry by entry, with each
// copied reference file, and reports the first differing entry by name.
func TestConformanceJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole corpus")
	}
	ref := sharedtest.Dir(t, "corpus", "universe-index")
	out := buildCorpus(t, false)
	for _, name := range []string{"universe.json", "repo-up-to-1.8.json", "repo-up-to-1.9.json",
		"repo-up-to-1.11.json", "repo-up-to-2.0.json", "repo-empty-v3.json"} {
		t.Run(name, func(t *testing.T) {
			want := readGzipJSON(t, filepath.Join(ref, name+".gz"))
			data, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Packages []any }
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Packages) != len(want.Packages) {
				t.Fatalf("%s has %d entries, want %d", name, len(got.Packages), len(want.Packages))
			}
			for i := range want.Packages {
				if !reflect.DeepEqual(want.Packages[i], got.Packages[i]) {
					t.Errorf("%s entry %d (%s) differs from the reference", name, i, entryName(want.Packages[i]))
				}
			}
		})
	}
}

func entryName(v any) string {
	m, _ := v.(map[string]any)
	return fmt.Sprintf("%v/%v", m["name"], m["releaseVersion"])
}

func readGzipJSON(t *testing.T, path string) struct{ Packages []any } {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Packages []any }
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
