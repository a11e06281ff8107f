package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// normalize returns doc in the form gojsonschema understands: the values of
// an encoding/json Decoder with UseNumber. gojsonschema silently ignores
// the types it does not know (a float64 would pass any "type" check), so
// Go numbers are converted to json.Number and anything else is an error.
// doc is returned as is when it needs no conversion; otherwise only the
// containers on the way to a converted value are copied.
func normalize(doc any) (any, error) {
	var path []string
	out, _, err := normalizeValue(doc, &path)
	return out, err
}

// normalizeValue returns v or its conversion, and whether it was converted.
// Unconverted values are returned as the original interface value, which
// avoids an allocation per string.
func normalizeValue(doc any, path *[]string) (any, bool, error) {
	switch v := doc.(type) {
	case nil, string, bool:
		return doc, false, nil
	case json.Number:
		if !validNumber(string(v)) {
			return nil, false, fmt.Errorf("malformed json.Number %q at %q", string(v), joinPointer(*path))
		}
		return doc, false, nil
	case map[string]any:
		var copied map[string]any
		for k, e := range v {
			*path = append(*path, k)
			n, changed, err := normalizeValue(e, path)
			*path = (*path)[:len(*path)-1]
			if err != nil {
				return nil, false, err
			}
			if changed {
				if copied == nil {
					copied = make(map[string]any, len(v))
					for k2, e2 := range v {
						copied[k2] = e2
					}
				}
				copied[k] = n
			}
		}
		if copied != nil {
			return copied, true, nil
		}
		return doc, false, nil
	case []any:
		var copied []any
		for i, e := range v {
			*path = append(*path, strconv.Itoa(i))
			n, changed, err := normalizeValue(e, path)
			*path = (*path)[:len(*path)-1]
			if err != nil {
				return nil, false, err
			}
			if changed {
				if copied == nil {
					copied = append([]any(nil), v...)
				}
				copied[i] = n
			}
		}
		if copied != nil {
			return copied, true, nil
		}
		return doc, false, nil
	case float64:
		return floatNumber(v, path)
	case float32:
		return floatNumber(float64(v), path)
	case int:
		return json.Number(strconv.FormatInt(int64(v), 10)), true, nil
	case int8:
		return json.Number(strconv.FormatInt(int64(v), 10)), true, nil
	case int16:
		return json.Number(strconv.FormatInt(int64(v), 10)), true, nil
	case int32:
		return json.Number(strconv.FormatInt(int64(v), 10)), true, nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), true, nil
	case uint:
		return json.Number(strconv.FormatUint(uint64(v), 10)), true, nil
	case uint8:
		return json.Number(strconv.FormatUint(uint64(v), 10)), true, nil
	case uint16:
		return json.Number(strconv.FormatUint(uint64(v), 10)), true, nil
	case uint32:
		return json.Number(strconv.FormatUint(uint64(v), 10)), true, nil
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), true, nil
	}
	return nil, false, fmt.Errorf("unsupported Go type %T at %q: want a value decoded from JSON", doc, joinPointer(*path))
}

func floatNumber(f float64, path *[]string) (any, bool, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false, fmt.Errorf("number %v at %q is not representable in JSON", f, joinPointer(*path))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true, nil
}

// joinPointer builds a JSON pointer from unescaped reference tokens.
func joinPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

// validNumber reports whether s is a JSON number (RFC 8259 §6).
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}
