package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

type searchOptions struct {
	config string
	output string
}

func newSearchCmd(app *App) *cobra.Command {
	o := &searchOptions{}
	cmd := &cobra.Command{
		Use:   "search [QUERY]",
		Short: "Search the configured repositories for packages",
		Long: `Search matches QUERY against package names, descriptions and tags, as
Cosmos does: a QUERY containing * is an anchored, case-sensitive pattern
(* matches any text); any other QUERY is a case-insensitive substring; no
QUERY lists everything. Each package appears once, described by the
highest-priority repository that has it. Selected packages come first.
A repository that cannot be reached is reported and the others answer.`,
		Example: `  universe search kafka
  universe search 'spark*' -o json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.output {
			case "text", "json":
			default:
				return usagef("unknown output format %q: use text or json", o.output)
			}
			query := ""
			if len(args) == 1 {
				query = args[0]
			}
			cat, err := openCatalog(cmd.Context(), app, o.config)
			if err != nil {
				return err
			}
			res := cat.Search(cmd.Context(), query)
			printCatalogWarnings(app, cat)
			if o.output == "json" {
				type out struct {
					Packages any `json:"packages"`
				}
				if res == nil {
					return writeJSON(app.Stdout, out{Packages: []any{}})
				}
				return writeJSON(app.Stdout, out{Packages: res})
			}
			term := isTerminalWriter(app.Stdout)
			w, flush := tableWriter(app.Stdout, "NAME", "VERSION", "SELECTED", "FRAMEWORK", "REPOSITORY", "DESCRIPTION")
			for _, r := range res {
				desc := strings.Join(strings.Fields(r.Description), " ")
				if term && len(desc) > 70 {
					desc = desc[:67] + "..."
				}
				fmt.Fprintf(w, "%s\t%s\t%t\t%t\t%s\t%s\n", r.Name, r.CurrentVersion, r.Selected, r.Framework, r.Repository, desc)
			}
			if err := flush(); err != nil {
				return err
			}
			if len(res) == 0 && term {
				fmt.Fprintf(app.Stderr, "universe: no package matches %q\n", query)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.config, "config", "", "configuration file (default $UNIVERSE_CONFIG or $XDG_CONFIG_HOME/universe/config.json)")
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	return cmd
}
