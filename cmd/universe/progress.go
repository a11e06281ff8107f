package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/universe-pm/universe/installer"
)

// progressView shows an install's events: a live view on a terminal, one
// plain line per state change otherwise, or NDJSON events.
type progressView interface {
	// start is called with the plan once it is confirmed.
	start(p *installer.Plan)
	event(e installer.Event)
	// stop ends the view (a live view draws its final state).
	stop()
}

// newProgressView picks the view: NDJSON when asked (--progress) or when
// the result is JSON and stderr is not a terminal; a live view on a
// terminal; plain lines otherwise.
func newProgressView(w io.Writer, ndjson, jsonOut bool) progressView {
	term := isTerminalWriter(w)
	switch {
	case ndjson || (jsonOut && !term):
		return &ndjsonView{enc: json.NewEncoder(w)}
	case term && !jsonOut:
		return newLiveView(w, os.Getenv("NO_COLOR") == "")
	default:
		return &lineView{w: w}
	}
}

// ndjsonView writes each event as one JSON line.
type ndjsonView struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (v *ndjsonView) start(*installer.Plan) {}
func (v *ndjsonView) stop()                 {}
func (v *ndjsonView) event(e installer.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = v.enc.Encode(e)
}

// lineView writes one plain line per state change.
type lineView struct {
	mu sync.Mutex
	w  io.Writer
}

func (v *lineView) start(*installer.Plan) {}
func (v *lineView) stop()                 {}
func (v *lineView) event(e installer.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if line := eventLine(e); line != "" {
		fmt.Fprintln(v.w, line)
	}
}

// eventLine is the plain text of a state change; "" for events that are
// not one (task counts).
func eventLine(e installer.Event) string {
	switch e.Type {
	case "package":
		s := fmt.Sprintf("%s %s %s %s (wave %d)", e.Time.Format("15:04:05"), e.Package, e.Version, e.State, e.Wave+1)
		if e.Wave < 0 {
			s = fmt.Sprintf("%s %s %s %s (installed)", e.Time.Format("15:04:05"), e.Package, e.Version, e.State)
		}
		if e.Message != "" {
			s += ": " + e.Message
		}
		return s
	case "rollback":
		return fmt.Sprintf("%s rollback: %s %s", e.Time.Format("15:04:05"), e.AppID, e.State)
	case "warning":
		return "warning: " + e.Message
	}
	return ""
}

// liveView redraws one line per package in place. It is a small ANSI
// redraw (cursor up, clear line) rather than a progress-bar library: the
// lines are text, not bars, and it keeps the module free of a dependency
// for twenty lines of code.
type liveView struct {
	mu     sync.Mutex
	w      io.Writer
	color  bool
	rows   []*liveRow
	byName map[string]*liveRow
	drawn  int
	done   chan struct{}
	wg     sync.WaitGroup
	notes  []string
}

type liveRow struct {
	name, version string
	wave          int
	state         string
	running       int
	healthy       int
	wanted        int
	since, until  time.Time
}

func newLiveView(w io.Writer, color bool) *liveView {
	return &liveView{w: w, color: color, byName: map[string]*liveRow{}, done: make(chan struct{})}
}

func (v *liveView) start(p *installer.Plan) {
	v.mu.Lock()
	for _, pk := range p.Packages {
		r := &liveRow{name: pk.Name, version: pk.Version, wave: pk.Wave, state: "waiting"}
		if pk.Action == "reuse" {
			r.state = "installed"
		}
		for _, a := range pk.Apps {
			r.wanted += a.Instances
		}
		v.rows = append(v.rows, r)
		v.byName[pk.Name] = r
	}
	v.draw()
	v.mu.Unlock()
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-v.done:
				return
			case <-t.C:
				v.mu.Lock()
				v.draw()
				v.mu.Unlock()
			}
		}
	}()
}

func (v *liveView) event(e installer.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	r := v.byName[e.Package]
	switch {
	case r == nil:
		if line := eventLine(e); line != "" && e.Type != "package" {
			v.notes = append(v.notes, line)
		}
	case e.Type == "package":
		r.state = e.State
		if e.State == "created" { // deploying, to a reader
			r.state = "deploying"
		}
		if e.State == "deploying" && r.since.IsZero() {
			r.since = e.Time
		}
		if e.State == "healthy" || e.State == "failed" || e.State == "cancelled" {
			r.until = e.Time
		}
	case e.Type == "progress":
		r.running, r.healthy, r.wanted = e.Running, e.Healthy, e.Wanted
	case e.Type == "rollback":
		r.state = e.State
	}
	v.draw()
}

func (v *liveView) stop() {
	select {
	case <-v.done:
		return
	default:
	}
	close(v.done)
	v.wg.Wait()
	v.mu.Lock()
	v.draw()
	v.mu.Unlock()
}

// draw rewrites the view in place; the caller holds mu.
func (v *liveView) draw() {
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", v.drawn)
	}
	lines := 0
	for _, n := range v.notes {
		fmt.Fprintf(&b, "\r\x1b[2K%s\n", n)
	}
	v.notes = nil
	for _, r := range v.rows {
		fmt.Fprintf(&b, "\r\x1b[2K%s\n", v.row(r))
		lines++
	}
	v.drawn = lines
	io.WriteString(v.w, b.String())
}

func (v *liveView) row(r *liveRow) string {
	wave := "   -  "
	if r.wave >= 0 {
		wave = fmt.Sprintf("wave %d", r.wave+1)
	}
	elapsed := ""
	if !r.since.IsZero() {
		end := r.until
		if end.IsZero() {
			end = time.Now()
		}
		elapsed = end.Sub(r.since).Truncate(100 * time.Millisecond).String()
	}
	state := fmt.Sprintf("%-10s", r.state)
	if v.color {
		code := map[string]string{"healthy": "32", "installed": "32", "reused": "32", "failed": "31", "deploying": "33", "created": "33", "removed": "35", "removing": "35", "cancelled": "31"}[r.state]
		if code != "" {
			state = "\x1b[" + code + "m" + state + "\x1b[0m"
		}
	}
	return fmt.Sprintf("  %s  %-12s %-9s %s  %d/%d running, %d/%d healthy  %s", wave, r.name, r.version, state, r.running, r.wanted, r.healthy, r.wanted, elapsed)
}
