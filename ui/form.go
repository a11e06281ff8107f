package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/universe-pm/universe/installer/render"
)

// The kinds of Field: a group of fields (a fieldset) or a control.
const (
	KindGroup    = "group"    // an object with properties: a fieldset
	KindText     = "text"     // a string
	KindPassword = "password" // a secret string
	KindInteger  = "integer"  // <input type=number step=1>
	KindNumber   = "number"   // <input type=number step=any>
	KindCheckbox = "checkbox" // a boolean
	KindSelect   = "select"   // an enum; option values are the JSON of each choice
	KindJSON     = "json"     // arrays, objects without properties, anything untyped: a JSON textarea
)

// Field is one fieldset or control of a package's options form, generated
// from its config.json.
type Field struct {
	// Pointer is the JSON pointer of the option ("/service/name"); the
	// control's name attribute.
	Pointer string `json:"pointer"`
	// Name is the property's name; Label its title, or else its name.
	Name        string `json:"name"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
	Kind        string `json:"kind"`
	Required    bool   `json:"required,omitempty"`
	// Secret marks a secret option (see Secret): a password field for a
	// string; whatever its kind, the form never shows its default (left
	// empty, the default applies) and errors never quote its value.
	Secret bool `json:"secret,omitempty"`
	// Value is the control's initial value as the form holds it: the
	// default's text ("" when there is none; "true"/"false" for a
	// checkbox; the JSON of the default choice for a select). Secrets
	// never carry their default.
	Value string `json:"value"`
	// Default is the default, as config.json (or the parent's default)
	// gives it; absent for secrets.
	Default any `json:"default,omitempty"`
	// HasDefault tells an absent default from a null one.
	HasDefault bool `json:"hasDefault,omitempty"`
	// Choices are a select's options: the JSON of each enum value.
	Choices []string `json:"choices,omitempty"`
	// Minimum and Maximum bound numbers.
	Minimum *float64 `json:"minimum,omitempty"`
	Maximum *float64 `json:"maximum,omitempty"`
	// Fields are a group's members, in config.json's order.
	Fields []Field `json:"fields,omitempty"`
}

// Secret reports whether a property schema marks a secret option, by the
// rule installer/render redacts them by: "secret": true, or the media
// type render.SecretMedia, as a string or DC/OS's {"type": ...}.
func Secret(schema map[string]any) bool {
	if b, _ := schema["secret"].(bool); b {
		return true
	}
	media, ok := schema["media"].(string)
	if m, isObj := schema["media"].(map[string]any); isObj {
		media, ok = m["type"].(string)
	}
	return ok && strings.EqualFold(strings.TrimSpace(media), render.SecretMedia)
}

// Form returns the fields of the options form for a config.json schema:
// a group per object with properties (in the file's order, which raw, the
// file's bytes, gives; sorted by name when raw is nil), one control per
// leaf. config is the decoded schema; nil gives no fields.
func Form(config map[string]any, raw []byte) []Field {
	if config == nil {
		return nil
	}
	order := keyOrder(raw)
	defaults := render.Defaults(config)
	return fields(config, "", "", defaults, order, false)
}

// fields lists the fields of an object schema's properties; secret says
// the object is a secret value, and so all it holds.
func fields(schema map[string]any, pointer, schemaPointer string, defaults map[string]any, order map[string][]string, secret bool) []Field {
	props, _ := schema["properties"].(map[string]any)
	if len(props) == 0 {
		return nil
	}
	required := map[string]bool{}
	if l, ok := schema["required"].([]any); ok {
		for _, r := range l {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	var out []Field
	for _, name := range orderedKeys(props, order[schemaPointer+"/properties"]) {
		ps, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		f := Field{
			Pointer:  pointer + "/" + escapePointer(name),
			Name:     name,
			Label:    name,
			Required: required[name],
		}
		if t, ok := ps["title"].(string); ok && strings.TrimSpace(t) != "" {
			f.Label = t
		}
		f.Description, _ = ps["description"].(string)
		def, hasDef := defaults[name]
		sp := schemaPointer + "/properties/" + escapePointer(name)
		f.Secret = secret || Secret(ps)
		if sub, ok := ps["properties"].(map[string]any); ok && len(sub) > 0 && schemaType(ps) == "object" {
			f.Kind = KindGroup
			dm, _ := def.(map[string]any)
			f.Fields = fields(ps, f.Pointer, sp, dm, order, f.Secret)
			out = append(out, f)
			continue
		}
		f.Kind = leafKind(ps)
		if f.Secret && f.Kind == KindText {
			f.Kind = KindPassword
		}
		if f.Kind == KindNumber || f.Kind == KindInteger {
			f.Minimum, f.Maximum = number(ps["minimum"]), number(ps["maximum"])
		}
		if f.Kind == KindSelect {
			for _, e := range ps["enum"].([]any) {
				f.Choices = append(f.Choices, compact(e))
			}
		}
		if hasDef && !f.Secret {
			f.Default, f.HasDefault = def, true
			f.Value = formValue(f.Kind, def)
		}
		out = append(out, f)
	}
	return out
}

// schemaType is a schema's type: the first non-null one when it lists
// several, "object" for an untyped schema with properties.
func schemaType(ps map[string]any) string {
	switch t := ps["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s != "null" {
				return s
			}
		}
	}
	if _, ok := ps["properties"].(map[string]any); ok {
		return "object"
	}
	return ""
}

func leafKind(ps map[string]any) string {
	if e, ok := ps["enum"].([]any); ok && len(e) > 0 {
		return KindSelect
	}
	switch schemaType(ps) {
	case "string":
		if Secret(ps) {
			return KindPassword
		}
		return KindText
	case "integer":
		return KindInteger
	case "number":
		return KindNumber
	case "boolean":
		return KindCheckbox
	}
	if Secret(ps) {
		return KindPassword
	}
	return KindJSON
}

// formValue is the text a control of kind starts with for the value v.
func formValue(kind string, v any) string {
	switch kind {
	case KindCheckbox:
		if b, _ := v.(bool); b {
			return "true"
		}
		return "false"
	case KindSelect:
		return compact(v)
	case KindText, KindPassword:
		if s, ok := v.(string); ok {
			return s
		}
		if v == nil {
			return ""
		}
		return compact(v)
	case KindInteger, KindNumber:
		if n := number(v); n != nil {
			// As a number input shows it: 1.0 is 1.
			return strconv.FormatFloat(*n, 'f', -1, 64)
		}
		if s, ok := v.(string); ok {
			// A number written as a string ("3306"), as some packages do.
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				return s
			}
		}
		if v == nil {
			return ""
		}
		return compact(v)
	case KindJSON:
		if v == nil {
			return ""
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	}
	return compact(v)
}

// FieldError is a form value that cannot be an option value.
type FieldError struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// Options turns the form's values (control name, that is JSON pointer, to
// its text; a checkbox's is "true" or "false") into the user's options:
// each leaf whose value differs from its default, typed as its schema
// says. An empty control without a default is left out. Values that cannot
// be typed (not a number, bad JSON, a choice not offered) are returned as
// FieldErrors, all at once. Values for pointers the form does not have are
// errors too. A control whose text is still its default's is unchanged and
// left out, whatever the default's type.
func Options(form []Field, values map[string]string) (map[string]any, []FieldError) {
	out := map[string]any{}
	var errs []FieldError
	known := map[string]bool{}
	var walk func(fs []Field, dst map[string]any)
	walk = func(fs []Field, dst map[string]any) {
		for _, f := range fs {
			known[f.Pointer] = true
			if f.Kind == KindGroup {
				sub := map[string]any{}
				walk(f.Fields, sub)
				if len(sub) > 0 {
					dst[f.Name] = sub
				}
				continue
			}
			text, ok := values[f.Pointer]
			if !ok {
				continue
			}
			// A control left as the default shows it is unchanged, even
			// when the default does not fit the schema's type (a number
			// property's "3306", a boolean's ""): the default applies,
			// as it does for the CLI without --options.
			if f.HasDefault && text == formValue(f.Kind, f.Default) {
				continue
			}
			v, set, err := parseValue(f, text)
			if err != nil {
				msg := err.Error()
				if f.Secret {
					msg = "the value does not fit: " + f.Kind + " expected"
				}
				errs = append(errs, FieldError{Pointer: f.Pointer, Message: msg})
				continue
			}
			if !set || (f.HasDefault && equalJSON(v, f.Default)) {
				continue
			}
			if f.Kind == KindCheckbox && !f.HasDefault && v == false {
				continue
			}
			dst[f.Name] = v
		}
	}
	walk(form, out)
	var unknown []string
	for p := range values {
		if !known[p] {
			unknown = append(unknown, p)
		}
	}
	sort.Strings(unknown)
	for _, p := range unknown {
		errs = append(errs, FieldError{Pointer: p, Message: "the package has no option " + p})
	}
	return out, errs
}

// parseValue types a control's text; set is false for an empty control
// that leaves the option out.
func parseValue(f Field, text string) (v any, set bool, err error) {
	switch f.Kind {
	case KindCheckbox:
		switch text {
		case "true", "on":
			return true, true, nil
		case "false", "":
			return false, true, nil
		}
		return nil, false, fmt.Errorf("expected true or false, found %q", text)
	case KindText, KindPassword:
		if text == "" && (!f.HasDefault || f.Default == nil) {
			return nil, false, nil
		}
		return text, true, nil
	case KindInteger, KindNumber:
		t := strings.TrimSpace(text)
		if t == "" {
			// Left out; if the option is required, validating the
			// options says so at its field.
			return nil, false, nil
		}
		n, perr := strconv.ParseFloat(t, 64)
		if perr != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, false, fmt.Errorf("expected a number, found %q", text)
		}
		if f.Kind == KindInteger {
			if n != math.Trunc(n) {
				return nil, false, fmt.Errorf("expected a whole number, found %s", t)
			}
			return json.Number(strconv.FormatFloat(n, 'f', -1, 64)), true, nil
		}
		return json.Number(t), true, nil
	case KindSelect:
		if text == "" {
			return nil, false, nil
		}
		for _, c := range f.Choices {
			if c == text {
				v, _ := decodeValue(text)
				return v, true, nil
			}
		}
		return nil, false, fmt.Errorf("%s is not one of the choices %s", text, strings.Join(f.Choices, ", "))
	}
	// KindJSON
	if strings.TrimSpace(text) == "" {
		return nil, false, nil
	}
	v, derr := decodeValue(text)
	if derr != nil {
		return nil, false, fmt.Errorf("not valid JSON: %v", derr)
	}
	return v, true, nil
}

func equalJSON(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// normalize decodes v's JSON again so numbers compare by value.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func number(v any) *float64 {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return nil
		}
		return &f
	case float64:
		return &n
	case int:
		f := float64(n)
		return &f
	}
	return nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// orderedKeys lists m's keys in the order given, then any others sorted.
func orderedKeys(m map[string]any, order []string) []string {
	out := make([]string, 0, len(m))
	seen := map[string]bool{}
	for _, k := range order {
		if _, ok := m[k]; ok && !seen[k] {
			out = append(out, k)
			seen[k] = true
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// keyOrder maps the JSON pointer of each object in data to its keys in
// the order they appear. Bad JSON gives what was read before the fault.
func keyOrder(data []byte) map[string][]string {
	out := map[string][]string{}
	if len(data) == 0 {
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(pointer string) bool
	walk = func(pointer string) bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return false
				}
				k, _ := kt.(string)
				out[pointer] = append(out[pointer], k)
				if !walk(pointer + "/" + escapePointer(k)) {
					return false
				}
			}
			_, err := dec.Token()
			return err == nil
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if !walk(pointer + "/" + strconv.Itoa(i)) {
					return false
				}
			}
			_, err := dec.Token()
			return err == nil
		}
		return true
	}
	walk("")
	return out
}

// decodeValue decodes exactly one JSON value, numbers as json.Number.
func decodeValue(text string) (any, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("unexpected text after the JSON value")
	}
	return v, nil
}
