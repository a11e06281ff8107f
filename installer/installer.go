package installer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/universe-pm/universe/installer/journal"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
)

// Config is what an Installer works with.
type Config struct {
	// Marathon is the cluster's client; required.
	Marathon *marathon.Client
	// Source lists package revisions across the configured repositories,
	// highest priority first (resolve.Trees over loaded trees, or an
	// adapter over a repo/catalog Catalog).
	Source resolve.Source
	// Cluster names the cluster in journals and locks (the Marathon URL, or
	// "sandbox:<state file>" for the local sandbox, whose port changes).
	Cluster string
	// Journal records installs and holds locks; nil records nothing and
	// takes no locks.
	Journal *journal.Store
	// SourceURI maps a repository name to the URI written in
	// DCOS_PACKAGE_SOURCE; the name itself when nil.
	SourceURI func(repository string) string
	// Capacity reports the cluster's free resources, for the pre-flight
	// check; nil skips it. SandboxCapacity reads a sandbox's agents.
	Capacity func(ctx context.Context) (*Capacity, error)
	// OnEvent receives progress events, in order, from one goroutine at a
	// time; nil drops them.
	OnEvent func(Event)
	// ProgressInterval is how often task counts are polled while a package
	// deploys (1s when 0; negative disables polling).
	ProgressInterval time.Duration
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewID makes install ids; random when nil.
	NewID func() string
}

// Installer plans and performs installs, uninstalls and upgrades.
type Installer struct {
	cfg  Config
	emit sync.Mutex
}

// New returns an Installer. It fails when cfg has no Marathon client.
func New(cfg Config) (*Installer, error) {
	if cfg.Marathon == nil {
		return nil, errors.New("installer: no Marathon client")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ProgressInterval == 0 {
		cfg.ProgressInterval = time.Second
	}
	if cfg.NewID == nil {
		cfg.NewID = func() string {
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			return hex.EncodeToString(b)
		}
	}
	return &Installer{cfg: cfg}, nil
}

// The failure policies of Request.OnFailure.
const (
	Rollback = "rollback"
	Halt     = "halt"
)

// Request is one install.
type Request struct {
	Name string `json:"name"`
	// Version is the exact version string; empty for the preferred one.
	Version string `json:"version,omitempty"`
	// Options are the user's options for the requested package.
	Options map[string]any `json:"options,omitempty"`
	// AppID replaces the requested package's app (or group) id.
	AppID string `json:"appId,omitempty"`
	// OnFailure is Rollback (default) or Halt.
	OnFailure string `json:"onFailure,omitempty"`
	// Timeout bounds the whole install (15 min when 0).
	Timeout time.Duration `json:"timeout,omitempty"`
	// DryRun plans and stops.
	DryRun bool `json:"-"`
	// Confirm is asked with the plan before anything changes; false
	// declines. Nil proceeds.
	Confirm func(ctx context.Context, p *Plan) (bool, error) `json:"-"`
	// Resume is the id of an interrupted install to continue.
	Resume string `json:"-"`
	// BreakLock takes locks held by other installs.
	BreakLock bool `json:"-"`
}

// The statuses of a Result.
const (
	StatusSucceeded  = journal.Succeeded
	StatusRolledBack = journal.RolledBack
	StatusHalted     = journal.Halted
	StatusFailed     = journal.Failed
	StatusDryRun     = "dry-run"
	StatusDeclined   = "declined"
	StatusInstalled  = "already-installed"
)

// Result is what an install did.
type Result struct {
	Install string `json:"install"`
	Status  string `json:"status"`
	Plan    *Plan  `json:"plan"`
	// Packages are the planned packages and where each ended.
	Packages []PackageResult `json:"packages"`
	// Stale lists locks of gone installs that were taken over.
	Stale []string `json:"staleLocks,omitempty"`
	// Removed lists the app or group ids a rollback removed, in order.
	Removed []string `json:"removed,omitempty"`
	// Advice says what to do next after a halt or a failed rollback.
	Advice []string `json:"advice,omitempty"`
	Error  string   `json:"error,omitempty"`
	// Elapsed is the install's duration.
	Elapsed time.Duration `json:"elapsedNs"`
}

// PackageResult is one package's outcome.
type PackageResult struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	AppID   string `json:"appId"`
	Wave    int    `json:"wave"`
	// Action is install, or reuse for an installed dependency.
	Action string `json:"action"`
	// State is healthy, failed, pending, deploying, cancelled or removed.
	State            string        `json:"state"`
	Elapsed          time.Duration `json:"elapsedNs,omitempty"`
	PostInstallNotes string        `json:"postInstallNotes,omitempty"`
	Error            string        `json:"error,omitempty"`
}

// Event is a progress event. Type is "plan", "package" (a state change),
// "progress" (task counts), "rollback", "warning" or "done".
type Event struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Install string    `json:"install,omitempty"`
	Package string    `json:"package,omitempty"`
	Version string    `json:"version,omitempty"`
	AppID   string    `json:"appId,omitempty"`
	Wave    int       `json:"wave"`
	// State is waiting, deploying, healthy, failed, reused, removing or
	// removed for "package" events; the install status for "done".
	State   string `json:"state,omitempty"`
	Running int    `json:"running"`
	Healthy int    `json:"healthy"`
	Wanted  int    `json:"wanted"`
	Message string `json:"message,omitempty"`
}

func (in *Installer) event(e Event) {
	if in.cfg.OnEvent == nil {
		return
	}
	e.Time = in.cfg.Now()
	in.emit.Lock()
	defer in.emit.Unlock()
	in.cfg.OnEvent(e)
}

// Capacity is the cluster's free resources.
type Capacity struct {
	CPUs, Mem float64
	// Largest is the largest free amount on a single agent.
	LargestCPUs, LargestMem float64
}

// SandboxCapacity returns a Capacity function reading a universe sandbox's
// /_sandbox/agents at baseURL. On a cluster without that endpoint it
// reports nothing (nil, nil).
func SandboxCapacity(baseURL string, hc *http.Client) func(ctx context.Context) (*Capacity, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	return func(ctx context.Context) (*Capacity, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/_sandbox/agents", nil)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, nil
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, nil
		}
		var agents []struct {
			Free struct {
				CPUs float64 `json:"cpus"`
				Mem  float64 `json:"mem"`
			} `json:"free"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&agents); err != nil {
			return nil, nil
		}
		c := &Capacity{}
		for _, a := range agents {
			c.CPUs += a.Free.CPUs
			c.Mem += a.Free.Mem
			c.LargestCPUs = max(c.LargestCPUs, a.Free.CPUs)
			c.LargestMem = max(c.LargestMem, a.Free.Mem)
		}
		return c, nil
	}
}

// PreflightError is a problem found before anything was created.
type PreflightError struct {
	Problems []string
}

func (e *PreflightError) Error() string {
	s := "the cluster is not ready for this install:"
	for _, p := range e.Problems {
		s += "\n  " + p
	}
	return s
}

func fmtErr(format string, args ...any) error { return fmt.Errorf(format, args...) }
