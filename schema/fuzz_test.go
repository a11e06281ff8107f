package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"unicode"
)

// FuzzValidate validates arbitrary JSON with every schema: Validate must not
// fail, and its violations must be sorted and point into the document. With
// ../shared present, our verdicts must also be Universe's for config.json,
// command.json, resource.json and 2.0-5.0 package.json documents.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `null`, `1`, `"x"`,
		`{"type": "object", "properties": {"a": {"type": ["string", "null"], "default": 1, "enum": ["x", 1]}}, "required": ["a"]}`,
		`{"properties": {"a/b~c": {"items": [{"type": "x"}], "additionalItems": false, "dependencies": {"q": ["r"]}}}}`,
		`{"packagingVersion": "3.0", "name": "a-b", "version": "1.0-x", "maintainer": "m", "description": "d", "tags": ["a"], "licenses": [{"name": "n", "url": "https://x"}]}`,
		`{"packagingVersion": "5.0", "name": "ab", "version": "1", "maintainer": "m", "description": "d", "tags": [], "manager": {"packageName": "k8s"}}`,
		`{"packagingVersion": "6.0", "name": "ab", "version": "1.0.0", "maintainer": "m", "description": "d", "tags": [], "dependencies": [{"name": "x"}]}`,
		`{"cli": {"binaries": {"linux": {"x86-64": {"url": "u", "kind": "zip", "contentHash": [{"algo": "sha256", "value": "v"}]}}}}, "images": {}}`,
		`{"pip": ["dcos"]}`,
	} {
		f.Add([]byte(seed))
	}
	var u *universe
	if _, err := os.Stat(universeSchemaDir); err == nil {
		u = loadUniverse(f)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var doc any
		if dec.Decode(&doc) != nil {
			return
		}
		check := func(s *Schema) []Violation {
			vs, err := s.Validate(doc)
			if err != nil {
				t.Fatalf("%s: Validate(%s): %v", s.Name(), data, err)
			}
			checkPointers(t, s.Name(), doc, vs)
			if !slices.IsSortedFunc(vs, func(a, b Violation) int { return comparePointers(a.Pointer, b.Pointer) }) {
				t.Errorf("%s: violations not sorted: %v", s.Name(), vs)
			}
			return vs
		}
		for _, pv := range PackagingVersions() {
			p, _ := Package(pv)
			check(p)
			if u == nil || pv == "6.0" {
				continue
			}
			if m, ok := doc.(map[string]any); ok && m["packagingVersion"] == pv && !hasPythonOnlySpace(m["tags"]) {
				compareVerdicts(t, string(data), p, u.pkg, doc)
			}
		}
		for _, s := range []*Schema{Config(), Command(), resourceV2, resourceV3} {
			check(s)
		}
		if u != nil {
			compareVerdicts(t, string(data), Config(), u.config, doc)
			compareVerdicts(t, string(data), Command(), u.command, doc)
			compareVerdicts(t, string(data), resourceV2, u.resourceV2, doc)
			compareVerdicts(t, string(data), resourceV3, u.resourceV3, doc)
		}
	})
}

// hasPythonOnlySpace reports whether a tags value contains a character that
// Python's \s matches and Go's does not (a deliberate difference).
func hasPythonOnlySpace(tags any) bool {
	list, _ := tags.([]any)
	for _, t := range list {
		s, _ := t.(string)
		for _, r := range s {
			if r == '\v' || r == 0x85 || (r >= 0x1c && r <= 0x1f) || (r != ' ' && unicode.In(r, unicode.Z)) {
				return true
			}
		}
	}
	return false
}
