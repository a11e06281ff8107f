package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xeipuuv/gojsonschema"
)

// TestConvertOtherKeywords covers the conversion of errors from keywords
// that our own schemas do not use.
func TestConvertOtherKeywords(t *testing.T) {
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft4
	sl.AutoDetect = false
	s, err := sl.Compile(gojsonschema.NewStringLoader(`{
		"properties": {
			"any": {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
			"one": {"oneOf": [{"type": "integer"}, {"minimum": 0}]},
			"not": {"not": {"type": "null"}},
			"all": {"allOf": [{"maxLength": 2}, {"pattern": "^a"}]},
			"max": {"maximum": 3},
			"xmax": {"maximum": 3, "exclusiveMaximum": true},
			"mul": {"multipleOf": 0.5},
			"tuple": {"items": [{}], "additionalItems": false},
			"few": {"maxItems": 1, "maxProperties": 1},
			"dot.and/slash": {"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	doc := jsonValue(`{
		"any": 1, "one": 5, "not": null, "all": "bcd", "max": 4, "xmax": 3, "mul": 0.7,
		"tuple": [1, 2], "few": [1, 2], "dot.and/slash": {"c": 1}
	}`)
	res, err := s.Validate(gojsonschema.NewRawLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, err := violations(res.Errors())
	if err != nil {
		t.Fatal(err)
	}
	want := []Violation{
		v("/all", "maxLength", "expected at most 2 characters, found 3"),
		v("/all", "pattern", `"bcd" does not match pattern ^a`),
		v("/any", "anyOf", "does not match any of the alternatives"),
		v("/any", "type", "expected string, found integer"),
		v("/dot.and~1slash", "oneOf", "does not match exactly one of the alternatives"),
		v("/dot.and~1slash", "required", `missing required property "a"`),
		v("/few", "maxItems", "expected at most 1 item, found 2"),
		v("/max", "maximum", "4 is greater than the maximum 3"),
		v("/mul", "multipleOf", "0.7 is not a multiple of 0.5"),
		v("/not", "not", "matches a schema it must not match"),
		v("/one", "oneOf", "does not match exactly one of the alternatives"),
		v("/tuple", "additionalItems", "no additional items are allowed"),
		v("/xmax", "maximum", "3 is not less than the exclusive maximum 3"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violations mismatch (-want +got):\n%s", diff)
	}
}
