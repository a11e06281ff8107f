package schema

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xeipuuv/gojsonschema"
)

// Violation is one way a document fails a schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON pointer of the offending value in the
	// validated document; "" is the document itself. It always names a value
	// that exists: for a missing required property (or a missing dependency)
	// it points at the object that lacks it; for a property that is not
	// allowed it points at that property.
	Pointer string
	// Keyword is the schema keyword that failed: "required",
	// "additionalProperties", "pattern", "type", "enum", "minimum", "oneOf"...
	Keyword string
	// Message says what is wrong, as a lower-case sentence without a final
	// period, such as `missing required property "maintainer"`.
	Message string
}

// String formats v for logs and test failures.
func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "(root)"
	}
	return fmt.Sprintf("%s: %s (%s)", p, v.Message, v.Keyword)
}

// keywords maps gojsonschema's error types to the schema keyword that failed.
var keywords = map[string]string{
	"required":                        "required",
	"invalid_type":                    "type",
	"additional_property_not_allowed": "additionalProperties",
	"pattern":                         "pattern",
	"enum":                            "enum",
	"array_min_items":                 "minItems",
	"array_max_items":                 "maxItems",
	"unique":                          "uniqueItems",
	"array_min_properties":            "minProperties",
	"array_max_properties":            "maxProperties",
	"string_gte":                      "minLength",
	"string_lte":                      "maxLength",
	"number_gte":                      "minimum",
	"number_gt":                       "minimum", // draft 04: minimum with exclusiveMinimum
	"number_lte":                      "maximum",
	"number_lt":                       "maximum",
	"multiple_of":                     "multipleOf",
	"missing_dependency":              "dependencies",
	"number_any_of":                   "anyOf",
	"number_one_of":                   "oneOf",
	"number_all_of":                   "allOf",
	"number_not":                      "not",
	"array_no_additional_items":       "additionalItems",
	"invalid_property_pattern":        "patternProperties",
	"format":                          "format",
	"const":                           "const",
	"contains":                        "contains",
	"invalid_property_name":           "propertyNames",
	"false":                           "false",
	"condition_then":                  "then",
	"condition_else":                  "else",
}

// violations converts gojsonschema's errors into sorted, de-duplicated
// violations.
func violations(errs []gojsonschema.ResultError) ([]Violation, error) {
	out := make([]Violation, 0, len(errs))
	for _, e := range errs {
		switch e.Type() {
		case "internal":
			return nil, fmt.Errorf("validator: %s", e.Description())
		case "number_all_of":
			// allOf always reports the errors of its failing subschemas
			// too; they say what is wrong, this only says that they exist.
			continue
		}
		out = append(out, convert(e))
	}
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(
			comparePointers(a.Pointer, b.Pointer),
			strings.Compare(a.Keyword, b.Keyword),
			strings.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(out), nil
}

func convert(e gojsonschema.ResultError) Violation {
	d := e.Details()
	ptr := pointer(e.Context())
	kw, ok := keywords[e.Type()]
	if !ok {
		kw = e.Type()
	}
	v := Violation{Pointer: ptr, Keyword: kw}
	switch e.Type() {
	case "required":
		v.Message = fmt.Sprintf("missing required property %s", quote(d["property"]))
	case "additional_property_not_allowed":
		prop := fmt.Sprint(d["property"])
		v.Pointer = ptr + "/" + escape(prop)
		v.Message = fmt.Sprintf("property %s is not allowed", quote(prop))
	case "invalid_type":
		v.Message = fmt.Sprintf("expected %s, found %s", typeList(fmt.Sprint(d["expected"])), d["given"])
	case "pattern":
		pat := fmt.Sprint(d["pattern"])
		if re, ok := d["pattern"].(*regexp.Regexp); ok {
			pat = re.String()
		}
		v.Message = fmt.Sprintf("%s does not match pattern %s", jsonText(e.Value()), pat)
	case "enum":
		v.Message = fmt.Sprintf("%s is not one of %s", jsonText(e.Value()), d["allowed"])
	case "const":
		v.Message = fmt.Sprintf("%s is not %s", jsonText(e.Value()), d["allowed"])
	case "array_min_items":
		v.Message = fmt.Sprintf("expected at least %s, found %d", plural(d["min"], "item"), length(e.Value()))
	case "array_max_items":
		v.Message = fmt.Sprintf("expected at most %s, found %d", plural(d["max"], "item"), length(e.Value()))
	case "array_min_properties":
		v.Message = fmt.Sprintf("expected at least %s, found %d", plural(d["min"], "property"), length(e.Value()))
	case "array_max_properties":
		v.Message = fmt.Sprintf("expected at most %s, found %d", plural(d["max"], "property"), length(e.Value()))
	case "string_gte":
		v.Message = fmt.Sprintf("expected at least %s, found %d", plural(d["min"], "character"), length(e.Value()))
	case "string_lte":
		v.Message = fmt.Sprintf("expected at most %s, found %d", plural(d["max"], "character"), length(e.Value()))
	case "unique":
		v.Message = fmt.Sprintf("items %v and %v are equal", d["i"], d["j"])
	case "number_gte":
		v.Message = fmt.Sprintf("%s is less than the minimum %s", jsonText(e.Value()), number(d["min"]))
	case "number_gt":
		v.Message = fmt.Sprintf("%s is not greater than the exclusive minimum %s", jsonText(e.Value()), number(d["min"]))
	case "number_lte":
		v.Message = fmt.Sprintf("%s is greater than the maximum %s", jsonText(e.Value()), number(d["max"]))
	case "number_lt":
		v.Message = fmt.Sprintf("%s is not less than the exclusive maximum %s", jsonText(e.Value()), number(d["max"]))
	case "multiple_of":
		v.Message = fmt.Sprintf("%s is not a multiple of %s", jsonText(e.Value()), number(d["multiple"]))
	case "missing_dependency":
		v.Message = fmt.Sprintf("missing property %s, which another property depends on", quote(d["dependency"]))
	case "number_any_of":
		v.Message = "does not match any of the alternatives"
	case "number_one_of":
		v.Message = "does not match exactly one of the alternatives"
	case "number_not":
		v.Message = "matches a schema it must not match"
	case "array_no_additional_items":
		v.Message = "no additional items are allowed"
	case "format":
		v.Message = fmt.Sprintf("%s is not a valid %v", jsonText(e.Value()), d["format"])
	case "invalid_property_name":
		v.Message = fmt.Sprintf("property name %s is not allowed", quote(d["property"]))
	case "false":
		v.Message = "no value is allowed"
	default:
		v.Message = strings.TrimSuffix(strings.ToLower(e.Description()), ".")
	}
	return v
}

// pointer converts gojsonschema's context, a linked list of keys and
// indices below "(root)", into a JSON pointer. The list is only exposed
// through String(delimiter), so the delimiter is a byte that occurs in none
// of the keys: splitting on it is then exact, whatever the keys contain.
func pointer(ctx *gojsonschema.JsonContext) string {
	if ctx == nil {
		return ""
	}
	all := ctx.String("") // every key, concatenated
	del := ""
	for b := 0; b < utf8.RuneSelf; b++ {
		if strings.IndexByte(all, byte(b)) < 0 {
			del = string(rune(b))
			break
		}
	}
	if del == "" {
		// Every ASCII byte occurs in the keys: fall back to a rune that does
		// not, which is exact as long as the keys are valid UTF-8.
		for r := rune(0x10FFFF); ; r-- {
			if !strings.ContainsRune(all, r) {
				del = string(r)
				break
			}
		}
	}
	tokens := strings.Split(ctx.String(del), del)
	return joinPointer(tokens[1:]) // tokens[0] is "(root)"
}

// comparePointers orders JSON pointers token by token, so that a value
// comes before its descendants and "/a/b" before "/a.b". Tokens that look
// like array indices compare as numbers ("/tags/2" before "/tags/10") and
// before all other tokens, which keeps the order total.
func comparePointers(a, b string) int {
	if a == b {
		return 0
	}
	ta, tb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 1; i < len(ta) && i < len(tb); i++ { // both start with ""
		if c := compareTokens(unescape(ta[i]), unescape(tb[i])); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(ta), len(tb))
}

func compareTokens(a, b string) int {
	ia, ib := isIndex(a), isIndex(b)
	switch {
	case ia && ib:
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	case ia:
		return -1
	case ib:
		return 1
	}
	return strings.Compare(a, b)
}

// isIndex reports whether a reference token is an array index (RFC 6901 §4).
func isIndex(t string) bool {
	if t == "" || (len(t) > 1 && t[0] == '0') {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

func unescape(token string) string {
	if !strings.Contains(token, "~") {
		return token
	}
	return strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
}

// escape escapes one reference token of a JSON pointer (RFC 6901 §3).
func escape(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// typeList turns gojsonschema's "[object,boolean]" into "object or boolean".
func typeList(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	types := strings.Split(s, ",")
	if len(types) == 1 {
		return types[0]
	}
	return strings.Join(types[:len(types)-1], ", ") + " or " + types[len(types)-1]
}

// quote quotes a property name the way JSON does, like values in messages.
func quote(v any) string { return jsonText(fmt.Sprint(v)) }

// jsonText renders an instance value as compact JSON.
func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func length(v any) int {
	switch v := v.(type) {
	case []any:
		return len(v)
	case map[string]any:
		return len(v)
	case string:
		return utf8.RuneCountInString(v)
	}
	return 0
}

func plural(n any, noun string) string {
	if fmt.Sprint(n) == "1" {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		noun = strings.TrimSuffix(noun, "y") + "ie"
	}
	return fmt.Sprintf("%v %ss", n, noun)
}

func number(v any) string {
	if f, ok := v.(*big.Float); ok {
		return f.Text('g', -1)
	}
	return fmt.Sprint(v)
}
