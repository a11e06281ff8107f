package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/universe-pm/universe/installer"
)

// run is an install started from the dashboard: its events as the
// installer sent them, and its result once done.
type run struct {
	ID      string `json:"id"`
	Package string `json:"package"`
	Version string `json:"version"`

	mu sync.Mutex
	// plan is the confirmed plan (secrets redacted), set before the first
	// package changes state.
	plan   *installer.Plan
	events []installer.Event
	result *installer.Result
	err    string
	done   bool
	// changed is closed (and replaced) whenever an event arrives or the
	// run ends.
	changed chan struct{}
}

func (r *run) add(e installer.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *run) setPlan(p *installer.Plan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plan = p
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *run) finish(res *installer.Result, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.result, r.done = res, true
	if err != nil {
		r.err = err.Error()
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// runStatus is a snapshot of a run, as GET /api/installs/{id} answers.
type runStatus struct {
	ID      string            `json:"id"`
	Package string            `json:"package"`
	Version string            `json:"version"`
	Done    bool              `json:"done"`
	Plan    *installer.Plan   `json:"plan,omitempty"`
	Events  []installer.Event `json:"events"`
	Result  *installer.Result `json:"result,omitempty"`
	Error   string            `json:"error,omitempty"`
}

// snapshot returns the plan, the events from index from on, whether the
// run is done, and the channel closed at the next change.
func (r *run) snapshot(from int) (*installer.Plan, []installer.Event, bool, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var evs []installer.Event
	if from < len(r.events) {
		evs = append(evs, r.events[from:]...)
	}
	return r.plan, evs, r.done, r.changed
}

func (r *run) status() runStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return runStatus{ID: r.ID, Package: r.Package, Version: r.Version, Done: r.done, Plan: r.plan,
		Events: append([]installer.Event{}, r.events...), Result: r.result, Error: r.err}
}

func (s *Server) lookup(id string) *run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.installs[id]
}

func newID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// apiInstall checks the options with a dry run (answering 422 with the
// errors at their options when they fail), then starts the install in
// the background and answers its id.
func (s *Server) apiInstall(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req installRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	_, _, opts, ferrs, err := s.prepare(ctx, &req)
	if err != nil {
		writeError(w, requestStatus(err), err)
		return
	}
	if len(ferrs) == 0 {
		_, ferrs, err = s.dryRun(ctx, req, opts)
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
	}
	if len(ferrs) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "the install cannot go ahead", "errors": ferrs})
		return
	}
	ru := &run{ID: newID(), Package: req.Package, Version: req.Version, changed: make(chan struct{})}
	in, err := s.newInstaller(ru.add, ru.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, fmt.Errorf("the dashboard is shutting down"))
		return
	}
	s.installs[ru.ID] = ru
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		// The installer shows secret options as markers (render.Marker)
		// in the plan, the events, the errors and the result.
		res, err := in.Run(s.ctx, installer.Request{Name: req.Package, Version: req.Version, Options: opts, AppID: req.AppID,
			Timeout: req.timeout, OnFailure: req.OnFailure,
			Confirm: func(_ context.Context, p *installer.Plan) (bool, error) {
				ru.setPlan(p)
				return true, nil
			}})
		ru.finish(res, err)
	}()
	writeJSON(w, http.StatusAccepted, map[string]string{"id": ru.ID, "url": "/installs/" + ru.ID})
}

func (s *Server) apiInstallStatus(w http.ResponseWriter, r *http.Request) {
	ru := s.lookup(r.PathValue("id"))
	if ru == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("no install %q", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, ru.status())
}

// keepAlive is how often an idle event stream sends a comment, so proxies
// and browsers keep it open.
const keepAlive = 15 * time.Second

// apiInstallEvents streams a run's events as server-sent events: a "plan"
// event with the plan once confirmed (again after a reconnect), every
// installer.Event as a message whose id is its index (a reconnecting
// browser's Last-Event-ID resumes after it), then one "result" event with
// the run's status, and the stream ends.
func (s *Server) apiInstallEvents(w http.ResponseWriter, r *http.Request) {
	ru := s.lookup(r.PathValue("id"))
	if ru == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("no install %q", r.PathValue("id")))
		return
	}
	next := 0
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		if n, err := strconv.Atoi(last); err == nil && n >= 0 {
			next = n + 1
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	planSent := false
	for {
		plan, evs, done, changed := ru.snapshot(next)
		if plan != nil && !planSent {
			b, _ := json.Marshal(plan)
			if _, err := fmt.Fprintf(w, "event: plan\ndata: %s\n\n", b); err != nil {
				return
			}
			planSent = true
		}
		for _, e := range evs {
			b, _ := json.Marshal(e)
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", next, b); err != nil {
				return
			}
			next++
		}
		if done {
			b, _ := json.Marshal(ru.status())
			fmt.Fprintf(w, "event: result\ndata: %s\n\n", b)
			_ = rc.Flush()
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-changed:
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			// Closing: the install is being interrupted; keep streaming
			// until it has rolled back and finished.
			select {
			case <-changed:
			case <-r.Context().Done():
				return
			}
		}
	}
}

// Running returns how many installs are still running.
func (s *Server) Running() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.installs {
		if !r.status().Done {
			n++
		}
	}
	return n
}

// Close interrupts the installs still running (each rolls back or halts
// as it was asked) and waits for them to finish.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}
