package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/journal"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/internal/listen"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/repo/remote"
)

// clusterFlags say which cluster a lifecycle command works on: a Marathon,
// a DC/OS cluster, or (with neither) the local sandbox run in-process.
type clusterFlags struct {
	marathonURL string
	dcosURL     string
	token       string
	config      string
}

func (c *clusterFlags) add(f *pflag.FlagSet) {
	f.StringVar(&c.marathonURL, "marathon", "", "Marathon's URL (default $MARATHON_URL; neither this nor --dcos-url: the local sandbox)")
	f.StringVar(&c.dcosURL, "dcos-url", "", "a DC/OS cluster's URL (default $DCOS_URL)")
	f.StringVar(&c.token, "token", "", "the DC/OS ACS token (default $DCOS_ACS_TOKEN)")
	f.StringVar(&c.config, "config", "", "the repository configuration file (default $UNIVERSE_CONFIG or $XDG_CONFIG_HOME/universe/config.json)")
}

// cluster is a connected cluster: the Marathon client and, for the local
// sandbox, the sandbox to stop afterwards.
type cluster struct {
	mc       *marathon.Client
	name     string
	capacity func(ctx context.Context) (*installer.Capacity, error)
	sb       *sandbox.Server
}

// close stops the in-process sandbox (persisting its state).
func (c *cluster) close() {
	if c.sb != nil {
		c.sb.Close()
	}
}

// connect opens the cluster the flags and environment designate.
func (c *clusterFlags) connect(ctx context.Context, app *App) (*cluster, error) {
	cfg := marathon.Config{MarathonURL: c.marathonURL, DCOSURL: c.dcosURL, Token: c.token}
	cfg.FromEnv(os.Getenv)
	if cfg.MarathonURL != "" || cfg.DCOSURL != "" {
		mc, err := marathon.New(cfg)
		if err != nil {
			return nil, err
		}
		return &cluster{mc: mc, name: mc.URL(), capacity: installer.SandboxCapacity(mc.URL(), nil)}, nil
	}
	dir, err := journal.DefaultDir()
	if err != nil {
		return nil, err
	}
	statePath := filepath.Join(dir, "sandbox", "state.json")
	speed := 1.0
	if s := os.Getenv("UNIVERSE_SANDBOX_SPEED"); s != "" {
		if speed, err = strconv.ParseFloat(s, 64); err != nil {
			return nil, usagef("UNIVERSE_SANDBOX_SPEED=%s: %v", s, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(statePath), 0o755); err != nil {
		return nil, err
	}
	cfgSB := sandboxAgents
	cfgSB.StatePath, cfgSB.Speed = statePath, speed
	sb, err := sandbox.New(cfgSB)
	if err != nil {
		return nil, fmt.Errorf("starting the local sandbox: %w", err)
	}
	ln, err := listen.Listen(ctx, "127.0.0.1:0", false)
	if err != nil {
		sb.Close()
		return nil, fmt.Errorf("starting the local sandbox: %w", err)
	}
	sb.Serve(context.WithoutCancel(ctx), ln)
	fmt.Fprintf(app.Stderr, "universe: no --marathon or --dcos-url: using the local sandbox (state in %s)\n", statePath)
	cfg.MarathonURL = sb.URL()
	mc, err := marathon.New(cfg)
	if err != nil {
		sb.Close()
		return nil, err
	}
	return &cluster{mc: mc, name: "sandbox:" + statePath, capacity: installer.SandboxCapacity(sb.URL(), nil), sb: sb}, nil
}

// newInstaller builds the installer for a connected cluster over the
// configured repositories.
func newInstaller(ctx context.Context, app *App, cl *cluster, configFlag string, onEvent func(installer.Event)) (*installer.Installer, error) {
	cat, err := openCatalog(ctx, app, configFlag)
	if err != nil {
		return nil, err
	}
	cfg, err := installerConfig(cl, cat, configFlag)
	if err != nil {
		return nil, err
	}
	cfg.OnEvent = onEvent
	return installer.New(cfg)
}

// installerConfig is the installer configuration for a connected cluster
// over a catalog of the configured repositories.
func installerConfig(cl *cluster, cat *catalog.Catalog, configFlag string) (installer.Config, error) {
	uris := map[string]string{}
	if path, err := remote.ConfigPath(configFlag); err == nil {
		if cfg, err := remote.LoadConfig(path); err == nil {
			for _, s := range cfg.Repositories {
				uris[s.Name] = s.URL
				if s.Builtin() {
					uris[s.Name] = builtinSource
				}
			}
		}
	}
	dir, err := journal.DefaultDir()
	if err != nil {
		return installer.Config{}, err
	}
	return installer.Config{
		Marathon: cl.mc,
		Source:   catalogSource{cat},
		Cluster:  cl.name,
		Journal:  &journal.Store{Dir: dir},
		SourceURI: func(name string) string {
			if u, ok := uris[name]; ok {
				return u
			}
			return name
		},
		Capacity: cl.capacity,
	}, nil
}

// catalogSource lists a catalog's revisions for the resolver, reading each
// revision in full (the resolver needs its dependencies).
type catalogSource struct{ c *catalog.Catalog }

func (s catalogSource) Candidates(ctx context.Context, name string) ([]resolve.Candidate, error) {
	var out []resolve.Candidate
	for _, src := range s.c.Sources() {
		rs, err := src.Releases(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("repository %s: %w", src.Name(), err)
		}
		for i := len(rs) - 1; i >= 0; i-- {
			rev, err := src.Revision(ctx, name, rs[i].Release)
			if err != nil {
				return nil, fmt.Errorf("repository %s: %w", src.Name(), err)
			}
			out = append(out, resolve.Candidate{Revision: rev, Repository: src.Name()})
		}
	}
	return out, nil
}
