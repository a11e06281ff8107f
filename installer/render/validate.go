package render

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/universe-pm/universe/schema"
)

// OptionViolation is one way the merged options fail config.json.
type OptionViolation struct {
	// Path is the dotted option path ("service.cpus", "nodes[0].name");
	// "(root)" for the options object itself.
	Path string
	// Pointer is the JSON pointer of the value in the merged options.
	Pointer string
	// SchemaPointer is the JSON pointer, in config.json, of the schema that
	// judged the value ("/properties/service/properties/cpus").
	SchemaPointer string
	// Keyword is the failing schema keyword ("minimum", "type", "required").
	Keyword string
	// Message says what was found and what was expected.
	Message string
}

// String formats v as "service.cpus: 0 is less than the minimum 0.1
// (config.json#/properties/service/properties/cpus)".
func (v OptionViolation) String() string {
	return fmt.Sprintf("%s: %s (%s#%s)", v.Path, v.Message, "config.json", v.SchemaPointer)
}

// OptionsError is returned, wrapped in an *Error of stage "options", when
// the merged options fail config.json; it lists every violation at once.
type OptionsError struct {
	// File is config.json's path in the package tree.
	File       string
	Violations []OptionViolation
}

func (e *OptionsError) Error() string { return e.describe(e.File) }

// describe lists the violations after a summary naming file.
func (e *OptionsError) describe(file string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "options do not match %s (%d problem", file, len(e.Violations))
	if len(e.Violations) != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	for _, v := range e.Violations {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}

// ValidateOptions checks merged options against a config.json schema
// (draft-04) and returns every violation, or nil when they pass. Unlike
// Cosmos, which skips validation when the merged options are empty, it
// always validates, so "required" is enforced. The error is non-nil when
// the schema itself cannot be used.
func ValidateOptions(config map[string]any, merged map[string]any) ([]OptionViolation, error) {
	s, err := schema.Compile(config)
	if err != nil {
		return nil, err
	}
	vs, err := s.Validate(merged)
	if err != nil {
		return nil, err
	}
	out := make([]OptionViolation, 0, len(vs))
	for _, v := range vs {
		ov := OptionViolation{
			Path:          dottedPath(v.Pointer),
			Pointer:       v.Pointer,
			SchemaPointer: schemaPointer(config, v.Pointer),
			Keyword:       v.Keyword,
			Message:       v.Message,
		}
		if v.Keyword == "type" {
			if found, ok := lookupPointer(merged, v.Pointer); ok {
				ov.Message += " (" + compactJSON(found) + ")"
			}
		}
		out = append(out, ov)
	}
	return out, nil
}

// dottedPath turns "/service/cpus" into "service.cpus" and "/nodes/0/name"
// into "nodes[0].name"; "" is "(root)".
func dottedPath(pointer string) string {
	if pointer == "" {
		return "(root)"
	}
	var b strings.Builder
	for i, t := range strings.Split(pointer[1:], "/") {
		t = unescapeToken(t)
		if _, err := strconv.Atoi(t); err == nil && i > 0 {
			fmt.Fprintf(&b, "[%s]", t)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func unescapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

func escapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

// schemaPointer follows an instance pointer through config.json's
// properties, patternProperties, additionalProperties and items, as far as
// the schema describes it.
func schemaPointer(config map[string]any, pointer string) string {
	if pointer == "" {
		return ""
	}
	cur, out := config, ""
	for _, t := range strings.Split(pointer[1:], "/") {
		t = unescapeToken(t)
		if props, ok := cur["properties"].(map[string]any); ok {
			if next, ok := props[t].(map[string]any); ok {
				cur, out = next, out+"/properties/"+escapeToken(t)
				continue
			}
		}
		if pats, ok := cur["patternProperties"].(map[string]any); ok {
			found := false
			for pat, ps := range pats {
				next, ok := ps.(map[string]any)
				if re, err := regexp.Compile(pat); ok && err == nil && re.MatchString(t) {
					cur, out, found = next, out+"/patternProperties/"+escapeToken(pat), true
					break
				}
			}
			if found {
				continue
			}
		}
		if next, ok := cur["additionalProperties"].(map[string]any); ok {
			cur, out = next, out+"/additionalProperties"
			continue
		}
		if next, ok := cur["items"].(map[string]any); ok {
			cur, out = next, out+"/items"
			continue
		}
		if items, ok := cur["items"].([]any); ok {
			if i, err := strconv.Atoi(t); err == nil && i >= 0 && i < len(items) {
				if next, ok := items[i].(map[string]any); ok {
					cur, out = next, out+"/items/"+t
					continue
				}
			}
		}
		break
	}
	return out
}

// lookupPointer returns the value at a JSON pointer.
func lookupPointer(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	cur := doc
	for _, t := range strings.Split(pointer[1:], "/") {
		t = unescapeToken(t)
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// compactJSON is a value's compact JSON text, shortened for messages.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}
