package lint

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/schema"
)

// draft4Keywords are the keywords of JSON Schema draft 04.
var draft4Keywords = map[string]bool{
	"$schema": true, "id": true, "$ref": true, "title": true, "description": true, "default": true,
	"multipleOf": true, "maximum": true, "exclusiveMaximum": true, "minimum": true, "exclusiveMinimum": true,
	"maxLength": true, "minLength": true, "pattern": true, "additionalItems": true, "items": true,
	"maxItems": true, "minItems": true, "uniqueItems": true, "maxProperties": true, "minProperties": true,
	"required": true, "additionalProperties": true, "definitions": true, "properties": true,
	"patternProperties": true, "dependencies": true, "enum": true, "type": true, "format": true,
	"allOf": true, "anyOf": true, "oneOf": true, "not": true,
}

// extensionKeywords are keywords beyond draft 04 that tools act on: media is
// the DC/OS UI's hint for how to edit or hide a value (1,211 uses in the
// Universe corpus), secret is ours (the value is never printed).
var extensionKeywords = map[string]bool{"media": true, "secret": true}

func (c *checker) config() {
	f := c.rev.Config
	if f == nil || f.Err != nil {
		return
	}
	c.do("config", f, func(c *checker) { c.configFile(f) })
}

func (c *checker) configFile(f *repo.File) {
	vs := c.validate(schema.Config(), f.Value)
	for _, v := range vs {
		c.violation(RuleConfigSchema, f, v)
	}
	root, ok := f.Object()
	if !ok {
		return
	}
	c.unknownKeywords(f, root, "")
	if len(vs) == 0 {
		c.defaults(f, root) // only a valid schema can judge its defaults
	}
}

// unknownKeywords warns about keys in schema positions that no JSON Schema
// draft 04 validator knows, such as the typo "type:" or "extraProperties":
// they are silently ignored, so the constraint their author meant is not
// enforced.
func (c *checker) unknownKeywords(f *repo.File, s map[string]any, ptr string) {
	for _, k := range sortedKeys(s) {
		if !draft4Keywords[k] && !extensionKeywords[k] && !strings.HasPrefix(k, "x-") {
			hint := ""
			if fixed := strings.TrimRight(k, ":"); fixed != k && draft4Keywords[fixed] {
				hint = fmt.Sprintf(" (did you mean %q?)", fixed)
			}
			if k == "extraProperties" {
				hint = ` (did you mean "additionalProperties"?)`
			}
			c.atKey(repo.Warning, RuleConfigKeyword, f, ptr+jsonPointer(k), fmt.Sprintf(
				"unknown JSON schema keyword %q%s: validators ignore it", k, hint))
		}
	}
	for _, k := range []string{"properties", "patternProperties", "definitions", "dependencies"} {
		m, _ := s[k].(map[string]any)
		for _, name := range sortedKeys(m) {
			if sub, ok := m[name].(map[string]any); ok {
				c.unknownKeywords(f, sub, ptr+jsonPointer(k, name))
			}
		}
	}
	for _, k := range []string{"items", "additionalItems", "additionalProperties", "not"} {
		if sub, ok := s[k].(map[string]any); ok {
			c.unknownKeywords(f, sub, ptr+jsonPointer(k))
		}
	}
	for _, k := range []string{"items", "allOf", "anyOf", "oneOf"} {
		l, _ := s[k].([]any)
		for i, e := range l {
			if sub, ok := e.(map[string]any); ok {
				c.unknownKeywords(f, sub, ptr+jsonPointer(k, strconv.Itoa(i)))
			}
		}
	}
}

// defaultSite is a property schema in config.json that declares a default.
type defaultSite struct {
	ptr    string
	schema map[string]any
}

// defaults checks every default against the schema of its own property, in
// one validation: a synthetic object schema whose property i is the i-th
// property schema with a default, against the object of those defaults.
// (Cosmos never checks defaults; a bad one surfaces only when a user installs
// with options, as "Options JSON failed validation".)
func (c *checker) defaults(f *repo.File, root map[string]any) {
	var sites []defaultSite
	var walk func(s map[string]any, ptr string)
	walk = func(s map[string]any, ptr string) {
		if _, ok := s["default"]; ok && ptr != "" {
			sites = append(sites, defaultSite{ptr, s})
		}
		props, _ := s["properties"].(map[string]any)
		for _, name := range sortedKeys(props) {
			if sub, ok := props[name].(map[string]any); ok {
				walk(sub, ptr+jsonPointer("properties", name))
			}
		}
	}
	walk(root, "")
	if len(sites) == 0 {
		return
	}
	props := make(map[string]any, len(sites))
	instance := make(map[string]any, len(sites))
	for i, s := range sites {
		props[strconv.Itoa(i)] = s.schema
		instance[strconv.Itoa(i)] = s.schema["default"]
	}
	synthetic := map[string]any{"type": "object", "properties": props}
	if defs, ok := root["definitions"]; ok {
		synthetic["definitions"] = defs
	}
	s, err := schema.Compile(synthetic)
	if err != nil {
		return // config.json is not a usable schema; config/schema says why
	}
	for _, v := range c.validate(s, instance) {
		idx, rest, _ := strings.Cut(strings.TrimPrefix(v.Pointer, "/"), "/")
		i, err := strconv.Atoi(idx)
		if err != nil || i >= len(sites) {
			continue
		}
		site := sites[i]
		ptr := site.ptr + "/default"
		if rest != "" {
			ptr += "/" + rest
		}
		c.at(repo.Error, RuleConfigDefault, f, ptr, fmt.Sprintf(
			"default %s is not valid for its property: %s", jsonText(site.schema["default"]), v.Message))
	}
}
