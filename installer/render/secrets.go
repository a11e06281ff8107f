package render

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// SecretMedia is the media type with which DC/OS config.json schemas mark a
// secret string option: "media": {"type": "application/x-secret+string"}.
// Our own marking is "secret": true, on an option of any type.
const SecretMedia = "application/x-secret+string"

// isSecret reports whether a config.json schema marks its value secret:
// "secret": true, or media (a string, or an object with a type, as DC/OS
// writes it) application/x-secret+string.
func isSecret(s map[string]any) bool {
	if b, ok := s["secret"].(bool); ok && b {
		return true
	}
	media, ok := s["media"].(string)
	if m, isObj := s["media"].(map[string]any); isObj {
		media, ok = m["type"].(string)
	}
	return ok && strings.EqualFold(strings.TrimSpace(media), SecretMedia)
}

// Marker is what a secret value is replaced with wherever universe shows
// or records options: "<secret:/service/password>", the JSON pointer of
// the option. It carries no trace of the value (no digest: the values are
// often guessable, and a digest of a guessable value is the value).
func Marker(pointer string) string { return "<secret:" + pointer + ">" }

// markerRE finds markers in text; its group is the pointer.
var markerRE = regexp.MustCompile(`<secret:(/[^<>]*|)>`)

// isMarker reports whether v is a whole marker.
func isMarker(v any) bool {
	s, ok := v.(string)
	return ok && markerRE.FindString(s) == s && s != ""
}

// walkSecrets calls fn with the JSON pointer and value of every value of
// opts that config.json marks secret, following properties,
// patternProperties, additionalProperties, items and the branches of
// allOf, anyOf and oneOf (a value any branch marks is secret). Values
// under a secret value are not visited on their own. fn may replace the
// value by returning it with true. A pointer is visited once. It returns
// the root value, replaced when the root itself is secret.
func walkSecrets(config map[string]any, root any, ptr string, fn func(ptr string, v any) (any, bool)) any {
	seen := map[string]bool{}
	var walk func(s map[string]any, v any, ptr string, set func(any))
	walk = func(s map[string]any, v any, ptr string, set func(any)) {
		if s == nil || v == nil {
			return
		}
		if isSecret(s) {
			if !seen[ptr] {
				seen[ptr] = true
				if nv, ok := fn(ptr, v); ok {
					set(nv)
				}
			}
			return
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			for _, b := range anyList(s[k]) {
				if bs, ok := b.(map[string]any); ok {
					walk(bs, v, ptr, set)
				}
			}
		}
		switch val := v.(type) {
		case map[string]any:
			props, _ := s["properties"].(map[string]any)
			pats, _ := s["patternProperties"].(map[string]any)
			addl, _ := s["additionalProperties"].(map[string]any)
			for _, k := range sortedKeys(val) {
				p := ptr + "/" + escapeToken(k)
				setK := func(nv any) { val[k] = nv }
				matched := false
				if ps, ok := props[k].(map[string]any); ok {
					walk(ps, val[k], p, setK)
					matched = true
				}
				for pat, ps := range pats {
					re, err := regexp.Compile(pat)
					if sub, ok := ps.(map[string]any); ok && err == nil && re.MatchString(k) {
						walk(sub, val[k], p, setK)
						matched = true
					}
				}
				if !matched && addl != nil {
					walk(addl, val[k], p, setK)
				}
			}
		case []any:
			for i := range val {
				p := ptr + "/" + strconv.Itoa(i)
				setI := func(nv any) { val[i] = nv }
				switch items := s["items"].(type) {
				case map[string]any:
					walk(items, val[i], p, setI)
				case []any:
					if i < len(items) {
						if is, ok := items[i].(map[string]any); ok {
							walk(is, val[i], p, setI)
						}
					} else if ai, ok := s["additionalItems"].(map[string]any); ok {
						walk(ai, val[i], p, setI)
					}
				}
			}
		}
	}
	walk(config, root, ptr, func(nv any) { root = nv })
	return root
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RedactOptions returns a copy of options (user-supplied or merged) with
// every value config.json marks secret replaced by its Marker. This is
// what universe stores in DCOS_PACKAGE_OPTIONS and in its install journal.
// A nil config (no config.json) returns a copy of options.
func RedactOptions(config, options map[string]any) map[string]any {
	if options == nil {
		return nil
	}
	out, _ := clone(options).(map[string]any)
	walkSecrets(config, out, "", func(ptr string, v any) (any, bool) {
		return Marker(ptr), true
	})
	return out
}

// RedactConfig returns a copy of a config.json schema whose defaults hold
// no secret: the default of a secret option is its Marker, and secret
// values inside an object's or array's default are replaced likewise.
// Defaults are published with the package, so they are hardly secret; but
// universe shows a secret the same way wherever it comes from.
func RedactConfig(config map[string]any) map[string]any {
	out, _ := clone(config).(map[string]any)
	var walk func(s map[string]any, ptr string)
	walk = func(s map[string]any, ptr string) {
		if d, ok := s["default"]; ok && d != nil {
			s["default"] = walkSecrets(s, d, ptr, func(p string, v any) (any, bool) { return Marker(p), true })
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for k, sub := range props {
				if ss, ok := sub.(map[string]any); ok {
					walk(ss, ptr+"/"+escapeToken(k))
				}
			}
		}
		for _, k := range []string{"items", "additionalItems", "additionalProperties"} {
			if ss, ok := s[k].(map[string]any); ok {
				walk(ss, ptr+"/*")
			}
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			for _, b := range anyList(s[k]) {
				if ss, ok := b.(map[string]any); ok {
					walk(ss, ptr)
				}
			}
		}
	}
	if out != nil {
		walk(out, "")
	}
	return out
}

// RedactedOptions lists the JSON pointers, in order, of the values of
// options that are redaction markers: secrets whose value was not kept and
// must be supplied again.
func RedactedOptions(options map[string]any) []string {
	var out []string
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		switch t := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(t) {
				walk(t[k], ptr+"/"+escapeToken(k))
			}
		case []any:
			for i, e := range t {
				walk(e, ptr+"/"+strconv.Itoa(i))
			}
		default:
			if isMarker(v) {
				out = append(out, ptr)
			}
		}
	}
	walk(options, "")
	return out
}

// Secrets are secret option values to keep out of whatever universe
// prints, logs or records: each value's text is replaced by its Marker.
// The zero value and nil hold none. A Secrets is not changed once built
// (Add returns a new one), so it may be shared between goroutines.
type Secrets struct {
	values []secretValue // longest text first
}

type secretValue struct {
	pointer string
	text    string
}

// FindSecrets returns the secret values of options (merged, so that
// secret defaults count too) as config.json marks them. Strings are
// secret as they are, numbers as their JSON text; a secret object or
// array makes every string and number in it secret. Empty strings,
// booleans and null are not values worth hiding and are left out.
func FindSecrets(config, options map[string]any) *Secrets {
	s := &Secrets{}
	walkSecrets(config, options, "", func(ptr string, v any) (any, bool) {
		s.collect(ptr, v)
		return nil, false
	})
	s.sort()
	return s
}

func (s *Secrets) collect(ptr string, v any) {
	switch t := v.(type) {
	case string:
		if t != "" && !isMarker(t) {
			s.values = append(s.values, secretValue{ptr, t})
		}
	case json.Number:
		s.values = append(s.values, secretValue{ptr, t.String()})
	case float64:
		s.values = append(s.values, secretValue{ptr, strconv.FormatFloat(t, 'f', -1, 64)})
	case map[string]any:
		for _, k := range sortedKeys(t) {
			s.collect(ptr, t[k])
		}
	case []any:
		for _, e := range t {
			s.collect(ptr, e)
		}
	}
}

func (s *Secrets) sort() {
	sort.SliceStable(s.values, func(i, j int) bool { return len(s.values[i].text) > len(s.values[j].text) })
	// Drop repeated texts: the first pointer names them.
	seen := map[string]bool{}
	out := s.values[:0]
	for _, v := range s.values {
		if !seen[v.text] {
			seen[v.text] = true
			out = append(out, v)
		}
	}
	s.values = out
}

// Add returns the union of s and o.
func (s *Secrets) Add(o *Secrets) *Secrets {
	out := &Secrets{}
	if s != nil {
		out.values = append(out.values, s.values...)
	}
	if o != nil {
		out.values = append(out.values, o.values...)
	}
	out.sort()
	return out
}

// Empty reports whether there is nothing to hide.
func (s *Secrets) Empty() bool { return s == nil || len(s.values) == 0 }

// String replaces every secret value in text, as it is and as it appears
// inside a JSON string, by its Marker.
func (s *Secrets) String(text string) string {
	if s.Empty() {
		return text
	}
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v.text, Marker(v.pointer))
		if q := jsonInner(v.text); q != v.text {
			text = strings.ReplaceAll(text, q, Marker(v.pointer))
		}
	}
	return text
}

// jsonInner is s as it appears between the quotes of a JSON string.
func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Value returns a copy of a decoded JSON value with every secret value
// replaced in its strings (map keys included); numbers equal to a secret
// number become its Marker.
func (s *Secrets) Value(v any) any {
	if s.Empty() {
		return clone(v)
	}
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[s.String(k)] = s.Value(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = s.Value(e)
		}
		return l
	case string:
		return s.String(t)
	case json.Number:
		if r := s.String(t.String()); r != t.String() {
			return r
		}
	}
	return v
}

// Error returns err with every secret value replaced in its message; it
// still unwraps to err. It returns err itself when there is nothing to
// replace.
func (s *Secrets) Error(err error) error {
	if err == nil || s.Empty() {
		return err
	}
	msg := err.Error()
	if r := s.String(msg); r != msg {
		return &redactedError{msg: r, err: err}
	}
	return err
}

// redactedError is an error whose message has its secrets replaced.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
