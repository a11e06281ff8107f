package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPackagingVersions(t *testing.T) {
	want := []string{"2.0", "3.0", "4.0", "5.0", "6.0"}
	got := PackagingVersions()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PackagingVersions() mismatch (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if PackagingVersions()[0] != "2.0" {
		t.Error("PackagingVersions() returns a slice that aliases package state")
	}
}

func TestSchemaSelection(t *testing.T) {
	tests := []struct {
		pv, pkg, resource string
	}{
		{"2.0", "package-v2.0.json", "resource-v2.json"},
		{"3.0", "package-v3.0.json", "resource-v3.json"},
		{"4.0", "package-v4.0.json", "resource-v3.json"},
		{"5.0", "package-v5.0.json", "resource-v3.json"},
		{"6.0", "package-v6.0.json", "resource-v3.json"},
	}
	for _, tt := range tests {
		p, err := Package(tt.pv)
		if err != nil || p.Name() != tt.pkg {
			t.Errorf("Package(%q) = %v, %v, want %s", tt.pv, name(p), err, tt.pkg)
		}
		r, err := Resource(tt.pv)
		if err != nil || r.Name() != tt.resource {
			t.Errorf("Resource(%q) = %v, %v, want %s", tt.pv, name(r), err, tt.resource)
		}
	}
	if got := Config().Name(); got != "config.json" {
		t.Errorf("Config().Name() = %q, want config.json", got)
	}
	if got := Command().Name(); got != "command.json" {
		t.Errorf("Command().Name() = %q, want command.json", got)
	}
}

func name(s *Schema) string {
	if s == nil {
		return "<nil>"
	}
	return s.Name()
}

func TestUnknownPackagingVersion(t *testing.T) {
	for _, pv := range []string{"", "1.0", "2", "4.1", "7.0", " 4.0"} {
		for fn, get := range map[string]func(string) (*Schema, error){"Package": Package, "Resource": Resource} {
			s, err := get(pv)
			if s != nil || !errors.Is(err, ErrUnknownPackagingVersion) {
				t.Errorf("%s(%q) = %v, %v, want an error wrapping ErrUnknownPackagingVersion", fn, pv, name(s), err)
				continue
			}
			if !strings.Contains(err.Error(), "2.0, 3.0, 4.0, 5.0, 6.0") || !strings.Contains(err.Error(), fmt.Sprintf("%q", pv)) {
				t.Errorf("%s(%q) error = %q, want it to name the version and list the known ones", fn, pv, err)
			}
		}
	}
}

// allSchemas returns every schema this package serves.
func allSchemas(t *testing.T) []*Schema {
	t.Helper()
	var out []*Schema
	for _, pv := range PackagingVersions() {
		p, err := Package(pv)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Resource(pv)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p, r)
	}
	out = append(out, Config(), Command())
	slices.SortFunc(out, func(a, b *Schema) int { return strings.Compare(a.Name(), b.Name()) })
	return slices.CompactFunc(out, func(a, b *Schema) bool { return a.Name() == b.Name() })
}

// TestEmbeddedSchemas checks every embedded file: it is served by some
// function, compiles, is itself a valid draft-04 schema (by our Config
// schema), uses no "format" keyword (gojsonschema's global format checkers
// would enforce it, Universe's validator does not) and only local $refs.
func TestEmbeddedSchemas(t *testing.T) {
	served := map[string]*Schema{}
	for _, s := range allSchemas(t) {
		served[s.Name()] = s
	}
	entries, err := fs.ReadDir(files, "schemas")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(served) {
		t.Errorf("%d embedded schema files, %d served", len(entries), len(served))
	}
	for _, e := range entries {
		s, ok := served[e.Name()]
		if !ok {
			t.Errorf("schemas/%s is embedded but no function serves it", e.Name())
			continue
		}
		if _, err := s.compile(); err != nil {
			t.Errorf("compiling %s: %v", e.Name(), err)
		}
		data, err := files.ReadFile("schemas/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, data)
		if vs := mustValidate(t, Config(), doc); len(vs) > 0 {
			t.Errorf("%s is not a valid draft-04 schema: %s", e.Name(), join(vs))
		}
		walkSchema(doc, "", func(ptr, key string, value any) {
			switch key {
			case "format":
				t.Errorf("%s%s: format keyword", e.Name(), ptr)
			case "$ref":
				if ref, _ := value.(string); !strings.HasPrefix(ref, "#") {
					t.Errorf("%s%s: $ref %q is not local", e.Name(), ptr, ref)
				}
			case "id", "$id":
				t.Errorf("%s%s: %s changes the base URI", e.Name(), ptr, key)
			}
		})
	}
}

// walkSchema calls fn for every keyword of every schema object in a draft-04
// schema document, skipping the names in properties, definitions and the
// values of enum and default.
func walkSchema(v any, ptr string, fn func(ptr, key string, value any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := ptr + "/" + escape(k)
			fn(p, k, e)
			switch k {
			case "properties", "definitions", "patternProperties", "dependencies":
				if m, ok := e.(map[string]any); ok {
					for name, sub := range m {
						walkSchema(sub, p+"/"+escape(name), fn)
					}
				}
			case "enum", "default":
			default:
				walkSchema(e, p, fn)
			}
		}
	case []any:
		for i, e := range v {
			walkSchema(e, fmt.Sprintf("%s/%d", ptr, i), fn)
		}
	}
}

// TestFormatsNotChecked: Universe validates without a format checker, so
// neither the draft-04 "regex" format of pattern nor "uri" applies, even
// though gojsonschema registers checkers for both.
func TestFormatsNotChecked(t *testing.T) {
	for _, doc := range []string{
		`{"properties": {"a": {"type": "string", "pattern": "(?!x)[a-z"}}}`,
		`{"$schema": "not a uri", "id": "::"}`,
	} {
		if got := mustValidate(t, Config(), jsonValue(doc)); len(got) > 0 {
			t.Errorf("Config().Validate(%s) = %v, want no violations", doc, got)
		}
	}
	p, err := Package("4.0")
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"packagingVersion": "4.0", "name": "a1", "version": "1", "maintainer": "", "description": "", "tags": [],
		"licenses": [{"name": "x", "url": "http://not a uri/<x>"}]}`
	if got := mustValidate(t, p, jsonValue(doc)); len(got) > 0 {
		t.Errorf("Package(4.0).Validate(%s) = %v, want no violations", doc, got)
	}
}

// TestValidateDeterministic validates a document with many violations
// repeatedly: map iteration order must not show in the result.
func TestValidateDeterministic(t *testing.T) {
	doc := jsonValue(`{"packagingVersion": "3.0", "name": "X", "version": "1 0", "tags": ["a b", "c", "d e", 1],
		"b": 1, "a": 2, "c": 3, "framework": "no", "selected": 0, "licenses": [{}, {"url": "ftp://x"}, 5]}`)
	p, err := Package("3.0")
	if err != nil {
		t.Fatal(err)
	}
	first := mustValidate(t, p, doc)
	if len(first) < 15 {
		t.Fatalf("Validate = %d violations, want at least 15: %s", len(first), join(first))
	}
	if !slices.IsSortedFunc(first, func(a, b Violation) int { return comparePointers(a.Pointer, b.Pointer) }) {
		t.Errorf("Validate = %s, not sorted by pointer", join(first))
	}
	for range 50 {
		if diff := cmp.Diff(first, mustValidate(t, p, doc)); diff != "" {
			t.Fatalf("Validate is not deterministic (-first +later):\n%s", diff)
		}
	}
}

// TestConcurrentFirstUse compiles fresh schemas from many goroutines at once
// and validates concurrently; run with -race.
func TestConcurrentFirstUse(t *testing.T) {
	schemas := []*Schema{{name: "package-v4.0.json"}, {name: "config.json"}, {name: "resource-v3.json"}}
	docs := []string{
		`{"packagingVersion": "4.0", "name": "ab", "version": "1", "maintainer": "m", "description": "d", "tags": [], "x": 1}`,
		`{"properties": {"a": {"type": "strin"}}}`,
		`{"cli": {"binaries": {}}}`,
	}
	var wg sync.WaitGroup
	results := make([][]Violation, 8*len(schemas))
	for g := range 8 {
		for i, s := range schemas {
			wg.Go(func() {
				vs, err := s.Validate(jsonValue(docs[i]))
				if err != nil {
					t.Error(err)
				}
				results[g*len(schemas)+i] = vs
			})
		}
	}
	wg.Wait()
	for i, vs := range results {
		if len(vs) != 1 {
			t.Errorf("goroutine %d: Validate(%s) = %v, want one violation", i/len(schemas), schemas[i%len(schemas)].Name(), vs)
		}
		if diff := cmp.Diff(results[i%len(schemas)], vs); diff != "" {
			t.Errorf("goroutine %d: results differ (-first +this):\n%s", i/len(schemas), diff)
		}
	}
}

func TestValidateGoValues(t *testing.T) {
	p, err := Package("3.0")
	if err != nil {
		t.Fatal(err)
	}
	// Decoded without UseNumber, or built by hand.
	doc := map[string]any{
		"packagingVersion": "3.0", "name": "ab", "version": "1", "description": "d",
		"maintainer":  float64(5),
		"tags":        []any{"a", int64(7)},
		"lastUpdated": float64(1.5e9),
		"selected":    uint8(1),
	}
	got, err := p.Validate(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []Violation{
		v("/maintainer", "type", "expected string, found integer"),
		v("/selected", "type", "expected boolean, found integer"),
		v("/tags/1", "type", "expected string, found integer"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
	if _, ok := doc["maintainer"].(float64); !ok {
		t.Error("Validate modified the caller's document")
	}
	if _, ok := doc["tags"].([]any)[1].(int64); !ok {
		t.Error("Validate modified the caller's array")
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  any
		want string
	}{
		{"struct", map[string]any{"tags": []any{struct{}{}}}, `unsupported Go type struct {} at "/tags/0"`},
		{"typed map", map[string]any{"a": map[string]string{}}, `unsupported Go type map[string]string at "/a"`},
		{"malformed json.Number", map[string]any{"lastUpdated": json.Number("12abc")}, `malformed json.Number "12abc" at "/lastUpdated"`},
		{"NaN", []any{math.NaN()}, `number NaN at "/0" is not representable in JSON`},
		{"infinity", map[string]any{"a/b": math.Inf(1)}, `number +Inf at "/a~1b" is not representable in JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Config().Validate(tt.doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate(%v) = %v, %v, want error containing %q", tt.doc, got, err, tt.want)
			}
		})
	}
}

// TestNormalizeNoCopy: a document as decoded with UseNumber is passed on as
// is, not copied.
func TestNormalizeNoCopy(t *testing.T) {
	doc := jsonValue(`{"a": [1, "x", true, null, {"b": 2.5}]}`)
	got, err := normalize(doc)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(doc).UnsafePointer() {
		t.Error("normalize copied a canonical document")
	}
}

func TestValidNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "-12", "1.5", "0.0", "1e5", "1E+5", "1.5e-3", "123456789012345678901234567890"} {
		if !validNumber(s) {
			t.Errorf("validNumber(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x10", "1_000", "NaN", "Inf", " 1", "1 "} {
		if validNumber(s) {
			t.Errorf("validNumber(%q) = true, want false", s)
		}
	}
}

// TestMessages covers the message of each keyword our schemas use.
func TestMessages(t *testing.T) {
	tests := []struct {
		schema *Schema
		doc    string
		want   []Violation
	}{
		{Command(), `null`, []Violation{v("", "type", "expected object, found null")}},
		{Command(), `{"pip": "x", "npm": 1}`, []Violation{
			v("/npm", "additionalProperties", `property "npm" is not allowed`),
			v("/pip", "type", "expected array, found string"),
		}},
		{Config(), `{"maxItems": 1.5, "minItems": -1, "type": true, "items": 1, "required": ["a", "a"], "exclusiveMaximum": true}`, []Violation{
			v("", "dependencies", `missing property "maximum", which another property depends on`),
			v("/items", "type", "expected object or array, found integer"),
			v("/maxItems", "type", "expected integer, found number"),
			v("/minItems", "minimum", "-1 is less than the minimum 0"),
			v("/required", "uniqueItems", "items 0 and 1 are equal"),
			v("/type", "type", "expected string or array, found boolean"),
		}},
		{Config(), `{"multipleOf": -0.5, "properties": {"p": {"type": ["string", 1]}}}`, []Violation{
			v("/multipleOf", "minimum", "-0.5 is not greater than the exclusive minimum 0"),
			v("/properties/p/type/1", "enum", `1 is not one of "array", "boolean", "integer", "null", "number", "object", "string"`),
		}},
	}
	for _, tt := range tests {
		got := mustValidate(t, tt.schema, jsonValue(tt.doc))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Validate(%s, %s) mismatch (-want +got):\n%s", tt.schema.Name(), tt.doc, diff)
		}
	}
}

// failingTransport records any HTTP request; none may happen.
type failingTransport struct {
	mu   sync.Mutex
	urls []string
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.urls = append(f.urls, r.URL.String())
	return nil, errors.New("network access in a test")
}

// TestNoNetwork compiles every schema afresh with the default HTTP transport
// replaced: compiling and validating must not fetch anything (gojsonschema
// fetches remote $refs, and meta-schemas when asked to validate a schema).
func TestNoNetwork(t *testing.T) {
	ft := &failingTransport{}
	saved := http.DefaultTransport
	http.DefaultTransport = ft
	defer func() { http.DefaultTransport = saved }()
	for _, s := range allSchemas(t) {
		fresh := &Schema{name: s.Name()}
		if _, err := fresh.Validate(map[string]any{"$schema": "http://json-schema.org/draft-04/schema#"}); err != nil {
			t.Errorf("%s: %v", s.Name(), err)
		}
	}
	if len(ft.urls) > 0 {
		t.Errorf("HTTP requests made: %v", ft.urls)
	}
}
