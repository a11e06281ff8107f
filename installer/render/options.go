package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Defaults extracts the default options from a config.json schema as Cosmos
// does (JsonSchema.extractDefaultsFromSchema, cosmos-rendering.md §3): for
// each property of schema.properties, its "default" taken whole (arrays and
// objects included, nested properties then ignored); else, when it has
// properties, their defaults, kept only when non-empty (Cosmos ≥ 0.6.0).
// items, $ref, allOf and oneOf are ignored and defaults are not checked.
// The result is never nil.
func Defaults(config map[string]any) map[string]any { return defaults(config, true) }

// defaults is Defaults; without deep, the values are config.json's own.
func defaults(config map[string]any, deep bool) map[string]any {
	out := map[string]any{}
	props, _ := config["properties"].(map[string]any)
	for name, p := range props {
		ps, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if d, ok := ps["default"]; ok {
			if deep {
				d = clone(d)
			}
			out[name] = d
			continue
		}
		if _, ok := ps["properties"].(map[string]any); ok {
			if sub := defaults(ps, deep); len(sub) > 0 {
				out[name] = sub
			}
		}
	}
	return out
}

// Merge deep-merges over onto base as circe's deepMerge (Cosmos
// JsonUtil.merge, §4): objects merge recursively; arrays, scalars and an
// explicit null in over replace; keys on one side only are kept. Neither
// argument is changed; the result shares no maps or slices with them.
func Merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = clone(v)
	}
	for k, v := range over {
		bm, bok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if bok && ook {
			out[k] = Merge(bm, om)
			continue
		}
		out[k] = clone(v)
	}
	return out
}

// mergeInto is Merge into dst, which it changes; over is not changed and
// dst shares nothing with it afterwards. Maps inside dst are replaced, never
// changed, so they may be shared with others.
func mergeInto(dst, over map[string]any) {
	for k, v := range over {
		if dm, ok := dst[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				dst[k] = Merge(dm, om)
				continue
			}
		}
		dst[k] = clone(v)
	}
}

// clone deep-copies a decoded JSON value.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = clone(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = clone(e)
		}
		return l
	}
	return v
}

// MaxOptionsSize bounds an options document and a --set-file file, as
// repo.MaxFileSize bounds the config.json they are checked against.
const MaxOptionsSize = 8 << 20

// DecodeOptions decodes an options document (the content of --options FILE):
// a JSON object, numbers kept as json.Number.
func DecodeOptions(data []byte) (map[string]any, error) {
	if len(data) > MaxOptionsSize {
		return nil, fmt.Errorf("options: %d bytes, over the limit of %d bytes", len(data), MaxOptionsSize)
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("options: must be a JSON object, found %s", typeName(v))
	}
	return m, nil
}

// decodeJSON decodes exactly one JSON value with json.Number numbers.
func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// ParseSet applies one --set expression, key.path=value, to dst: the value
// is parsed as JSON when it parses (numbers, true, null, "quoted", [..],
// {..}) and taken as a string otherwise. Objects on the path are created as
// needed; a dot inside a key is written \. ("labels.a\.b=x").
func ParseSet(dst map[string]any, expr string) error {
	path, raw, ok := strings.Cut(expr, "=")
	if !ok {
		return fmt.Errorf("--set %q: expected key.path=value", expr)
	}
	var v any = raw
	if parsed, err := decodeJSON([]byte(raw)); err == nil {
		v = parsed
	}
	if err := SetPath(dst, path, v); err != nil {
		return fmt.Errorf("--set %q: %w", expr, err)
	}
	return nil
}

// ParseSetFile applies one --set-file expression, key.path=FILE, to dst:
// the file's content, read with readFile, becomes the string value.
func ParseSetFile(dst map[string]any, expr string, readFile func(name string) ([]byte, error)) error {
	path, name, ok := strings.Cut(expr, "=")
	if !ok || name == "" {
		return fmt.Errorf("--set-file %q: expected key.path=FILE", expr)
	}
	data, err := readFile(name)
	if err != nil {
		return fmt.Errorf("--set-file %q: %w", expr, err)
	}
	if len(data) > MaxOptionsSize {
		return fmt.Errorf("--set-file %q: %d bytes, over the limit of %d bytes", expr, len(data), MaxOptionsSize)
	}
	if err := SetPath(dst, path, string(data)); err != nil {
		return fmt.Errorf("--set-file %q: %w", expr, err)
	}
	return nil
}

// SetPath sets the value at a dotted key path in dst, creating objects on
// the way. It fails when the path is empty or crosses a value that is not
// an object.
func SetPath(dst map[string]any, path string, v any) error {
	keys := splitPath(path)
	for _, k := range keys {
		if k == "" {
			return fmt.Errorf("invalid key path %q: empty key", path)
		}
	}
	m := dst
	for i, k := range keys[:len(keys)-1] {
		next, exists := m[k]
		if !exists {
			nm := map[string]any{}
			m[k] = nm
			m = nm
			continue
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is %s, not an object", strings.Join(keys[:i+1], "."), typeName(next))
		}
		m = nm
	}
	m[keys[len(keys)-1]] = v
	return nil
}

// splitPath splits a dotted path; `\.` is a literal dot.
func splitPath(path string) []string {
	var keys []string
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path) && path[i+1] == '.':
			b.WriteByte('.')
			i++
		case path[i] == '.':
			keys = append(keys, b.String())
			b.Reset()
		default:
			b.WriteByte(path[i])
		}
	}
	return append(keys, b.String())
}

// typeName names a decoded JSON value's type as JSON Schema does.
func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		if _, err := v.Int64(); err == nil || !strings.ContainsAny(string(v), ".eE") {
			return "an integer"
		}
		return "a number"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
