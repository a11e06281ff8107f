package render_test

import (
	"fmt"

	"github.com/universe-pm/universe/installer/render"
)

// Find the secret values of a package's options, show a document without
// them, and store the options as DCOS_PACKAGE_OPTIONS holds them.
func ExampleFindSecrets() {
	config := map[string]any{"properties": map[string]any{
		"user":     map[string]any{"type": "string"},
		"password": map[string]any{"type": "string", "secret": true},
	}}
	options := map[string]any{"user": "ann", "password": "s3cr3t-Zebra-91"}
	s := render.FindSecrets(config, options)
	fmt.Println(s.String("--user=ann --password=s3cr3t-Zebra-91"))
	fmt.Println(render.RedactOptions(config, options))
	// Output:
	// --user=ann --password=<secret:/password>
	// map[password:<secret:/password> user:ann]
}
