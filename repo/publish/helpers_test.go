package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// revFiles returns the files of a small valid 6.0 revision; extra is
// spliced into package.json (e.g. `"upgradesFrom": ["1.0.0"],`).
func revFiles(name, version, extra string) map[string]string {
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

// srcFS returns a revision's files as a source directory.
func srcFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for n, d := range files {
		m[n] = &fstest.MapFile{Data: []byte(d)}
	}
	return m
}

// writeTree writes revisions into a new directory: keys are revision
// directories (<LETTER>/<name>/<release>).
func writeTree(t *testing.T, revs map[string]map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rd, files := range revs {
		for n, d := range files {
			p := filepath.Join(dir, filepath.FromSlash(rd), n)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(d), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func rulesOf(r *Result) string {
	var s []string
	for _, f := range r.Findings {
		s = append(s, f.Severity.String()+" "+f.Rule+": "+f.Message)
	}
	return strings.Join(s, "\n")
}
