package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestUIRefusesPublicAddress(t *testing.T) {
	lifecycleIsolate(t)
	for _, addr := range []string{"0.0.0.0:0", ":8090", "192.0.2.1:8090"} {
		code, _, errOut := lifecycleRun(t, "ui --addr "+addr)
		if code != 2 || !strings.Contains(errOut, "--listen-public") {
			t.Errorf("ui --addr %s = %d %q, want 2 naming --listen-public", addr, code, errOut)
		}
	}
}

func TestUIServesUntilCancelled(t *testing.T) {
	lifecycleIsolate(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"ui", "--addr", "127.0.0.1:0"}, &App{Stdout: &out, Stderr: &errb})
	}()
	re := regexp.MustCompile(`dashboard on (http://127\.0\.0\.1:\d+/)`)
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("ui ended early with %d: %s", code, errb.String())
		default:
		}
	}
	if url == "" {
		t.Fatalf("no URL on stderr: %q", errb.String())
	}
	resp, err := http.Get(url + "packages/spark")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<h1>spark</h1>") {
		t.Errorf("GET /packages/spark = %d", resp.StatusCode)
	}
	// The in-process sandbox is the cluster: the render plans on it.
	req, _ := http.NewRequest("POST", url+"api/render", strings.NewReader(`{"package":"spark"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /api/render without the token = %v %v, want 403", resp.StatusCode, err)
	}
	token := regexp.MustCompile(`universe-token" content="([0-9a-f]+)"`).FindStringSubmatch(string(body))
	if token == nil {
		t.Fatal("no token in the page")
	}
	req, _ = http.NewRequest("POST", url+"api/render", strings.NewReader(`{"package":"spark"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Universe-Token", token[1])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"zookeeper"`) {
		t.Errorf("POST /api/render with the token = %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("ui after cancel = %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ui did not stop after its context was cancelled")
	}
}
