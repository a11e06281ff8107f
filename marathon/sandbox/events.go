package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// subscriber is one /v2/events stream.
type subscriber struct {
	filter map[string]bool
	ch     chan Event
	closed bool
}

func (sub *subscriber) send(ev Event) {
	if sub.closed || (len(sub.filter) > 0 && !sub.filter[ev.Type]) {
		return
	}
	select {
	case sub.ch <- ev:
	default:
		// A reader too slow to keep up loses its stream, as with Jetty's
		// EventSource when its buffer fills.
		sub.closed = true
		close(sub.ch)
	}
}

func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Accept") != "text/event-stream" {
		writeError(w, http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed")
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	sub := &subscriber{filter: map[string]bool{}, ch: make(chan Event, 4096)}
	for _, t := range r.URL.Query()["event_type"] {
		sub.filter[t] = true
	}
	// Subscribe before answering, so a client that saw the answer's
	// headers sees every later event.
	s.mu.Lock()
	s.subs[sub] = true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	attached, _ := json.Marshal(map[string]any{"remoteAddress": r.RemoteAddr, "eventType": "event_stream_attached", "timestamp": ts(s.now())})
	if len(sub.filter) == 0 || sub.filter["event_stream_attached"] {
		fmt.Fprintf(w, "event: event_stream_attached\r\ndata: %s\r\n\r\n", attached)
	}
	flusher.Flush()
	defer func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}()
	heartbeat := time.NewTicker(10 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, "\r\n"); err != nil {
				return
			}
			flusher.Flush()
		case ev, ok := <-sub.ch:
			if !ok {
				return
			}
			if _, err := fmt.Fprintf(w, "event: %s\r\ndata: %s\r\n\r\n", ev.Type, ev.Data); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}
