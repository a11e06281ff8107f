package ui_test

import (
	"encoding/json"
	"fmt"

	"github.com/universe-pm/universe/ui"
)

// The options form of a config.json, and the options a user's edits
// amount to: only what differs from the defaults, typed as the schema says.
func ExampleForm() {
	raw := []byte(`{"type": "object", "properties": {
	  "service": {"type": "object", "required": ["name"], "properties": {
	    "name": {"type": "string", "default": "web"},
	    "cpus": {"type": "number", "default": 0.5},
	    "mode": {"type": "string", "enum": ["fast", "safe"], "default": "safe"}}}}}`)
	var config map[string]any
	_ = json.Unmarshal(raw, &config)
	form := ui.Form(config, raw)
	for _, f := range form[0].Fields {
		fmt.Printf("%s %s required=%v value=%s\n", f.Pointer, f.Kind, f.Required, f.Value)
	}
	opts, errs := ui.Options(form, map[string]string{"/service/name": "web", "/service/cpus": "2", "/service/mode": `"fast"`})
	b, _ := json.Marshal(opts)
	fmt.Println(string(b), errs)
	// Output:
	// /service/name text required=true value=web
	// /service/cpus number required=false value=0.5
	// /service/mode select required=false value="safe"
	// {"service":{"cpus":2,"mode":"fast"}} []
}
