package schema

import (
	"cmp"
	"encoding/json"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"name", "name"},
		{"a.b", "a.b"},
		{"fs-limits_max-component-length", "fs-limits_max-component-length"},
		{"a/b", "a~1b"},
		{"~", "~0"},
		{"~1", "~01"},
		{"/~", "~1~0"},
		{"~/", "~0~1"},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPointerEscaping checks the pointers of violations under keys that
// contain the characters JSON pointers escape, dots (gojsonschema's own
// path separator), and other awkward characters.
func TestPointerEscaping(t *testing.T) {
	allASCII := make([]byte, 128)
	for i := range allASCII {
		allASCII[i] = byte(i)
	}
	tests := []struct {
		key  string
		want string // pointer token
	}{
		{"a/b", "a~1b"},
		{"c~d", "c~0d"},
		{"~1", "~01"},
		{"e.f", "e.f"},
		{"a.b/c~d", "a.b~1c~0d"},
		{"fs-limits_max-component-length", "fs-limits_max-component-length"},
		{"5_etcd_nodes", "5_etcd_nodes"},
		{"", ""},
		{"(root)", "(root)"},
		{"x\x00y", "x\x00y"},
		{"\x01", "\x01"},
		{"ünïcødé key", "ünïcødé key"},
		{string(allASCII), strings.NewReplacer("~", "~0", "/", "~1").Replace(string(allASCII))},
	}
	for _, tt := range tests {
		keyJSON, err := json.Marshal(tt.key)
		if err != nil {
			t.Fatal(err)
		}
		k := string(keyJSON)

		// A nested value: the pointer runs through the key.
		doc := jsonValue(`{"type": "object", "properties": {` + k + `: {"type": 5, "items": [{"type": "x"}]}}}`)
		got, err := Config().Validate(doc)
		if err != nil {
			t.Fatal(err)
		}
		want := []Violation{
			v("/properties/"+tt.want+"/items/0/type", "pattern", `"x" does not match pattern ^(?:array|boolean|integer|null|number|object|string)$`),
			v("/properties/"+tt.want+"/type", "type", "expected string or array, found integer"),
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("Validate(properties %q) mismatch (-want +got):\n%s", tt.key, diff)
		}

		// A property that is not allowed: the pointer ends with the key.
		got, err = Command().Validate(jsonValue(`{"pip": [], ` + k + `: 1}`))
		if err != nil {
			t.Fatal(err)
		}
		want = []Violation{v("/"+tt.want, "additionalProperties", "property "+quote(tt.key)+" is not allowed")}
		if tt.key == "pip" {
			want = nil
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("Validate(extra property %q) mismatch (-want +got):\n%s", tt.key, diff)
		}
	}
}

// TestPointerSiblings checks that keys which are prefixes of each other, or
// which contain the delimiter gojsonschema uses, do not mix up.
func TestPointerSiblings(t *testing.T) {
	doc := jsonValue(`{"properties": {
		"a": {"properties": {"b": {"type": 1}}},
		"a.b": {"type": 2},
		"a/b": {"type": 3},
		"a.b.c": {"properties": {"d.e": {"type": 4}}}
	}}`)
	got, err := Config().Validate(doc)
	if err != nil {
		t.Fatal(err)
	}
	const msg = "expected string or array, found integer"
	want := []Violation{
		v("/properties/a/properties/b/type", "type", msg),
		v("/properties/a.b/type", "type", msg),
		v("/properties/a.b.c/properties/d.e/type", "type", msg),
		v("/properties/a~1b/type", "type", msg),
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
}

func TestComparePointers(t *testing.T) {
	sorted := []string{
		"",
		"/a",
		"/a/b",
		"/a/b/2",
		"/a/b/10",
		"/a/b/x",
		"/a.b",
		"/a~1b",
		"/tags/2",
		"/tags/10",
		"/tags/10/a",
		"/tags/01",
	}
	for i, a := range sorted {
		for j, b := range sorted {
			if got, want := comparePointers(a, b), cmp.Compare(i, j); got != want {
				t.Errorf("comparePointers(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}
