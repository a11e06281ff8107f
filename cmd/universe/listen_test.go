package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServersRefuseNonLoopback checks that the commands that listen refuse
// an address other than loopback unless --listen-public is given, with a
// usage error that says how to get past it.
func TestServersRefuseNonLoopback(t *testing.T) {
	for _, args := range []string{
		"sandbox --addr 0.0.0.0:0",
		"sandbox --addr :0",
		"sandbox --addr 192.0.2.1:8080",
		"sandbox --addr [::]:0",
		"sandbox --addr example.com:8080",
		"repo serve --dir nowhere --addr 0.0.0.0:0",
		"repo serve --dir nowhere --addr :0",
		"repo serve --dir nowhere --addr 192.0.2.1:8086",
	} {
		_, errOut, code := runCmd(t, args)
		if code != 2 || !strings.Contains(errOut, "refusing to listen") || !strings.Contains(errOut, "--listen-public") {
			t.Errorf("universe %s: exit %d %q, want exit 2 naming --listen-public", args, code, errOut)
		}
	}
}

// startServer runs a listening command until the test ends and waits until
// GET path answers on addr.
func startServer(t *testing.T, addr, path string, args ...string) *repoSyncBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &repoSyncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, &App{Stdout: logs, Stderr: logs}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("universe %s exited %d when cancelled: %s", strings.Join(args, " "), code, logs)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("universe %s did not stop", strings.Join(args, " "))
		}
	})
	for i := 0; ; i++ {
		select {
		case code := <-done:
			t.Fatalf("universe %s exited %d before serving: %s", strings.Join(args, " "), code, logs)
		default:
		}
		resp, err := http.Get("http://" + addr + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return logs
			}
		}
		if i > 250 {
			t.Fatalf("universe %s did not come up: %v\n%s", strings.Join(args, " "), err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSandboxListenPublicAccepted(t *testing.T) {
	addr := repoFreeAddr(t)
	startServer(t, addr, "/ping", "sandbox", "--listen-public", "--addr", addr, "--speed", "0", "--agents", "1")
	// The default address is loopback and needs no flag.
	addr = repoFreeAddr(t)
	startServer(t, addr, "/ping", "sandbox", "--addr", "localhost:"+addr[strings.LastIndex(addr, ":")+1:], "--speed", "0", "--agents", "1")
}

func TestRepoServeListenPublicAccepted(t *testing.T) {
	dir := repoIsolate(t)
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := repoRun(t, "repo", "build", "--packages", "../../packages", "--out", out); code != 0 {
		t.Fatalf("repo build = %d, %q, %q", code, stdout, stderr)
	}
	addr := repoFreeAddr(t)
	logs := startServer(t, addr, "/health", "repo", "serve", "--listen-public", "--dir", out, "--addr", addr)
	if !strings.Contains(logs.String(), "serving "+out+" on http://"+addr) {
		t.Errorf("repo serve --listen-public logged %q", logs)
	}
}
