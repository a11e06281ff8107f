package marathon

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// decodeAll decodes a whole stream.
func decodeAll(r io.Reader) ([]Event, error) {
	d := newEventDecoder(r)
	var out []Event
	for {
		ev, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

// encodeEvents writes events as a text/event-stream.
func encodeEvents(evs []Event) []byte {
	var b bytes.Buffer
	for _, ev := range evs {
		b.WriteString("event: " + ev.Type + "\r\n")
		for _, l := range strings.Split(string(ev.Data), "\n") {
			b.WriteString("data: " + l + "\r\n")
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// FuzzEvents decodes arbitrary bytes as Marathon's event stream: it never
// panics; every event has a type and data within MaxEventSize, and no more
// events come out than blank lines went in; decoding a byte at a time gives
// the same events; and the events written back as a stream decode to
// themselves.
func FuzzEvents(f *testing.F) {
	f.Add([]byte("event: event_stream_attached\r\ndata: {\"remoteAddress\":\"127.0.0.1\"}\r\n\r\n"))
	f.Add([]byte("event: deployment_success\ndata: {\"id\":\"d1\",\n data:\"plan\": {}}\n\n: comment\n\ndata: x\n\n"))
	f.Add([]byte("data:no space\r\ndata:  two spaces\r\nevent:\r\n\r\nevent: t\r\n\r\ndata: unfinished"))
	f.Add([]byte("\r\r\n\n\revent: a\r\r\ndata: b\r\r\n\r\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		evs, err := decodeAll(bytes.NewReader(stream))
		if err != nil {
			t.Fatalf("decoding %q: %v", stream, err)
		}
		if blank := bytes.Count(stream, []byte("\n")); len(evs) > blank {
			t.Fatalf("decoding %q: %d events from %d lines", stream, len(evs), blank)
		}
		for _, ev := range evs {
			if ev.Type == "" || strings.TrimSpace(ev.Type) != ev.Type || len(ev.Data) > MaxEventSize {
				t.Fatalf("decoding %q: bad event %q", stream, ev)
			}
		}
		slow, err := decodeAll(iotest.OneByteReader(bytes.NewReader(stream)))
		if err != nil || !sameEvents(slow, evs) {
			t.Fatalf("decoding %q a byte at a time: %q, %v; want %q", stream, slow, err, evs)
		}
		if bytes.ContainsRune(stream, '\r') {
			return // a CR before CRLF is lost, written back or not
		}
		back, err := decodeAll(bytes.NewReader(encodeEvents(evs)))
		if err != nil || !sameEvents(back, evs) {
			t.Fatalf("events %q written back decode to %q, %v", evs, back, err)
		}
	})
}

func sameEvents(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func TestEventLimits(t *testing.T) {
	big := strings.Repeat("x", MaxEventSize/2)
	tests := []struct {
		name, stream, want string
	}{
		{"line", "data: " + strings.Repeat("x", MaxEventSize+1) + "\n\n", "a line over the limit of 16777216 bytes"},
		{"event", "event: deployment_info\ndata: " + big + "\ndata: " + big + "\ndata: x\n\n", "a deployment_info event over the limit of 16777216 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeAll(strings.NewReader(tt.stream))
			if !errors.Is(err, ErrEventTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decoding = %v, want ErrEventTooLarge: %s", err, tt.want)
			}
		})
	}
	// Exactly at the limit decodes.
	evs, err := decodeAll(strings.NewReader("data: " + big + "\ndata: " + big[1:] + "\n\n"))
	if err != nil || len(evs) != 1 || len(evs[0].Data) != MaxEventSize {
		t.Errorf("an event of MaxEventSize bytes: %d events, %v", len(evs), err)
	}
}
