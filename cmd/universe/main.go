// Command universe installs packages from Universe-layout repositories onto
// Marathon clusters, builds and serves those repositories, and validates
// package manifests.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &App{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run executes the command line and maps its outcome to an exit code: 0 for
// success, 1 when the command ran and found a failure (exitError), 2 for
// usage errors.
func run(ctx context.Context, args []string, app *App) int {
	root := newRootCmd(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	fmt.Fprintf(app.Stderr, "universe: %v\n", err)
	var usage *usageError
	if errors.As(err, &usage) {
		return 2
	}
	return 1
}
