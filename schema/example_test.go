package schema_test

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/universe-pm/universe/schema"
)

func ExamplePackage() {
	const packageJSON = `{
		"packagingVersion": "4.0",
		"name": "hello-world",
		"version": "1.0 beta",
		"description": "Says hello",
		"tags": ["demo", "hello world"],
		"manager": {"packageName": "kubernetes"}
	}`
	dec := json.NewDecoder(strings.NewReader(packageJSON))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		log.Fatal(err)
	}

	s, err := schema.Package(doc["packagingVersion"].(string))
	if err != nil {
		log.Fatal(err)
	}
	violations, err := s.Validate(doc)
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range violations {
		fmt.Printf("%s %q %s\n", s.Name(), v.Pointer, v.Message)
	}
	// Output:
	// package-v4.0.json "" missing required property "maintainer"
	// package-v4.0.json "/manager" property "manager" is not allowed
	// package-v4.0.json "/tags/1" "hello world" does not match pattern ^[^\s\v\x1c-\x1f\x85\p{Z}]+$
	// package-v4.0.json "/version" "1.0 beta" does not match pattern ^[-a-zA-Z0-9.]+$
}

func ExamplePackage_unknownVersion() {
	_, err := schema.Package("1.0")
	fmt.Println(err)
	// Output:
	// unknown packagingVersion "1.0" (known: 2.0, 3.0, 4.0, 5.0, 6.0)
}

func ExampleConfig() {
	var doc any
	dec := json.NewDecoder(strings.NewReader(`{"type": "object", "required": false,
		"properties": {"port": {"type": "integer", "default": "8080"}}}`))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		log.Fatal(err)
	}
	violations, err := schema.Config().Validate(doc)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(violations)
	// Output:
	// [/required: expected array, found boolean (type)]
}
