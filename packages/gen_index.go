//go:build ignore

// gen_index writes index.json, the native index of the built-in packages,
// which the binary embeds and verifies the packages against. Run it with
// `go generate ./packages` after changing a package; TestIndexCurrent
// fails until then.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/universe-pm/universe/repo/index"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen_index:", err)
		os.Exit(1)
	}
}

func run() error {
	tmp, err := os.MkdirTemp("", "universe-builtin-index-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")
	// A fixed generation time keeps the file identical from run to run.
	_, err = index.BuildFS(context.Background(), os.DirFS("."), out,
		index.Options{Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(out, index.NativeFile))
	if err != nil {
		return err
	}
	return os.WriteFile(index.NativeFile, append(data, '\n'), 0o644)
}
