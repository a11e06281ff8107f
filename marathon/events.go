package marathon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Event is one event of Marathon's /v2/events stream.
type Event struct {
	// Type is the event type, e.g. deployment_success.
	Type string
	// Data is the JSON payload.
	Data json.RawMessage
}

// Decode unmarshals the payload into v, e.g. a *DeploymentEvent.
func (e Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// DeploymentEvent is the payload of deployment_success and
// deployment_failed.
type DeploymentEvent struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
	Plan   struct {
		ID      string           `json:"id"`
		Version string           `json:"version"`
		Steps   []DeploymentStep `json:"steps"`
	} `json:"plan"`
}

// StatusUpdateEvent is the payload of status_update_event.
type StatusUpdateEvent struct {
	SlaveID    string `json:"slaveId"`
	TaskID     string `json:"taskId"`
	TaskStatus string `json:"taskStatus"`
	Message    string `json:"message"`
	AppID      string `json:"appId"`
	Host       string `json:"host"`
	Ports      []int  `json:"ports"`
	Version    string `json:"version"`
}

// HealthStatusChangedEvent is the payload of health_status_changed_event.
type HealthStatusChangedEvent struct {
	AppID      string `json:"appId"`
	InstanceID string `json:"instanceId"`
	Version    string `json:"version"`
	Alive      bool   `json:"alive"`
}

// Events opens /v2/events (filtered to types when given) and delivers
// events on the returned channel until ctx ends, reconnecting with backoff
// when the stream breaks; after a reconnect an event_stream_attached event
// arrives again, so a reader can re-check what it may have missed. The
// first connection is made before Events returns: an error then means the
// stream is not available (e.g. *Error 405).
func (c *Client) Events(ctx context.Context, types ...string) (<-chan Event, error) {
	resp, err := c.openEvents(ctx, types)
	if err != nil {
		return nil, err
	}
	ch := make(chan Event, 64)
	go func() {
		defer close(ch)
		failures := 0
		for {
			if resp != nil {
				if c.readEvents(ctx, resp, ch) {
					failures = 0
				}
				resp = nil
			}
			if ctx.Err() != nil {
				return
			}
			wait := jitterBackoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, failures, nil)
			failures++
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			r, err := c.openEvents(ctx, types)
			if err != nil {
				c.log.Debug("event stream reconnect failed", "err", err)
				continue
			}
			resp = r
		}
	}()
	return ch, nil
}

func (c *Client) openEvents(ctx context.Context, types []string) (*http.Response, error) {
	q := url.Values{}
	for _, t := range types {
		q.Add("event_type", t)
	}
	u := c.base + "/v2/events"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET /v2/events: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if c.token != "" {
		req.Header.Set("Authorization", "token="+c.token)
	}
	resp, err := c.rc.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /v2/events: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized && strings.Contains(resp.Header.Get("WWW-Authenticate"), "acsjwt") {
			return nil, ErrAuthRequired
		}
		return nil, &Error{Status: resp.StatusCode, Message: "event stream not available"}
	}
	return resp, nil
}

// MaxEventSize bounds one event of the /v2/events stream, its data lines
// together, and so any one line. Marathon's largest events (deployment_info,
// with a whole group's plan) reach a few MB on big clusters.
const MaxEventSize = 16 << 20

// ErrEventTooLarge is wrapped by the error that ends an event stream with a
// line or an event over MaxEventSize.
var ErrEventTooLarge = errors.New("event too large")

// readEvents decodes SSE frames until the stream ends; it reports whether
// any event was read. A stream that breaks a limit is logged and dropped,
// to be reconnected like any broken stream.
func (c *Client) readEvents(ctx context.Context, resp *http.Response, ch chan<- Event) bool {
	defer resp.Body.Close()
	d := newEventDecoder(resp.Body)
	got := false
	for {
		ev, err := d.Next()
		if err != nil {
			switch {
			case errors.Is(err, ErrEventTooLarge):
				c.log.Warn("event stream dropped", "err", err)
			case !errors.Is(err, io.EOF) && ctx.Err() == nil:
				c.log.Debug("event stream broke", "err", err)
			}
			return got
		}
		select {
		case ch <- ev:
			got = true
		case <-ctx.Done():
			return got
		}
	}
}

// eventDecoder reads the events of a text/event-stream: "event:" names the
// type (default "message"), "data:" lines make the payload, a blank line
// ends the event; other lines are ignored.
type eventDecoder struct {
	sc *bufio.Scanner
}

func newEventDecoder(r io.Reader) *eventDecoder {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxEventSize+1) // the line and its \n
	return &eventDecoder{sc: sc}
}

// Next returns the next complete event; io.EOF at the end of the stream
// (an event left unfinished there is dropped, as the SSE rules say), or an
// error wrapping ErrEventTooLarge.
func (d *eventDecoder) Next() (Event, error) {
	var typ string
	var data []string
	size := 0
	for d.sc.Scan() {
		line := strings.TrimSuffix(d.sc.Text(), "\r")
		switch {
		case line == "":
			if len(data) > 0 {
				if typ == "" {
					typ = "message"
				}
				return Event{Type: typ, Data: json.RawMessage(strings.Join(data, "\n"))}, nil
			}
			typ = ""
		case strings.HasPrefix(line, "event:"):
			typ = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			l := strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
			if size += len(l) + 1; size > MaxEventSize+1 {
				return Event{}, fmt.Errorf("event stream: %w: a %s event over the limit of %d bytes", ErrEventTooLarge, orMessage(typ), MaxEventSize)
			}
			data = append(data, l)
		}
	}
	if err := d.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Event{}, fmt.Errorf("event stream: %w: a line over the limit of %d bytes", ErrEventTooLarge, MaxEventSize)
		}
		return Event{}, fmt.Errorf("event stream: %w", err)
	}
	return Event{}, io.EOF
}

func orMessage(typ string) string {
	if typ == "" {
		return "message"
	}
	return typ
}
