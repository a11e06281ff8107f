// Package pubtest holds the small package revision that the publishing
// tests (repo/publish, cmd/universe) write, publish and install.
package pubtest

import "fmt"

// Revision returns the files of a small valid packagingVersion 6.0
// revision of name at version; extra is spliced into package.json (e.g.
// `"upgradesFrom": ["1.0.0"],`). It passes `universe validate --strict`
// and installs as one app, /<name> by default.
func Revision(name, version, extra string) map[string]string {
	return map[string]string{
		"package.json": fmt.Sprintf(`{
  "packagingVersion": "6.0",
  "name": %q,
  "version": %q,
  %s
  "maintainer": "m@example.com",
  "description": "a test package",
  "tags": ["test"]
}
`, name, version, extra),
		"config.json": `{
  "type": "object",
  "properties": {
    "service": {
      "type": "object",
      "description": "service",
      "properties": {
        "name": {"type": "string", "description": "the app id", "default": "` + name + `"}
      }
    }
  }
}
`,
		"marathon.json.mustache": `{
  "id": "{{service.name}}",
  "cmd": "sleep 1000",
  "cpus": 0.1,
  "mem": 32,
  "instances": 1
}
`,
	}
}
