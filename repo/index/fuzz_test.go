package index_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo/index"
)

// FuzzDecode decodes arbitrary bytes as an index and turns its entries
// into packages: nothing panics; every failure wraps ErrSyntax or
// ErrTooManyEntries; an index encoding/json accepts decodes to the entries
// encoding/json sees, each Raw being that entry's exact text; Verify and
// Package accept or refuse an entry without panicking. Seeds are the
// built-in repository's native and Cosmos indexes and the corpus's
// smallest Cosmos file.
func FuzzDecode(f *testing.F) {
	out := filepath.Join(f.TempDir(), "out")
	if _, err := index.Build(context.Background(), loadBuiltin(f), out, index.Options{Now: fixedNow}); err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{index.NativeFile, "universe.json", "repo-up-to-1.9.json"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if p, ok := sharedtest.Lookup("corpus", "universe-index", "repo-up-to-1.8.json.gz"); ok {
		if data, err := gunzip(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"packages": [{"name": "a", "releaseVersion": 1, "version": "1.0.0"}], "packages": []}`))
	f.Add([]byte(`{"packages": [{"name": "", "releaseVersion": 0}]}`))
	f.Add([]byte(`{"packages": [{"name": "b", "releaseVersion": "x", "tags": [1, "t"], "marathon": {"v2AppMustacheTemplate": "e30="}, "sha256": ""}]}`))
	f.Add([]byte(`{"version": "v6", "packages": [{"x": [}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := index.Decode(data)
		var std struct{ Packages []json.RawMessage }
		var top map[string]json.RawMessage // exact keys, unlike a struct's
		stdErr := json.Unmarshal(data, &top)
		if stdErr == nil {
			stdErr = json.Unmarshal(top["packages"], &std.Packages)
		}
		dup := bytes.Count(data, []byte(`"packages"`)) > 1
		if err != nil {
			if !errors.Is(err, index.ErrSyntax) && !errors.Is(err, index.ErrTooManyEntries) {
				t.Fatalf("Decode: %v wraps neither ErrSyntax nor ErrTooManyEntries", err)
			}
			if stdErr == nil && std.Packages != nil && allObjects(std.Packages) && !dup && len(std.Packages) <= index.MaxEntries {
				t.Fatalf("Decode(%q) = %v, but encoding/json reads %d entries", data, err, len(std.Packages))
			}
			return
		}
		if stdErr == nil && !dup {
			if len(ix.Entries) != len(std.Packages) {
				t.Fatalf("Decode(%q): %d entries, encoding/json %d", data, len(ix.Entries), len(std.Packages))
			}
			for i, e := range ix.Entries {
				checkEntry(t, e, std.Packages[i])
			}
		}
		byName := map[string][]index.Entry{}
		for _, e := range ix.Entries {
			if err := e.Verify(); err == nil && e.SHA256 == "" {
				t.Fatalf("Verify accepted an entry without sha256: %s", e.Raw)
			}
			byName[e.Name] = append(byName[e.Name], e)
		}
		for name, entries := range byName {
			p, err := index.Package(context.Background(), name, entries)
			if err == nil && (p.Name != name || len(p.Revisions) == 0 || len(p.Revisions) > len(entries)) {
				t.Fatalf("Package(%q) = %s with %d revisions from %d entries", name, p.Name, len(p.Revisions), len(entries))
			}
		}
	})
}

func allObjects(l []json.RawMessage) bool {
	for _, r := range l {
		if t := bytes.TrimLeft(r, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return false
		}
	}
	return true
}

// checkEntry compares a decoded entry with encoding/json's view of its text.
func checkEntry(t *testing.T, e index.Entry, raw json.RawMessage) {
	t.Helper()
	if !bytes.Equal(e.Raw, raw) {
		t.Fatalf("entry Raw = %q, encoding/json %q", e.Raw, raw)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("entry %s: %v", raw, err)
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(m[k], &s)
		return s
	}
	var n json.Number
	_ = json.Unmarshal(m["releaseVersion"], &n)
	rel, _ := strconv.Atoi(n.String())
	if e.Name != str("name") || e.Version != str("version") || e.PackagingVersion != str("packagingVersion") ||
		e.Description != str("description") || e.SHA256 != str("sha256") || e.Release != rel {
		t.Fatalf("entry %s decoded as %+v", raw, e)
	}
}

func gunzip(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
