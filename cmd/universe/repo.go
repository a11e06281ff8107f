package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/internal/listen"
	"github.com/universe-pm/universe/lint"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/repo/index"
	"github.com/universe-pm/universe/repo/remote"
	"github.com/universe-pm/universe/repo/serve"
	"github.com/universe-pm/universe/repo/trust"
)

func newRepoCmd(app *App) *cobra.Command {
	var configPath string
	cmd := &cobra.Command{
		Use:   "repo",
		Short: "Build, serve and configure package repositories",
		Long: `Build a package tree into a repository index, serve it over HTTP with the
Universe consumption protocol, and manage the ordered list of repositories
that search, describe and install read (highest priority first; the
built-in repository is last unless removed).`,
	}
	cmd.PersistentFlags().StringVar(&configPath, "config", "", "configuration file (default $UNIVERSE_CONFIG or $XDG_CONFIG_HOME/universe/config.json)")
	cmd.AddCommand(newRepoBuildCmd(app), newRepoServeCmd(app),
		newRepoAddCmd(app, &configPath), newRepoListCmd(app, &configPath), newRepoRemoveCmd(app, &configPath),
		newRepoKeygenCmd(app), newRepoSignCmd(app))
	return cmd
}

type repoBuildOptions struct {
	packages     string
	out          string
	allowInvalid bool
	noValidate   bool
	signKey      string
}

func newRepoBuildCmd(app *App) *cobra.Command {
	o := &repoBuildOptions{}
	cmd := &cobra.Command{
		Use:   "build [--packages DIR] --out DIR",
		Short: "Write the repository index files for a package tree",
		Long: `Build writes, into --out, what the Universe generator writes (universe.json,
repo-up-to-<dcos>.json for DC/OS 1.8 to 2.0 with their .content_type files,
repo-empty-v3.json and the <dcos>/package/<name>.json split files), with
6.0 packages downgraded to what each file's media type allows, plus the
native v6 index.json (dependencies, per-revision sha256, digest) and its
v6/package/<name>.json split files. Entries are ordered by name and
releaseVersion. The output is written to a temporary directory and renamed
into place, so a failed build leaves the previous one intact. A tree with
validation errors is refused unless --allow-invalid; --no-validate skips
validation altogether (for pipelines that ran 'universe validate' first).
--sign-key signs the output before it replaces the previous one (as
'universe repo sign' does, 90 days' validity), continuing the previous
output's version count.`,
		Example: `  universe repo build --out build/repo
  universe repo build --packages ../universe/repo/packages --out /srv/universe
  universe repo build --out build/repo --sign-key ~/keys/corp.key`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), app) },
	}
	f := cmd.Flags()
	f.StringVar(&o.packages, "packages", "", "package tree (default ./packages, ./repo/packages or .)")
	f.StringVar(&o.out, "out", "", "output directory (replaced as a whole)")
	f.BoolVar(&o.allowInvalid, "allow-invalid", false, "build even when validation finds errors")
	f.BoolVar(&o.noValidate, "no-validate", false, "skip validation (when 'universe validate' already ran, as in CI)")
	f.StringVar(&o.signKey, "sign-key", "", "sign the output with this private key (see 'universe repo sign')")
	return cmd
}

func (o *repoBuildOptions) run(ctx context.Context, app *App) error {
	if o.out == "" {
		return usagef("--out is required")
	}
	if o.packages == "" {
		o.packages = defaultTreePath()
	}
	var finish func(context.Context, string) error
	var signed *trust.Metadata
	var key ed25519.PrivateKey
	if o.signKey != "" {
		// Read the key and the previous version before the build replaces
		// the output.
		var err error
		if key, err = trust.ReadPrivateKey(o.signKey); err != nil {
			return err
		}
		prev, err := trust.PreviousVersion(o.out)
		if err != nil {
			return err
		}
		finish = func(ctx context.Context, dir string) error {
			var serr error
			signed, serr = trust.Sign(ctx, dir, key, trust.SignOptions{Previous: prev})
			return serr
		}
	}
	if !o.noValidate {
		if err := o.check(ctx, app); err != nil {
			return err
		}
		// The loaded tree and the findings are garbage now: give their
		// memory back before the output is built.
		debug.FreeOSMemory()
	}
	// Build from the files, not from the loaded tree, so that only the
	// output is in memory while it is written.
	res, err := index.BuildFS(ctx, repo.DirFS(o.packages), o.out, index.Options{Finish: finish})
	if err != nil {
		return err
	}
	if signed != nil {
		defer printSigned(app, o.out, key, signed)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(app.Stderr, "universe: warning: skipped %s\n", s)
	}
	fmt.Fprintf(app.Stdout, "built %s: %d packages, %d revisions, %d files, %.1f MB, digest %s\n",
		res.Dir, res.Packages, res.Revisions, res.Files, float64(res.Bytes)/1e6, res.Digest)
	return nil
}

// check validates the tree and refuses it when it has errors, unless
// --allow-invalid.
func (o *repoBuildOptions) check(ctx context.Context, app *App) error {
	tree, err := repo.Load(ctx, repo.DirFS(o.packages))
	if err != nil {
		return fmt.Errorf("loading %s: %w", o.packages, err)
	}
	rep, err := lint.Run(ctx, tree)
	if err != nil {
		return err
	}
	if n := rep.Count(repo.Error); n > 0 {
		if !o.allowInvalid {
			errs := &lint.Report{Packages: rep.Packages, Revisions: rep.Revisions}
			for _, f := range rep.Findings {
				if f.Severity == repo.Error {
					errs.Findings = append(errs.Findings, f)
				}
			}
			lint.WriteText(app.Stderr, errs)
			return fmt.Errorf("refusing to build %s: %d validation errors (see universe validate; --allow-invalid builds anyway)", o.packages, n)
		}
		fmt.Fprintf(app.Stderr, "universe: warning: building %s despite %d validation errors\n", o.packages, n)
	}
	return nil
}

type repoServeOptions struct {
	dir    string
	addr   string
	public bool
}

func newRepoServeCmd(app *App) *cobra.Command {
	o := &repoServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve --dir DIR [--addr 127.0.0.1:8086]",
		Short: "Serve a built repository over HTTP",
		Long: `Serve a directory written by 'universe repo build' with the Universe
consumption protocol: GET /repo answers the file for the DC/OS release in
the User-Agent (dcos/X.Y; 2.0 when unknown) in the highest media-type
version the Accept header allows (v6 is the native index; 406 when none),
GET /package/<name> the package's split file, GET /health. Responses carry
ETag (If-None-Match gives 304) and Cache-Control, and are gzipped on
request. Read-only; one access log line per request on stderr. Listens on
loopback only: a non-loopback --addr (or one without a host, such as
:8086) is refused unless --listen-public is given. There is no TLS and no
authentication: put a TLS proxy in front to serve a network. Stops
gracefully on SIGTERM.`,
		Example: `  universe repo serve --dir build/repo
  dcos package repo add --index=0 dev http://127.0.0.1:8086/repo`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), app) },
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "directory written by 'universe repo build'")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8086", "listen address; a non-loopback address needs --listen-public")
	f.BoolVar(&o.public, "listen-public", false, "allow --addr to be a non-loopback address (plain HTTP, no authentication)")
	return cmd
}

func (o *repoServeOptions) run(ctx context.Context, app *App) error {
	if o.dir == "" {
		return usagef("--dir is required")
	}
	if err := listen.Check(o.addr, o.public); err != nil {
		return usagef("--addr %s: %v", o.addr, err)
	}
	s, err := serve.New(o.dir, serve.Options{Logger: slog.New(slog.NewTextHandler(app.Stderr, nil))})
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := listen.Listen(ctx, o.addr, o.public)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "universe: serving %s on http://%s/repo\n", o.dir, ln.Addr())
	return s.Serve(ctx, ln)
}

type repoAddOptions struct {
	index int
	trust string
}

func newRepoAddCmd(app *App, configPath *string) *cobra.Command {
	o := &repoAddOptions{}
	cmd := &cobra.Command{
		Use:   "add NAME URL [--index N]",
		Short: "Add a repository to the list",
		Long: `Add a repository at position --index (0 is the highest priority; by
default the end of the list, before the built-in repository). The
repository is fetched once as a check, as Cosmos does. URL is an http or
https URL such as http://127.0.0.1:8086/repo, or builtin: for the
repository embedded in this binary.

--trust makes it a signed repository: KEY is a public key file written by
'universe repo keygen', or the key's fingerprint (at least its first 16 hex
digits), in which case the key the repository serves (key.pub) is accepted
only if its fingerprint matches. The key is stored in the configuration.
A signed repository is used only while its signature verifies, has not
expired and is not older than a version seen before, and while every file
and package matches its signed digest. Repositories added without --trust
are unverified: their per-package sha256 catches corruption, not tampering.`,
		Example: `  universe repo add dev http://127.0.0.1:8086/repo --index 0
  universe repo add corp https://repo.corp.example/repo --trust corp.pub
  universe repo add corp https://repo.corp.example/repo --trust ab12cd34ef567890`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), app, *configPath, args[0], args[1])
		},
	}
	cmd.Flags().IntVar(&o.index, "index", -1, "position in the list, 0 = highest priority")
	cmd.Flags().StringVar(&o.trust, "trust", "", "verify the repository's signature with this public key file or key fingerprint")
	return cmd
}

func (o *repoAddOptions) run(ctx context.Context, app *App, configFlag, name, url string) error {
	path, err := remote.ConfigPath(configFlag)
	if err != nil {
		return err
	}
	cfg, err := remote.LoadConfig(path)
	if err != nil {
		return err
	}
	src := remote.Source{Name: name, URL: url}
	if err := cfg.AddSource(src, o.index); err != nil {
		return usagef("%v", err)
	}
	if o.trust != "" && url == remote.BuiltinURL {
		return usagef("--trust: the built-in repository is verified against its embedded index")
	}
	signed := ""
	if url != remote.BuiltinURL {
		client, err := newRepoClient()
		if err != nil {
			return err
		}
		if o.trust != "" {
			if src.PublicKey, err = trustedKey(ctx, client, url, o.trust); err != nil {
				return fmt.Errorf("not added: %w", err)
			}
			// Store the key with the source just added.
			for i := range cfg.Repositories {
				if cfg.Repositories[i].Name == name {
					cfg.Repositories[i] = src
				}
			}
		}
		r, err := client.Open(ctx, src)
		if err != nil {
			return fmt.Errorf("not added: %w", err)
		}
		if r.Stale != nil {
			return fmt.Errorf("not added: repository %s: %w", name, r.Stale)
		}
		if r.Signed != nil {
			signed = fmt.Sprintf(", signed version %d verified with key %s", r.Signed.Version, trust.Short(r.KeyFingerprint))
		} else {
			signed = ", unsigned"
		}
	}
	if err := cfg.Save(path); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "universe: added repository %s (%s%s)\n", name, url, signed)
	return nil
}

func newRepoListCmd(app *App, configPath *string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the repositories, highest priority first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := remote.ConfigPath(*configPath)
			if err != nil {
				return err
			}
			cfg, err := remote.LoadConfig(path)
			if err != nil {
				return err
			}
			switch output {
			case "json":
				type item struct {
					Index int    `json:"index"`
					Name  string `json:"name"`
					URL   string `json:"url"`
					// Trust is the trusted key's fingerprint, "unsigned"
					// or "embedded index".
					Trust string `json:"trust"`
				}
				items := []item{}
				for i, s := range cfg.Repositories {
					items = append(items, item{i, s.Name, s.URL, s.Trust()})
				}
				return writeJSON(app.Stdout, items)
			case "text":
			default:
				return usagef("unknown output format %q: use text or json", output)
			}
			w, flush := tableWriter(app.Stdout, "INDEX", "NAME", "URL", "TRUST")
			for i, s := range cfg.Repositories {
				t := s.Trust()
				if trust.IsFingerprint(t) {
					t = "key " + trust.Short(t)
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", i, s.Name, s.URL, t)
			}
			return flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func newRepoRemoveCmd(app *App, configPath *string) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a repository from the list",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := remote.ConfigPath(*configPath)
			if err != nil {
				return err
			}
			cfg, err := remote.LoadConfig(path)
			if err != nil {
				return err
			}
			if err := cfg.Remove(args[0]); err != nil {
				return err
			}
			if err := cfg.Save(path); err != nil {
				return err
			}
			fmt.Fprintf(app.Stderr, "universe: removed repository %s\n", args[0])
			return nil
		},
	}
}

// newRepoClient returns the repository client with the cache under
// $XDG_CACHE_HOME/universe.
func newRepoClient() (*remote.Client, error) {
	dir, err := remote.CacheDir()
	if err != nil {
		return nil, err
	}
	state, err := remote.StateFile()
	if err != nil {
		return nil, err
	}
	return remote.New(remote.Options{CacheDir: dir, StateFile: state}), nil
}

// openCatalog opens every configured repository, in priority order. A
// repository that cannot be opened is reported on stderr and left out.
func openCatalog(ctx context.Context, app *App, configFlag string) (*catalog.Catalog, error) {
	path, err := remote.ConfigPath(configFlag)
	if err != nil {
		return nil, err
	}
	cfg, err := remote.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	client, err := newRepoClient()
	if err != nil {
		return nil, err
	}
	var sources []catalog.Source
	for _, s := range cfg.Repositories {
		if s.Builtin() {
			tree, err := repo.Load(ctx, packages.FS())
			if err != nil {
				return nil, err
			}
			// The built-in packages must be the ones their embedded index
			// pins; a binary built from a changed tree without 'go
			// generate ./packages' refuses them.
			if err := index.VerifyTree(tree, packages.Index()); err != nil {
				fmt.Fprintf(app.Stderr, "universe: warning: refusing repository %s: the built-in packages differ from their embedded index (go generate ./packages): %v\n", s.Name, err)
				continue
			}
			sources = append(sources, catalog.NewTree(s.Name, tree))
			continue
		}
		r, err := client.Open(ctx, s)
		if err != nil {
			fmt.Fprintf(app.Stderr, "universe: warning: %v\n", err)
			continue
		}
		if r.Stale != nil {
			fmt.Fprintf(app.Stderr, "universe: warning: repository %s: using the copy cached at %s: %v\n",
				s.Name, r.FetchedAt.Format("2006-01-02 15:04:05"), r.Stale)
		}
		for _, c := range r.Corrupted {
			fmt.Fprintf(app.Stderr, "universe: warning: repository %s: %v\n", s.Name, c)
		}
		sources = append(sources, r)
	}
	return catalog.New(sources...), nil
}

// printCatalogWarnings reports what went wrong with single repositories
// while answering.
func printCatalogWarnings(app *App, c *catalog.Catalog) {
	for _, w := range c.Warnings {
		fmt.Fprintf(app.Stderr, "universe: warning: %v\n", w)
	}
}

// isTerminalWriter reports whether w is a terminal (tables) rather than a
// pipe or file (tab-separated lines).
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// tableWriter returns a writer for tab-separated rows: aligned under a
// header on a terminal, plain tab-separated lines without a header
// otherwise.
func tableWriter(w io.Writer, header ...string) (io.Writer, func() error) {
	if !isTerminalWriter(w) {
		return w, func() error { return nil }
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw, tw.Flush
}
