package schema

import (
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"
)

//go:embed schemas/*.json
var files embed.FS

// ErrUnknownPackagingVersion is wrapped by the errors of Package and Resource
// when they are asked for a packagingVersion this package has no schema for.
var ErrUnknownPackagingVersion = errors.New("unknown packagingVersion")

// Schema is a compiled JSON Schema. It is compiled on first use and is safe
// for concurrent use.
type Schema struct {
	name string // file name under schemas/

	once     sync.Once
	compiled *gojsonschema.Schema
	err      error
}

// packagingVersions lists the known packaging versions in ascending order.
var packagingVersions = []string{"2.0", "3.0", "4.0", "5.0", "6.0"}

var (
	packageSchemas = map[string]*Schema{
		"2.0": {name: "package-v2.0.json"},
		"3.0": {name: "package-v3.0.json"},
		"4.0": {name: "package-v4.0.json"},
		"5.0": {name: "package-v5.0.json"},
		"6.0": {name: "package-v6.0.json"},
	}
	resourceV2    = &Schema{name: "resource-v2.json"}
	resourceV3    = &Schema{name: "resource-v3.json"}
	resourceByPV  = map[string]*Schema{"2.0": resourceV2, "3.0": resourceV3, "4.0": resourceV3, "5.0": resourceV3, "6.0": resourceV3}
	configSchema  = &Schema{name: "config.json"}
	commandSchema = &Schema{name: "command.json"}
	knownVersions = strings.Join(packagingVersions, ", ")
)

// PackagingVersions returns the packaging versions that have a package
// schema, in ascending order: 2.0 to 5.0 as in Universe, and 6.0, this
// project's extension. The caller owns the returned slice.
func PackagingVersions() []string {
	return append([]string(nil), packagingVersions...)
}

// Package returns the schema package.json must satisfy for packagingVersion.
// For a version not in PackagingVersions it returns an error wrapping
// ErrUnknownPackagingVersion.
func Package(packagingVersion string) (*Schema, error) {
	if s, ok := packageSchemas[packagingVersion]; ok {
		return s, nil
	}
	return nil, unknownVersion(packagingVersion)
}

// Resource returns the schema resource.json must satisfy for
// packagingVersion: resource v2 for 2.0 and resource v3 (which adds CLI
// binaries) for 3.0 and later. For a version not in PackagingVersions it
// returns an error wrapping ErrUnknownPackagingVersion.
func Resource(packagingVersion string) (*Schema, error) {
	if s, ok := resourceByPV[packagingVersion]; ok {
		return s, nil
	}
	return nil, unknownVersion(packagingVersion)
}

// Config returns the schema config.json must satisfy whatever the
// packagingVersion: the constraints of the draft-04 meta-schema, without
// format checks, so that config.json is checked to be a JSON Schema.
func Config() *Schema { return configSchema }

// Command returns the schema of command.json, the deprecated pip-installed
// CLI of packagingVersion 2.0 and 3.0 packages.
func Command() *Schema { return commandSchema }

func unknownVersion(v string) error {
	return fmt.Errorf("%w %q (known: %s)", ErrUnknownPackagingVersion, v, knownVersions)
}

// Name returns the schema's file name, such as "package-v4.0.json".
func (s *Schema) Name() string { return s.name }

// Validate checks doc against the schema and returns every violation; a
// valid doc gives none. Violations are sorted by Pointer (token by token,
// array indices as numbers, so a value comes before its descendants), then
// Keyword, then Message, and contain no duplicates.
//
// doc is a decoded JSON document as produced by an encoding/json Decoder with
// UseNumber: map[string]any, []any, json.Number, string, bool or nil. Other
// numeric Go types are accepted and converted to json.Number (float64 values
// lose their original spelling, so 1.0 counts as an integer). Validate returns
// an error only for internal failures (a schema that does not compile, a value
// of another Go type, a malformed json.Number), never because doc is invalid.
func (s *Schema) Validate(doc any) (_ []Violation, err error) {
	compiled, err := s.compile()
	if err != nil {
		return nil, err
	}
	doc, err = normalize(doc)
	if err != nil {
		return nil, fmt.Errorf("validating against %s: %w", s.name, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validating against %s: validator panic: %v", s.name, r)
		}
	}()
	// The raw loader hands doc to the validator as is: no re-marshalling.
	res, err := compiled.Validate(gojsonschema.NewRawLoader(doc))
	if err != nil {
		return nil, fmt.Errorf("validating against %s: %w", s.name, err)
	}
	if res.Valid() {
		return nil, nil
	}
	vs, err := violations(res.Errors())
	if err != nil {
		return nil, fmt.Errorf("validating against %s: %w", s.name, err)
	}
	return vs, nil
}

func (s *Schema) compile() (*gojsonschema.Schema, error) {
	s.once.Do(func() {
		s.compiled, s.err = compile(s.name)
	})
	return s.compiled, s.err
}

// compile compiles an embedded schema with draft-04 semantics. The schemas'
// $refs are all local ("#..."), so nothing is ever fetched.
func compile(name string) (*gojsonschema.Schema, error) {
	data, err := files.ReadFile("schemas/" + name)
	if err != nil {
		return nil, fmt.Errorf("loading schema %s: %w", name, err)
	}
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft4
	sl.AutoDetect = false
	sl.Validate = false // meta-validation would need the draft-04 meta-schema; tests check the schemas instead
	compiled, err := sl.Compile(gojsonschema.NewBytesLoader(data))
	if err != nil {
		return nil, fmt.Errorf("compiling schema %s: %w", name, err)
	}
	return compiled, nil
}
