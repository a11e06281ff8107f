package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptionRows(t *testing.T) {
	config, err := decodeJSON([]byte(`{
  "type": "object",
  "properties": {
    "service": {
      "type": "object",
      "description": "DC/OS service configuration",
      "properties": {
        "name": {"type": "string", "default": "kafka", "description": "The name of the service"},
        "cpus": {"type": ["number", "null"], "default": 1.0, "title": "CPUs"},
        "roles": {"type": "array", "default": ["*"], "items": {"type": "object", "properties": {"role": {"type": "string"}}}}
      },
      "required": ["name"]
    },
    "enabled": {"type": "boolean", "default": false}
  },
  "required": ["service"]
}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []OptionRow{
		{Path: "enabled", Type: "boolean", Default: "false"},
		{Path: "service", Type: "object", Description: "DC/OS service configuration", Required: true},
		{Path: "service.cpus", Type: "number|null", Default: "1.0", Description: "CPUs"},
		{Path: "service.name", Type: "string", Default: `"kafka"`, Description: "The name of the service", Required: true},
		{Path: "service.roles", Type: "array", Default: `["*"]`},
		{Path: "service.roles[].role", Type: "string"},
	}
	if diff := cmp.Diff(want, OptionRows(config.(map[string]any))); diff != "" {
		t.Errorf("OptionRows (-want +got):\n%s", diff)
	}
	if rows := OptionRows(nil); len(rows) != 0 {
		t.Errorf("OptionRows(nil) = %v, want none", rows)
	}
}
