package sandbox_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/universe-pm/universe/marathon/sandbox"
)

func TestRequestBodyLimit(t *testing.T) {
	const limit = 4096
	s := start(t, sandbox.Config{MaxRequestBody: limit})
	big := `{"id": "/big", "cmd": "` + strings.Repeat("x", limit) + `"}`
	for _, path := range []string{"/v2/apps", "/v2/groups", "/_sandbox/faults"} {
		a := call(t, s, http.MethodPost, path, big)
		msg, _ := a.obj(t)["message"].(string)
		if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, fmt.Sprintf("the limit is %d bytes", limit)) {
			t.Errorf("POST %s with %d bytes = %d %s, want 413 naming the limit", path, len(big), a.status, a.body)
		}
	}
	if a := call(t, s, http.MethodGet, "/v2/apps", ""); a.status != http.StatusOK || strings.Contains(string(a.body), "/big") {
		t.Errorf("GET /v2/apps after refused bodies = %d %s", a.status, a.body)
	}
	// Just under the limit is read (and judged on its content).
	small := `{"id": "/small", "cmd": "` + strings.Repeat("x", limit-100) + `", "cpus": 0.1, "mem": 32}`
	if a := call(t, s, http.MethodPost, "/v2/apps", small); a.status != http.StatusCreated {
		t.Errorf("POST /v2/apps with %d bytes = %d %s, want 201", len(small), a.status, a.body)
	}
}

func TestHeaderLimit(t *testing.T) {
	s := start(t, sandbox.Config{})
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/v2/apps", nil)
	req.Header.Set("X-Big", strings.Repeat("h", sandbox.MaxHeaderBytes+4096))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with a %d-byte header = %d, want 431", sandbox.MaxHeaderBytes+4096, resp.StatusCode)
	}
}

// A client that stops sending its body is cut off after ReadTimeout, but
// the event stream lives on past it.
func TestSlowClient(t *testing.T) {
	s := start(t, sandbox.Config{ReadTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /v2/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	answer, _ := io.ReadAll(conn) // returns when the server closes
	if strings.Contains(string(answer), "201") {
		t.Errorf("a stalled body was accepted: %s", answer)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/v2/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(time.Second) // past the read timeout
	call(t, s, http.MethodPost, "/v2/apps", `{"id": "/after", "cmd": "sleep 1", "cpus": 0.1, "mem": 32}`)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "/after") {
			return
		}
	}
	t.Errorf("the event stream ended before the app's events: %v", sc.Err())
}
