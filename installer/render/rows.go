package render

import (
	"sort"
	"strings"
)

// OptionRow is one option of a config.json, for a readable options tree
// (`universe describe --config`).
type OptionRow struct {
	// Path is the dotted option path, "service.cpus"; array items are
	// "nodes[]".
	Path string `json:"path"`
	// Type is the schema type ("integer", "string|null"); "" when unset.
	Type string `json:"type"`
	// Default is the default as compact JSON; "" when there is none.
	Default string `json:"default,omitempty"`
	// Description is the schema's description (or title).
	Description string `json:"description,omitempty"`
	// Required reports whether the parent object requires the option.
	Required bool `json:"required,omitempty"`
}

// OptionRows lists a config.json's options depth first, properties in
// name order, each object before its properties. Properties of array
// items are listed under "name[]". Nothing is listed for a nil config.
func OptionRows(config map[string]any) []OptionRow {
	var rows []OptionRow
	optionRows(config, "", &rows)
	return rows
}

func optionRows(s map[string]any, prefix string, rows *[]OptionRow) {
	props, _ := s["properties"].(map[string]any)
	required := map[string]bool{}
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				required[name] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		ps, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		row := OptionRow{Path: path, Type: schemaType(ps), Required: required[name]}
		if d, ok := ps["default"]; ok {
			row.Default = compactJSONFull(d)
		}
		if desc, ok := ps["description"].(string); ok {
			row.Description = desc
		} else if title, ok := ps["title"].(string); ok {
			row.Description = title
		}
		*rows = append(*rows, row)
		optionRows(ps, path, rows)
		if items, ok := ps["items"].(map[string]any); ok {
			optionRows(items, path+"[]", rows)
		}
	}
}

func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			if name, ok := e.(string); ok {
				parts = append(parts, name)
			}
		}
		return strings.Join(parts, "|")
	}
	return ""
}

// compactJSONFull is a value's compact JSON text, not shortened.
func compactJSONFull(v any) string {
	b, err := marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
