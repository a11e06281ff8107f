package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// App carries what every command needs from the outside world.
type App struct {
	Stdout io.Writer
	Stderr io.Writer
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exitError ends the command with a code and no further message (the
// command has already said what went wrong).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "universe",
		Short: "Package repositories and installer for Marathon clusters",
		Long: `universe installs packages from Universe-layout repositories onto Marathon
clusters (DC/OS or plain Marathon), builds and serves those repositories, and
validates package manifests.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(app.Stdout)
	root.SetErr(app.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{fmt.Errorf("%w\nRun '%s --help' for usage", err, c.CommandPath())}
	})
	root.AddCommand(newValidateCmd(app))
	root.AddCommand(newRepoCmd(app))
	root.AddCommand(newSearchCmd(app))
	root.AddCommand(newDescribeCmd(app))
	root.AddCommand(newRenderCmd(app))
	root.AddCommand(newInstallCmd(app))
	root.AddCommand(newListCmd(app))
	root.AddCommand(newUninstallCmd(app))
	root.AddCommand(newUpgradeCmd(app))
	root.AddCommand(newSandboxCmd(app))
	root.AddCommand(newScaffoldCmd(app))
	root.AddCommand(newPublishCmd(app))
	root.AddCommand(newYankCmd(app))
	root.AddCommand(newUICmd(app))
	return root
}

// usageArgs wraps a cobra argument validator so its errors are usage errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}
