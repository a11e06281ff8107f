package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/universe-pm/universe/internal/listen"
	"github.com/universe-pm/universe/marathon/sandbox"
)

type sandboxOptions struct {
	addr       string
	state      string
	agents     int
	agentCPUs  float64
	agentMem   float64
	agentDisk  float64
	agentPorts string
	speed      float64
	latency    time.Duration
	errorRate  float64
	dropRate   float64
	failHealth string
	failTasks  string
	auth       bool
	public     bool
}

func newSandboxCmd(app *App) *cobra.Command {
	o := &sandboxOptions{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local Marathon: the API, deployments, placement and faults",
		Long: `Run a local Marathon-API server for installs, tests and demos.

The sandbox keeps a root group tree with Marathon's status codes, error
bodies, deployment plans, locks and events; tasks run on simulated agents
(placed by resources and constraints; what does not fit waits in /v2/queue)
and go staged, running, healthy on a clock sped up by --speed (0 = at once).
Faults can be turned on by flags or at run time through the admin API under
/_sandbox/ (GET /_sandbox/ describes it). Without --state the cluster lives
in memory; with it, it survives restarts. It stops on SIGINT or SIGTERM.

It listens on loopback only: a non-loopback --addr (or one without a host,
such as :8080) is refused unless --listen-public is given. Even then there
is no TLS, --require-auth only checks that a token is present (it accepts
any), and the admin API under /_sandbox/ is never authenticated.`,
		Example: `  universe sandbox
  universe sandbox --state sandbox.json --agents 5 --agent-cpus 8 --speed 10
  universe sandbox --error-rate 0.2 --drop-rate 0.1 --fail-health '/web*'
  universe sandbox status -o json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), app)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on; a non-loopback address needs --listen-public")
	f.BoolVar(&o.public, "listen-public", false, "allow --addr to be a non-loopback address (no TLS; no authentication unless --require-auth)")
	f.StringVar(&o.state, "state", "", "file keeping the cluster's state across restarts (default: in memory)")
	d := sandboxAgents
	f.IntVar(&o.agents, "agents", d.Agents, "number of simulated agents")
	f.Float64Var(&o.agentCPUs, "agent-cpus", d.AgentCPUs, "cpus of each agent")
	f.Float64Var(&o.agentMem, "agent-mem", d.AgentMem, "memory of each agent, MiB")
	f.Float64Var(&o.agentDisk, "agent-disk", d.AgentDisk, "disk of each agent, MiB")
	f.StringVar(&o.agentPorts, "agent-ports", fmt.Sprintf("%d-%d", d.AgentPortsFrom, d.AgentPortsTo), "port range each agent offers, FROM-TO")
	f.Float64Var(&o.speed, "speed", 1, "simulated time speed: 1 real time, 10 ten times faster, 0 instant")
	f.DurationVar(&o.latency, "latency", 0, "delay every API call by this much")
	f.Float64Var(&o.errorRate, "error-rate", 0, "fraction of API calls answered with 503")
	f.Float64Var(&o.dropRate, "drop-rate", 0, "fraction of API calls whose connection is closed without an answer")
	f.StringVar(&o.failHealth, "fail-health", "", "tasks of apps whose id matches this glob never become healthy")
	f.StringVar(&o.failTasks, "fail-tasks", "", "tasks of apps whose id matches this glob fail and are relaunched with backoff")
	f.BoolVar(&o.auth, "require-auth", false, "answer 401 (WWW-Authenticate: acsjwt) to calls without 'Authorization: token=...'")
	cmd.AddCommand(newSandboxStatusCmd(app))
	return cmd
}

// sandboxAgents are the agents of 'universe sandbox' and of the sandbox
// commands run in-process: shaped like a small DC/OS cluster's private
// agents, which offer ports 1025-32000 (less the few DC/OS itself uses;
// Mesos's own default, 31000-32000, fits no package with fixed ports).
var sandboxAgents = sandbox.Config{Agents: 6, AgentCPUs: 8, AgentMem: 32768, AgentDisk: 262144,
	AgentPortsFrom: 1025, AgentPortsTo: 32000}

// parsePortRange parses FROM-TO.
func parsePortRange(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		from, err = strconv.Atoi(a)
		if err == nil {
			to, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || from < 1 || to > 65535 || from > to {
		return 0, 0, fmt.Errorf("want FROM-TO within 1-65535, such as 1025-32000")
	}
	return from, to, nil
}

func (o *sandboxOptions) validate() error {
	if o.agents < 1 {
		return usagef("--agents %d: need at least one agent", o.agents)
	}
	if o.agentCPUs <= 0 || o.agentMem <= 0 || o.agentDisk < 0 {
		return usagef("--agent-cpus and --agent-mem must be positive")
	}
	if _, _, err := parsePortRange(o.agentPorts); err != nil {
		return usagef("--agent-ports %s: %v", o.agentPorts, err)
	}
	if o.speed < 0 {
		return usagef("--speed %v: must be 0 or more", o.speed)
	}
	for name, r := range map[string]float64{"--error-rate": o.errorRate, "--drop-rate": o.dropRate} {
		if r < 0 || r > 1 {
			return usagef("%s %v: must be between 0 and 1", name, r)
		}
	}
	return nil
}

func (o *sandboxOptions) run(ctx context.Context, app *App) error {
	if err := o.validate(); err != nil {
		return err
	}
	if err := listen.Check(o.addr, o.public); err != nil {
		return usagef("--addr %s: %v", o.addr, err)
	}
	from, to, _ := parsePortRange(o.agentPorts)
	s, err := sandbox.New(sandbox.Config{
		Agents: o.agents, AgentCPUs: o.agentCPUs, AgentMem: o.agentMem, AgentDisk: o.agentDisk,
		AgentPortsFrom: from, AgentPortsTo: to,
		Speed: o.speed, StatePath: o.state, RequireAuth: o.auth,
		Faults: sandbox.Faults{Latency: sandbox.Duration(o.latency), ErrorRate: o.errorRate, DropRate: o.dropRate,
			FailHealth: o.failHealth, FailTasks: o.failTasks},
	})
	if err != nil {
		return err
	}
	ln, err := listen.Listen(ctx, o.addr, o.public)
	if err != nil {
		s.Close()
		return err
	}
	s.Serve(ctx, ln)
	where := "in memory"
	if o.state != "" {
		where = o.state
	}
	fmt.Fprintf(app.Stderr, "universe sandbox: Marathon API on %s (state %s, %d agents, speed %v); admin API at %s/_sandbox/; Ctrl-C stops\n",
		s.URL(), where, o.agents, o.speed, s.URL())
	<-ctx.Done()
	fmt.Fprintln(app.Stderr, "universe sandbox: shutting down")
	if err := s.Close(); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

type sandboxStatusOptions struct {
	addr   string
	output string
}

func newSandboxStatusCmd(app *App) *cobra.Command {
	o := &sandboxStatusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a running sandbox's agents with their used and free resources",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), app)
		},
	}
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "address (or URL) of the sandbox")
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	return cmd
}

func (o *sandboxStatusOptions) run(ctx context.Context, app *App) error {
	if o.output != "text" && o.output != "json" {
		return usagef("unknown output format %q: use text or json", o.output)
	}
	base := o.addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/_sandbox/agents", nil)
	if err != nil {
		return usagef("--addr %s: %v", o.addr, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no sandbox answers at %s: %w", o.addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s is not a universe sandbox: GET /_sandbox/agents answered %d %s", o.addr, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	var agents []sandbox.AgentStatus
	if err := json.NewDecoder(resp.Body).Decode(&agents); err != nil {
		return fmt.Errorf("reading agents from %s: %w", o.addr, err)
	}
	if o.output == "json" {
		return writeJSON(app.Stdout, agents)
	}
	w, flush := tableWriter(app.Stdout, "AGENT", "HOSTNAME", "TASKS", "CPUS USED", "CPUS FREE", "MEM USED", "MEM FREE", "DISK USED", "DISK FREE", "PORTS FREE")
	for _, a := range agents {
		fmt.Fprintf(w, "%s\t%s\t%d\t%g\t%g\t%g\t%g\t%g\t%g\t%d\n", a.ID, a.Hostname, a.Tasks,
			a.Used.CPUs, a.Free.CPUs, a.Used.Mem, a.Free.Mem, a.Used.Disk, a.Free.Disk, a.Free.Ports)
	}
	return flush()
}
