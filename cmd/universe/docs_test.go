package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// cliDocsDir is where the command reference lives, relative to this package.
const cliDocsDir = "../../docs/cli"

// TestCLIDocs fails when docs/cli/ does not match the command definitions.
// Regenerate with
//
//	go generate ./cmd/universe
//
// which runs this test with -update.
func TestCLIDocs(t *testing.T) {
	want := cliDocs(newRootCmd(&App{Stdout: new(bytes.Buffer), Stderr: new(bytes.Buffer)}))
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		writeCLIDocs(t, want)
		return
	}
	entries, err := os.ReadDir(cliDocsDir)
	if err != nil {
		t.Fatalf("reading %s (run with -update to create it): %v", cliDocsDir, err)
	}
	var have []string
	for _, e := range entries {
		have = append(have, e.Name())
	}
	if diff := cmp.Diff(sortedKeys(want), have); diff != "" {
		t.Errorf("files in docs/cli/ (-want +got), run go generate ./cmd/universe:\n%s", diff)
	}
	for name, doc := range want {
		got, err := os.ReadFile(filepath.Join(cliDocsDir, name))
		if err != nil {
			continue // reported above
		}
		if diff := cmp.Diff(string(doc), string(got)); diff != "" {
			t.Errorf("docs/cli/%s is stale (-want +got), run go generate ./cmd/universe:\n%s", name, diff)
		}
	}
}

func writeCLIDocs(t *testing.T, docs map[string][]byte) {
	t.Helper()
	if err := os.RemoveAll(cliDocsDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(cliDocsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(cliDocsDir, name), doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cliDocs renders one markdown page per visible command of the tree under
// root, named after its path ("universe_repo_build.md"), plus README.md, an
// index. It walks the cobra tree itself: cobra/doc would pull go-md2man and
// yaml into the module for its man and YAML generators.
func cliDocs(root *cobra.Command) map[string][]byte {
	docs := map[string][]byte{}
	var index bytes.Buffer
	index.WriteString("# Command reference\n\nGenerated from the command definitions by `go generate ./cmd/universe`; do not edit.\n\n")
	var walk func(c *cobra.Command, depth int)
	walk = func(c *cobra.Command, depth int) {
		if c.Hidden {
			return
		}
		fmt.Fprintf(&index, "%s- [%s](%s) — %s\n", strings.Repeat("  ", depth), c.CommandPath(), docFile(c), c.Short)
		docs[docFile(c)] = cliDoc(c)
		for _, sub := range c.Commands() {
			walk(sub, depth+1)
		}
	}
	walk(root, 0)
	docs["README.md"] = index.Bytes()
	return docs
}

func docFile(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
}

func cliDoc(c *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", c.CommandPath(), c.Short)
	fmt.Fprintf(&b, "```\n%s\n```\n\n", c.UseLine())
	if c.Long != "" {
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(c.Long))
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "## Examples\n\n```\n%s\n```\n\n", strings.TrimRight(c.Example, "\n"))
	}
	if fs := c.NonInheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "## Flags\n\n```\n%s```\n\n", fs.FlagUsages())
	}
	if fs := c.InheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "## Flags inherited from parent commands\n\n```\n%s```\n\n", fs.FlagUsages())
	}
	var subs []*cobra.Command
	for _, s := range c.Commands() {
		if !s.Hidden {
			subs = append(subs, s)
		}
	}
	if len(subs) > 0 {
		b.WriteString("## Commands\n\n")
		for _, s := range subs {
			fmt.Fprintf(&b, "- [%s](%s) — %s\n", s.CommandPath(), docFile(s), s.Short)
		}
		b.WriteString("\n")
	}
	if p := c.Parent(); p != nil {
		fmt.Fprintf(&b, "See also [%s](%s).\n", p.CommandPath(), docFile(p))
	} else {
		b.WriteString("See also the [command index](README.md).\n")
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}
