package schema

import (
	"fmt"
	"strings"

	"github.com/xeipuuv/gojsonschema"
)

// Compile compiles a schema supplied by a package, such as a config.json or
// one of its property schemas, with draft-04 semantics, so that documents can
// be validated against it. doc is the decoded schema (as Validate takes
// documents). Only local references ("#/definitions/x") are allowed: a
// package's schema never makes the validator fetch anything, so a $ref to
// any other document is an error.
func Compile(doc any) (_ *Schema, err error) {
	if ref, ok := remoteRef(doc); ok {
		return nil, fmt.Errorf("compiling schema: $ref %q refers to another document; only local references (#/...) are supported", ref)
	}
	doc, err = normalize(doc)
	if err != nil {
		return nil, fmt.Errorf("compiling schema: %w", err)
	}
	defer func() {
		// gojsonschema panics on some malformed schemas ("type": [7]);
		// a package's schema must never crash us.
		if r := recover(); r != nil {
			err = fmt.Errorf("compiling schema: malformed schema: %v", r)
		}
	}()
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft4
	sl.AutoDetect = false
	sl.Validate = false
	compiled, err := sl.Compile(gojsonschema.NewRawLoader(doc))
	if err != nil {
		return nil, fmt.Errorf("compiling schema: %w", err)
	}
	s := &Schema{name: "package schema", compiled: compiled}
	s.once.Do(func() {}) // already compiled
	return s, nil
}

// remoteRef finds a $ref anywhere in doc that is not a local fragment.
func remoteRef(doc any) (string, bool) {
	switch v := doc.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && k == "$ref" && !strings.HasPrefix(s, "#") {
				return s, true
			}
			if r, ok := remoteRef(e); ok {
				return r, true
			}
		}
	case []any:
		for _, e := range v {
			if r, ok := remoteRef(e); ok {
				return r, true
			}
		}
	}
	return "", false
}
