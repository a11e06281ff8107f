package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/render"
)

type installOptions struct {
	cluster   clusterFlags
	version   string
	opts      optionFlags
	appID     string
	yes       bool
	dryRun    bool
	timeout   time.Duration
	onFailure string
	output    string
	progress  bool
	resume    bool
	breakLock bool
	// stdin answers the confirmation; os.Stdin when nil.
	stdin io.Reader
}

func newInstallCmd(app *App) *cobra.Command {
	o := &installOptions{}
	cmd := &cobra.Command{
		Use:   "install NAME",
		Short: "Install a package and its dependencies, in order, healthy, or not at all",
		Long: `Install resolves NAME and its dependencies across the configured repositories
(priority order, then the highest releaseVersion; version ranges; installed
packages are reused when they satisfy a range), shows the plan (packages,
versions, app ids, resources, waves), asks for confirmation, then deploys
wave by wave: dependencies first, independent packages in parallel, each
waiting until its deployment is done and its apps run healthy.

On failure (a deployment not healthy before --timeout, a rejected app,
Ctrl-C) --on-failure rollback (the default) removes what this install
created, in reverse order, and nothing else; halt leaves it running and
says how to continue (--resume) or clean up.

Progress is recorded under $XDG_STATE_HOME/universe/: after a crash,
re-run the same command or 'universe install --resume' (options the
package marks secret are recorded redacted: give them again with --set,
--set-file or --options; the plan, progress and -o json show them
redacted too). Packages being
installed are locked; --break-lock takes the lock of an install that is
gone.

Without --marathon/MARATHON_URL or --dcos-url/DCOS_URL it uses the local
sandbox, run in-process, with its state under $XDG_STATE_HOME/universe/sandbox/.`,
		Example: `  universe install spark --yes
  universe install cassandra --set nodes.count=5 --dry-run
  universe install hdfs --options hdfs.json --timeout 30m --on-failure halt
  universe install --resume`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return o.run(cmd.Context(), app, name)
		},
	}
	f := cmd.Flags()
	o.cluster.add(f)
	f.StringVar(&o.version, "package-version", "", "the exact version to install (default: resolved)")
	o.opts.add(f, "")
	f.StringVar(&o.appID, "app-id", "", "the Marathon app (or group) id to use instead of the template's")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the plan and the rendered Marathon JSON, and stop")
	f.DurationVar(&o.timeout, "timeout", installer.DefaultTimeout, "bound for the whole install")
	f.StringVar(&o.onFailure, "on-failure", installer.Rollback, "rollback (remove what this install created) or halt (leave it)")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.BoolVar(&o.progress, "progress", false, "write progress as NDJSON events to stderr")
	f.BoolVar(&o.resume, "resume", false, "continue the last interrupted or halted install (of NAME, if given)")
	f.BoolVar(&o.breakLock, "break-lock", false, "take the locks of another install (when it is gone)")
	return cmd
}

func (o *installOptions) run(ctx context.Context, app *App, name string) error {
	if o.output != "text" && o.output != "json" {
		return usagef("unknown output format %q: use text or json", o.output)
	}
	if o.onFailure != installer.Rollback && o.onFailure != installer.Halt {
		return usagef("--on-failure %q: use rollback or halt", o.onFailure)
	}
	if name == "" && !o.resume {
		return usagef("install needs a package NAME (or --resume)")
	}
	userOptions, err := o.opts.values()
	if err != nil {
		return err
	}
	cl, err := o.cluster.connect(ctx, app)
	if err != nil {
		return err
	}
	defer cl.close()
	view := newProgressView(app.Stderr, o.progress, o.output == "json")
	defer view.stop()
	in, err := newInstaller(ctx, app, cl, o.cluster.config, view.event)
	if err != nil {
		return err
	}
	req := installer.Request{
		Name: name, Version: o.version, Options: userOptions, AppID: o.appID,
		OnFailure: o.onFailure, Timeout: o.timeout, DryRun: o.dryRun, BreakLock: o.breakLock,
	}
	if o.resume {
		if req, err = o.resumeRequest(in, name); err != nil {
			return err
		}
		req.BreakLock = o.breakLock
		// The journal keeps secret options redacted: they come again from
		// --options, --set and --set-file.
		req.Options = render.Merge(req.Options, userOptions)
		fmt.Fprintf(app.Stderr, "universe: resuming install %s of %s\n", req.Resume, req.Name)
	}
	req.Confirm = func(ctx context.Context, p *installer.Plan) (bool, error) {
		if o.output == "text" {
			printPlan(app.Stdout, p, o.dryRun)
		}
		if o.dryRun {
			return true, nil
		}
		if !o.yes && !o.resume && len(p.ToInstall()) > 0 {
			ok, err := o.confirm(app)
			if err != nil || !ok {
				return ok, err
			}
		}
		view.start(p)
		return true, nil
	}
	if o.dryRun {
		// Dry runs stop before Confirm; print the plan here.
		req.Confirm = nil
	}
	res, err := in.Run(ctx, req)
	view.stop()
	if res == nil {
		return err
	}
	if o.dryRun && o.output == "text" {
		printPlan(app.Stdout, res.Plan, true)
		return err
	}
	if o.output == "json" {
		if werr := writeJSON(app.Stdout, res); werr != nil {
			return werr
		}
		if err != nil {
			return &exitError{code: 1}
		}
		return nil
	}
	printResult(app.Stdout, res)
	return err
}

// resumeRequest finds the install to resume.
func (o *installOptions) resumeRequest(in *installer.Installer, name string) (installer.Request, error) {
	entries, err := in.Unfinished()
	if err != nil {
		return installer.Request{}, err
	}
	for _, e := range entries {
		req, err := installer.ResumeRequest(e)
		if err != nil {
			return req, err
		}
		if name == "" || req.Name == name {
			return req, nil
		}
	}
	if name != "" {
		return installer.Request{}, fmt.Errorf("no interrupted install of %s to resume", name)
	}
	return installer.Request{}, errors.New("no interrupted install to resume")
}

// confirm asks "Continue installing? [y/N]" on stderr.
func (o *installOptions) confirm(app *App) (bool, error) {
	in := o.stdin
	if in == nil {
		in = os.Stdin
	}
	fmt.Fprint(app.Stderr, "Continue installing? [y/N] ")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(app.Stderr)
		return false, errors.New("no answer to the confirmation (use --yes to install without asking)")
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// printPlan writes the plan as a person reviews it, then the pre-install
// notes, and with rendered the Marathon JSON of each package.
func printPlan(w io.Writer, p *installer.Plan, rendered bool) {
	fmt.Fprintf(w, "Plan (install %s): %d package(s) in %d wave(s)\n\n", p.Install, len(p.ToInstall()), p.Waves)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WAVE\tPACKAGE\tVERSION\tAPP ID\tCPUS\tMEM\tINSTANCES\tWAITS FOR")
	for _, pk := range p.Packages {
		wave := fmt.Sprint(pk.Wave + 1)
		if pk.Action == "reuse" {
			wave = "-"
		}
		var cpus, mem float64
		inst := 0
		for _, a := range pk.Apps {
			cpus += a.CPUs * float64(a.Instances)
			mem += a.Mem * float64(a.Instances)
			inst += a.Instances
		}
		waits := strings.Join(pk.WaitsFor, ",")
		if waits == "" {
			waits = "-"
		}
		version := pk.Version
		if pk.Action == "reuse" {
			version += " (installed)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g\t%g\t%d\t%s\n", wave, pk.Name, version, pk.AppID, cpus, mem, inst, waits)
	}
	tw.Flush()
	for _, pk := range p.ToInstall() {
		if pk.PreInstallNotes != "" {
			fmt.Fprintf(w, "\n%s %s:\n%s\n", pk.Name, pk.Version, indent(pk.PreInstallNotes))
		}
	}
	if rendered {
		for _, pk := range p.ToInstall() {
			var buf bytes.Buffer
			_ = json.Indent(&buf, pk.Marathon, "", "  ")
			fmt.Fprintf(w, "\n# %s %s (%s)\n%s\n", pk.Name, pk.Version, pk.AppID, buf.String())
		}
	}
	fmt.Fprintln(w)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// printResult writes the outcome, with the post-install notes or what to
// do after a failure.
func printResult(w io.Writer, res *installer.Result) {
	switch res.Status {
	case installer.StatusDeclined:
		fmt.Fprintln(w, "Nothing installed.")
		return
	case installer.StatusSucceeded, installer.StatusInstalled:
		for _, p := range res.Packages {
			verb := "Installed"
			if p.Action == "reuse" {
				verb = "Using installed"
			}
			fmt.Fprintf(w, "%s %s %s as %s\n", verb, p.Name, p.Version, p.AppID)
		}
		for _, p := range res.Packages {
			if p.Action == "install" && p.PostInstallNotes != "" {
				fmt.Fprintf(w, "\n%s %s:\n%s\n", p.Name, p.Version, indent(p.PostInstallNotes))
			}
		}
		return
	case installer.StatusRolledBack:
		fmt.Fprintf(w, "Install %s failed and was rolled back; removed: %s. What existed before is untouched.\n", res.Install, orNone(res.Removed))
	case installer.StatusHalted:
		fmt.Fprintf(w, "Install %s failed and was halted; it is left as it is:\n", res.Install)
	default:
		fmt.Fprintf(w, "Install %s failed (%s):\n", res.Install, res.Status)
	}
	for _, a := range res.Advice {
		fmt.Fprintf(w, "  %s\n", a)
	}
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "nothing"
	}
	return strings.Join(l, ", ")
}
