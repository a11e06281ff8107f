package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

// sharedDir is ../shared seen from the module root.
const sharedDir = "../../shared"

var (
	corpusDir         = filepath.Join(sharedDir, "corpus", "universe", "packages")
	universeSchemaDir = filepath.Join(sharedDir, "corpus", "universe", "schema")
)

// requireCorpus skips the test when the shared corpus is absent.
func requireCorpus(tb testing.TB) {
	tb.Helper()
	for _, dir := range []string{corpusDir, universeSchemaDir} {
		if _, err := os.Stat(dir); err != nil {
			tb.Skipf("../shared/corpus not present: %s is needed by this test (%v)", dir, err)
		}
	}
}

// decodeJSON decodes data the way callers of Validate are expected to.
func decodeJSON(tb testing.TB, data []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decoding JSON: %v", err)
	}
	return v
}

func readJSON(tb testing.TB, path string) any {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return decodeJSON(tb, data)
}

// revision is one package revision of the corpus, decoded.
type revision struct {
	dir   string         // relative to corpusDir, e.g. "C/cassandra/3"
	files map[string]any // "package.json" etc. to decoded document; absent files are absent
}

func (r revision) packagingVersion() string {
	pv, _ := r.files["package.json"].(map[string]any)["packagingVersion"].(string)
	return pv
}

var (
	corpusOnce sync.Once
	corpusRevs []revision
	corpusErr  error
	corpusSize int64
)

// loadCorpus reads and decodes every revision's JSON files once per test binary.
func loadCorpus(tb testing.TB) []revision {
	tb.Helper()
	requireCorpus(tb)
	corpusOnce.Do(func() {
		dirs, err := filepath.Glob(filepath.Join(corpusDir, "*", "*", "*"))
		if err != nil {
			corpusErr = err
			return
		}
		sort.Strings(dirs)
		for _, dir := range dirs {
			rel, _ := filepath.Rel(corpusDir, dir)
			rev := revision{dir: filepath.ToSlash(rel), files: map[string]any{}}
			for _, name := range []string{"package.json", "config.json", "resource.json", "command.json"} {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					corpusErr = err
					return
				}
				corpusSize += int64(len(data))
				dec := json.NewDecoder(bytes.NewReader(data))
				dec.UseNumber()
				var v any
				if err := dec.Decode(&v); err != nil {
					corpusErr = err
					return
				}
				rev.files[name] = v
			}
			corpusRevs = append(corpusRevs, rev)
		}
	})
	if corpusErr != nil {
		tb.Fatalf("loading corpus: %v", corpusErr)
	}
	return corpusRevs
}

// universe holds Universe's own schemas, compiled the way Universe's
// validator sees them: draft 04 and no format checker, that is with every
// "format" keyword removed (gojsonschema would otherwise check "uri" and
// "regex" formats that Universe never checks).
type universe struct {
	pkg, config, resourceV2, resourceV3, command *gojsonschema.Schema
}

var (
	universeOnce sync.Once
	universeVal  *universe
	universeErr  error
)

func loadUniverse(tb testing.TB) *universe {
	tb.Helper()
	requireCorpus(tb)
	universeOnce.Do(func() {
		u := &universe{}
		for name, dst := range map[string]**gojsonschema.Schema{
			"package-schema.json":     &u.pkg,
			"config-schema.json":      &u.config,
			"v2-resource-schema.json": &u.resourceV2,
			"v3-resource-schema.json": &u.resourceV3,
			"command-schema.json":     &u.command,
		} {
			data, err := os.ReadFile(filepath.Join(universeSchemaDir, name))
			if err != nil {
				universeErr = err
				return
			}
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var doc any
			if err := dec.Decode(&doc); err != nil {
				universeErr = err
				return
			}
			stripFormat(doc)
			sl := gojsonschema.NewSchemaLoader()
			sl.Draft = gojsonschema.Draft4
			sl.AutoDetect = false
			*dst, err = sl.Compile(gojsonschema.NewGoLoader(doc))
			if err != nil {
				universeErr = err
				return
			}
		}
		universeVal = u
	})
	if universeErr != nil {
		tb.Fatalf("loading Universe's schemas: %v", universeErr)
	}
	return universeVal
}

// stripFormat deletes the "format" keywords of a schema document.
func stripFormat(v any) {
	switch v := v.(type) {
	case map[string]any:
		if f, ok := v["format"].(string); ok && f != "" {
			delete(v, "format")
		}
		for _, e := range v {
			stripFormat(e)
		}
	case []any:
		for _, e := range v {
			stripFormat(e)
		}
	}
}

// resource returns Universe's resource schema for a packagingVersion, as
// validate_packages.py picks it.
func (u *universe) resource(pv string) *gojsonschema.Schema {
	if pv == "2.0" {
		return u.resourceV2
	}
	return u.resourceV3
}

// universeValid validates doc with one of Universe's schemas.
func universeValid(tb testing.TB, s *gojsonschema.Schema, doc any) (bool, []string) {
	tb.Helper()
	res, err := s.Validate(gojsonschema.NewRawLoader(doc))
	if err != nil {
		tb.Fatalf("Universe schema: %v", err)
	}
	var msgs []string
	for _, e := range res.Errors() {
		msgs = append(msgs, e.String())
	}
	return res.Valid(), msgs
}

// clone deep-copies a decoded JSON document.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = clone(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = clone(e)
		}
		return s
	}
	return v
}

func mustValidate(tb testing.TB, s *Schema, doc any) []Violation {
	tb.Helper()
	vs, err := s.Validate(doc)
	if err != nil {
		tb.Fatalf("%s: Validate: %v", s.Name(), err)
	}
	return vs
}

func join(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n\t")
		b.WriteString(v.String())
	}
	return b.String()
}

// jsonValue decodes a JSON literal, with numbers as json.Number.
func jsonValue(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("jsonValue(%q): %v", s, err))
	}
	return v
}

// edit is one change to a document: set the value at a JSON pointer, or
// delete it when del is true.
type edit struct {
	ptr   string
	value string // JSON text
	del   bool
}

func set(ptr, value string) edit { return edit{ptr: ptr, value: value} }
func del(ptr string) edit        { return edit{ptr: ptr, del: true} }

// apply returns a copy of doc with the edits applied. Setting "" replaces
// the whole document.
func apply(tb testing.TB, doc any, edits ...edit) any {
	tb.Helper()
	doc = clone(doc)
	for _, e := range edits {
		if e.ptr == "" {
			doc = jsonValue(e.value)
			continue
		}
		tokens := strings.Split(e.ptr[1:], "/")
		for i, t := range tokens {
			tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		}
		parent := doc
		for _, t := range tokens[:len(tokens)-1] {
			switch p := parent.(type) {
			case map[string]any:
				parent = p[t]
			case []any:
				i, err := strconv.Atoi(t)
				if err != nil || i >= len(p) {
					tb.Fatalf("edit %q: no element %q", e.ptr, t)
				}
				parent = p[i]
			default:
				tb.Fatalf("edit %q: %q is not in the document", e.ptr, t)
			}
		}
		last := tokens[len(tokens)-1]
		switch p := parent.(type) {
		case map[string]any:
			if e.del {
				if _, ok := p[last]; !ok {
					tb.Fatalf("edit %q: nothing to delete", e.ptr)
				}
				delete(p, last)
			} else {
				p[last] = jsonValue(e.value)
			}
		case []any:
			i, err := strconv.Atoi(last)
			if err != nil || i >= len(p) || e.del {
				tb.Fatalf("edit %q: only existing array elements can be set", e.ptr)
			}
			p[i] = jsonValue(e.value)
		default:
			tb.Fatalf("edit %q: parent is not a container", e.ptr)
		}
	}
	return doc
}

// resolves reports whether a JSON pointer names a value in doc.
func resolves(doc any, ptr string) bool {
	if ptr == "" {
		return true
	}
	if !strings.HasPrefix(ptr, "/") {
		return false
	}
	for _, t := range strings.Split(ptr[1:], "/") {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		switch v := doc.(type) {
		case map[string]any:
			e, ok := v[t]
			if !ok {
				return false
			}
			doc = e
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(v) || strconv.Itoa(i) != t {
				return false
			}
			doc = v[i]
		default:
			return false
		}
	}
	return true
}

// checkPointers reports violations whose pointer is not in doc.
func checkPointers(tb testing.TB, what string, doc any, vs []Violation) {
	tb.Helper()
	for _, v := range vs {
		if !resolves(doc, v.Pointer) {
			tb.Errorf("%s: violation %v: pointer %q is not in the document", what, v, v.Pointer)
		}
	}
}
