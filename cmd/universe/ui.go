package main

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/internal/listen"
	"github.com/universe-pm/universe/ui"
)

type uiOptions struct {
	cluster clusterFlags
	addr    string
	public  bool
}

func newUICmd(app *App) *cobra.Command {
	o := &uiOptions{}
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Serve the dashboard: catalog, options form, installs, installed services, cluster",
		Long: `Serve universe's dashboard in the browser: the catalog of the configured
repositories with search, each package's versions, dependencies and an
options form generated from its config.json (errors inline, the rendered
Marathon JSON and the install plan as you type), installs with live
progress, the installed services with upgrade and uninstall, and the
cluster's agents, tasks and deployment queue.

It works on the cluster 'universe install' would: --marathon/MARATHON_URL,
--dcos-url/DCOS_URL, or else the local sandbox, run in-process. It listens
on loopback unless --listen-public is given, prints its URL on stderr and
serves until interrupted. POST requests must come from the dashboard's own
pages (same origin, with the per-process token they carry).`,
		Example: `  universe ui
  universe ui --addr 127.0.0.1:9000 --marathon http://marathon.example:8080
  universe ui --addr 0.0.0.0:8090 --listen-public`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), app)
		},
	}
	f := cmd.Flags()
	o.cluster.add(f)
	f.StringVar(&o.addr, "addr", "127.0.0.1:8090", "address to listen on (loopback unless --listen-public)")
	f.BoolVar(&o.public, "listen-public", false, "allow listening on a non-loopback address")
	return cmd
}

func (o *uiOptions) run(ctx context.Context, app *App) error {
	if err := listen.Check(o.addr, o.public); err != nil {
		return usagef("%v", err)
	}
	cl, err := o.cluster.connect(ctx, app)
	if err != nil {
		return err
	}
	defer cl.close()
	cat, err := openCatalog(ctx, app, o.cluster.config)
	if err != nil {
		return err
	}
	cfg, err := installerConfig(cl, cat, o.cluster.config)
	if err != nil {
		return err
	}
	agents := cl.mc.URL()
	if cl.sb != nil {
		agents = cl.sb.URL()
	}
	srv, err := ui.New(ui.Config{Catalog: cat, Installer: cfg, AgentsURL: agents, LoopbackOnly: !o.public})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := listen.Listen(ctx, o.addr, o.public)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	fmt.Fprintf(app.Stderr, "universe: dashboard on http://%s/ (%s); Ctrl-C stops it\n", net.JoinHostPort(host, port), cl.name)
	err = srv.Serve(ctx, ln)
	if n := srv.Running(); n > 0 {
		fmt.Fprintf(app.Stderr, "universe: interrupting %d running install(s); each rolls back (or halts) as it was asked\n", n)
	}
	return err
}
