package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/scaffold"
)

type scaffoldOptions struct {
	dir string
}

func newScaffoldCmd(app *App) *cobra.Command {
	o := &scaffoldOptions{}
	cmd := &cobra.Command{
		Use:   "scaffold NAME",
		Short: "Write a starter packagingVersion 6.0 package revision",
		Long: `Write a starter packagingVersion 6.0 revision of package NAME into --dir
(default ./NAME/): package.json, config.json with described options (service
name, cpus, mem, instances, user, port, placement constraints),
marathon.json.mustache (one app with a health check, an upgrade strategy,
DCOS_SERVICE_* labels and constraints from an option) and resource.json
(icons and the Docker image the template uses by alias).

The revision passes 'universe validate --strict' as it is. Edit it, check it
with 'universe render' and 'universe validate --strict', then release it with
'universe publish DIR'. See docs/authoring.md.

NAME must match ^[a-z][a-z0-9-]*[a-z0-9]$. scaffold refuses to write into a
directory that exists and is not empty.`,
		Example: `  universe scaffold hello
  universe scaffold hello --dir packages/H/hello/100`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(app, args[0])
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "", "directory to write the revision into (default ./NAME)")
	return cmd
}

func (o *scaffoldOptions) run(app *App, name string) error {
	if !scaffold.ValidName(name) {
		return &usageError{&scaffold.InvalidNameError{Name: name}}
	}
	dir := o.dir
	if dir == "" {
		dir = name
	}
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s exists and is not empty: choose another --dir", dir)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	files, err := scaffold.Files(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(app.Stdout, "wrote %s: %s, %s, %s, %s\n", dir, files[0].Name, files[1].Name, files[2].Name, files[3].Name)
	return err
}
