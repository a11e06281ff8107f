package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Clock tells the time; tests inject a fake one to control task progress.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Config configures a sandbox. The zero value is a usable in-memory sandbox
// with 3 agents of 4 cpus and 16 GiB each, running at real-time speed.
type Config struct {
	// Agents is the number of simulated agents (default 3); AgentCPUs,
	// AgentMem (MiB) and AgentDisk (MiB) their sizes (4, 16384, 65536).
	Agents                         int
	AgentCPUs, AgentMem, AgentDisk float64
	// AgentPortsFrom and AgentPortsTo are the port range each agent offers
	// (default 31000-32000, Mesos's default; DC/OS private agents offer
	// 1025-32000 less the ports its own services use).
	AgentPortsFrom, AgentPortsTo int
	// Speed scales simulated time: 1 real time, 10 ten times faster, 0
	// instant (tasks become running and healthy at once).
	Speed float64
	// Clock defaults to the wall clock.
	Clock Clock
	// StatePath, when set, makes the state durable in that file.
	StatePath string
	// Faults are the faults active from the start.
	Faults Faults
	// RequireAuth makes every API call without 'Authorization: token=...'
	// answer 401 with 'WWW-Authenticate: acsjwt', as DC/OS Admin Router does.
	RequireAuth bool
	// MaxRunningDeployments is Marathon's --max_running_deployments (100).
	MaxRunningDeployments int
	// EventLogSize bounds the event log kept for EventLog (default 100000).
	EventLogSize int
	// Logger receives the sandbox's log; nil discards it.
	Logger *slog.Logger
	// ReadTimeout bounds reading one request, body included (default
	// DefaultReadTimeout). net/http lifts it once the body is read, so the
	// event stream lives on past it.
	ReadTimeout time.Duration
	// MaxRequestBody bounds a request body (default
	// DefaultMaxRequestBody): a larger one is answered 413.
	MaxRequestBody int64
}

// Limits of the sandbox's HTTP server, against clients that send too much
// or too slowly.
const (
	// DefaultMaxRequestBody is the default Config.MaxRequestBody, four
	// times the renderer's MaxOutputSize.
	DefaultMaxRequestBody = 64 << 20
	// MaxHeaderBytes bounds the request line and headers (a DC/OS token is
	// about 1 KB).
	MaxHeaderBytes = 64 << 10
	// ReadHeaderTimeout bounds reading the request line and headers.
	ReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout is the default Config.ReadTimeout.
	DefaultReadTimeout = 2 * time.Minute
	// IdleTimeout closes keep-alive connections left idle this long.
	IdleTimeout = 2 * time.Minute
)

// Faults are the failures the sandbox injects into API calls and tasks.
type Faults struct {
	// Latency delays every API call.
	Latency Duration `json:"latency"`
	// ErrorRate is the fraction of API calls answered with a 503.
	ErrorRate float64 `json:"errorRate"`
	// DropRate is the fraction of API calls whose connection is closed
	// without an answer, half before and half after the call is applied.
	DropRate float64 `json:"dropRate"`
	// FailHealth is a glob on app ids whose tasks never become healthy.
	FailHealth string `json:"failHealth"`
	// FailTasks is a glob on app ids whose tasks fail and are relaunched
	// with backoff.
	FailTasks string `json:"failTasks"`
	// Hang is a glob on app ids whose new tasks stay staged (no offer
	// ever fits), so their deployments never finish until it is lifted.
	Hang string `json:"hang,omitempty"`
}

// Duration is a time.Duration written in JSON as a Go duration string.
type Duration time.Duration

// MarshalJSON writes "50ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "50ms" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration: want a string like \"50ms\": %w", err)
	}
	*d = Duration(n)
	return nil
}

// Event is one entry of the sandbox's event log: every event the sandbox
// emitted, in order, with its Marathon payload.
type Event struct {
	Seq   int64           `json:"seq"`
	Type  string          `json:"eventType"`
	AppID string          `json:"appId,omitempty"`
	Data  json.RawMessage `json:"data"`
}

// Server is a running (or startable) sandbox.
type Server struct {
	cfg   Config
	clock Clock
	log   *slog.Logger

	mu          sync.Mutex
	apps        map[string]*appState
	zombies     map[string]*appState // removed apps whose tasks are still being stopped
	groups      map[string]*groupState
	rootVersion string
	lastVersion time.Time
	deployments []*deployment
	agents      []*Agent
	nextPort    int
	active      map[string]bool // apps that may still change on their own
	faults      Faults
	injected    FaultCounts
	rng         *mrand.Rand

	events   []logged
	seq      int64
	subs     map[*subscriber]bool
	dirty    bool
	persist  *store
	httpSrv  *http.Server
	listener net.Listener
	done     chan struct{}
	wg       sync.WaitGroup
	handler  http.Handler

	closeOnce sync.Once
	closeErr  error
}

type groupState struct {
	ID           string   `json:"id"`
	Dependencies []string `json:"dependencies"`
	Version      string   `json:"version"`
	EnforceRole  bool     `json:"enforceRole"`
}

// New builds a sandbox from cfg, loading its state file when one is given
// (and locking it against other processes). It returns an error when the
// state file cannot be read or is locked.
func New(cfg Config) (*Server, error) {
	if cfg.Agents == 0 {
		cfg.Agents = 3
	}
	if cfg.AgentCPUs == 0 {
		cfg.AgentCPUs = 4
	}
	if cfg.AgentMem == 0 {
		cfg.AgentMem = 16384
	}
	if cfg.AgentDisk == 0 {
		cfg.AgentDisk = 65536
	}
	if cfg.AgentPortsFrom == 0 && cfg.AgentPortsTo == 0 {
		cfg.AgentPortsFrom, cfg.AgentPortsTo = 31000, 32000
	}
	if cfg.AgentPortsFrom < 1 || cfg.AgentPortsTo > 65535 || cfg.AgentPortsFrom > cfg.AgentPortsTo {
		return nil, fmt.Errorf("agent ports %d-%d: want a range within 1-65535", cfg.AgentPortsFrom, cfg.AgentPortsTo)
	}
	if cfg.MaxRunningDeployments == 0 {
		cfg.MaxRunningDeployments = 100
	}
	if cfg.MaxRequestBody <= 0 {
		cfg.MaxRequestBody = DefaultMaxRequestBody
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.EventLogSize == 0 {
		cfg.EventLogSize = 100000
	}
	if cfg.Speed < 0 {
		return nil, fmt.Errorf("speed %v: must be 0 or more", cfg.Speed)
	}
	s := &Server{
		cfg: cfg, clock: cfg.Clock, log: cfg.Logger,
		apps: map[string]*appState{}, zombies: map[string]*appState{}, groups: map[string]*groupState{},
		agents:   newAgents(cfg.Agents, cfg.AgentCPUs, cfg.AgentMem, cfg.AgentDisk, cfg.AgentPortsFrom, cfg.AgentPortsTo),
		nextPort: 10000, active: map[string]bool{}, faults: cfg.Faults,
		rng:  mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1)),
		subs: map[*subscriber]bool{}, done: make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.rootVersion = s.newVersion()
	for _, a := range s.agents {
		a.reset()
	}
	if cfg.StatePath != "" {
		st, err := openStore(cfg.StatePath)
		if err != nil {
			return nil, err
		}
		s.persist = st
		if err := s.load(); err != nil {
			st.close()
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the sandbox's HTTP handler (API, events, /_sandbox/ admin).
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr ("127.0.0.1:0" for an ephemeral loopback port, the
// default when addr is empty) and serves until Close or until ctx ends.
// Start listens wherever addr says; callers that must keep to loopback
// open the listener themselves and use Serve.
func (s *Server) Start(ctx context.Context, addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	s.Serve(ctx, ln)
	return nil
}

// Serve serves on ln, which the sandbox then owns, until Close or until ctx
// ends. It returns at once; call it (or Start) only once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) {
	s.listener = ln
	s.httpSrv = &http.Server{Handler: s.handler, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: s.cfg.ReadTimeout,
		IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serving", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		s.loop(ctx)
	}()
}

// URL is the base URL of a started sandbox, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops serving (closing event streams), writes the state file a
// last time and releases its lock.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	close(s.done)
	var err error
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.httpSrv.Shutdown(ctx)
		cancel()
	}
	s.wg.Wait()
	if s.persist != nil {
		s.mu.Lock()
		werr := s.save()
		s.mu.Unlock()
		s.persist.close()
		if err == nil {
			err = werr
		}
	}
	return err
}

// loop advances the simulation and flushes the state file.
func (s *Server) loop(ctx context.Context) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	flush := time.NewTicker(100 * time.Millisecond)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			go s.Close()
			return
		case <-s.done:
			return
		case <-tick.C:
			s.mu.Lock()
			s.step()
			s.mu.Unlock()
		case <-flush.C:
			s.mu.Lock()
			if s.dirty && s.persist != nil {
				if err := s.save(); err != nil {
					s.log.Error("saving state", "err", err)
				}
			}
			s.mu.Unlock()
		}
	}
}

// SetFaults replaces the active faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	for id := range s.apps {
		s.active[id] = true
	}
	s.mu.Unlock()
}

// FaultCounts are the API faults injected so far.
type FaultCounts struct {
	// Errors are calls answered with an injected 503.
	Errors int `json:"errors"`
	// DropsBefore and DropsAfter are connections closed without an answer
	// before and after the call was applied.
	DropsBefore int `json:"dropsBefore"`
	DropsAfter  int `json:"dropsAfter"`
	// Delayed are calls delayed by the latency fault.
	Delayed int `json:"delayed"`
}

// InjectedFaults returns the API faults injected since the sandbox started.
func (s *Server) InjectedFaults() FaultCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// CurrentFaults returns the active faults.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Agents returns every agent with its used and free resources.
func (s *Server) Agents() []AgentStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AgentStatus, len(s.agents))
	for i, a := range s.agents {
		out[i] = a.status()
	}
	return out
}

// AddAgent adds an agent of the given size and returns its status; queued
// tasks may be placed on it at once.
func (s *Server) AddAgent(cpus, mem, disk float64) AgentStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := newAgents(len(s.agents)+1, cpus, mem, disk, s.cfg.AgentPortsFrom, s.cfg.AgentPortsTo)[len(s.agents)]
	a.reset()
	s.agents = append(s.agents, a)
	for id, app := range s.apps {
		if app.queued > 0 {
			s.active[id] = true
		}
	}
	s.step()
	return a.status()
}

// Subscribers returns the number of open /v2/events streams.
func (s *Server) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// EventLog returns the events emitted so far (the last EventLogSize), in
// order; a test reads it to check in which order apps were created,
// started and became healthy.
func (s *Server) EventLog() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, len(s.events))
	for i := range s.events {
		e := &s.events[i]
		if e.payload != nil {
			e.Data, _ = json.Marshal(e.payload)
			e.payload = nil
		}
		out[i] = e.Event
	}
	return out
}

// Settle runs the simulation until nothing changes without time passing;
// with speed 0 every deployment that can finish has finished afterwards.
func (s *Server) Settle() {
	s.mu.Lock()
	s.step()
	s.mu.Unlock()
}

func (s *Server) now() time.Time { return s.clock.Now() }

// scaled turns a simulated duration into clock time at the sandbox's speed.
func (s *Server) scaled(d time.Duration) time.Duration {
	if s.cfg.Speed == 0 {
		return 0
	}
	return time.Duration(float64(d) / s.cfg.Speed)
}

// newVersion returns a fresh, strictly increasing version timestamp.
func (s *Server) newVersion() string {
	t := s.now().UTC().Truncate(time.Millisecond)
	if !t.After(s.lastVersion) {
		t = s.lastVersion.Add(time.Millisecond)
	}
	s.lastVersion = t
	return ts(t)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func globMatch(glob, id string) bool {
	if glob == "" {
		return false
	}
	ok, _ := path.Match(glob, id)
	if !ok && strings.HasSuffix(glob, "*") {
		ok = strings.HasPrefix(id, strings.TrimSuffix(glob, "*"))
	}
	return ok
}

// emit records an event and sends it to the event streams. The payload is
// encoded only when a stream is listening or the log is read.
func (s *Server) emit(typ, appID string, payload map[string]any) {
	payload["eventType"] = typ
	payload["timestamp"] = ts(s.now())
	s.seq++
	ev := logged{Event: Event{Seq: s.seq, Type: typ, AppID: appID}, payload: payload}
	if len(s.subs) > 0 {
		ev.Data, _ = json.Marshal(payload)
		ev.payload = nil
		for sub := range s.subs {
			sub.send(ev.Event)
		}
	}
	if len(s.events) >= s.cfg.EventLogSize {
		n := copy(s.events, s.events[len(s.events)/2:])
		clear(s.events[n:])
		s.events = s.events[:n]
	}
	s.events = append(s.events, ev)
}

// logged is an event of the log, its payload possibly not yet encoded.
type logged struct {
	Event
	payload map[string]any
}
