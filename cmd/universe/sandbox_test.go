package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/universe-pm/universe/marathon/sandbox"
)

func TestSandboxStatus(t *testing.T) {
	s, err := sandbox.New(sandbox.Config{Agents: 2, AgentCPUs: 2, AgentMem: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Post(s.URL()+"/v2/apps", "application/json", strings.NewReader(`{"id":"/a","cmd":"sleep 1","cpus":0.5,"mem":256}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out, errOut, code := runCmd(t, "sandbox status --addr "+strings.TrimPrefix(s.URL(), "http://"))
	if code != 0 {
		t.Fatalf("sandbox status: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("sandbox status printed %q, want one line per agent", out)
	}
	if !strings.Contains(lines[0], "agent-1.sandbox\t") || !strings.HasSuffix(lines[0], "\t0.5\t1.5\t256\t768\t0\t65536\t1000") {
		t.Errorf("first agent line = %q", lines[0])
	}
	out, _, code = runCmd(t, "sandbox status -o json --addr "+s.URL())
	var agents []sandbox.AgentStatus
	if err := json.Unmarshal([]byte(out), &agents); code != 0 || err != nil || len(agents) != 2 || agents[0].Used.CPUs != 0.5 {
		t.Errorf("sandbox status -o json = %d %v %s", code, err, out)
	}
	if _, errOut, code := runCmd(t, "sandbox status -o yaml"); code != 2 || !strings.Contains(errOut, "unknown output format") {
		t.Errorf("sandbox status -o yaml: exit %d %q, want a usage error", code, errOut)
	}
}

func TestSandboxStatusNoSandbox(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, errOut, code := runCmd(t, "sandbox status --addr "+addr)
	if code != 1 || !strings.Contains(errOut, "no sandbox answers at "+addr) {
		t.Errorf("sandbox status on a closed port: exit %d %q", code, errOut)
	}
}

func TestSandboxRunsUntilCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", addr, "--speed", "0", "--agents", "1", "--error-rate", "0"}, &App{Stdout: &out, Stderr: &errOut})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/ping")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox did not answer: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(errOut.String(), "Marathon API on http://"+addr) {
			t.Errorf("universe sandbox exit %d, stderr %q", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("universe sandbox did not stop when cancelled")
	}
	if _, errOut, code := runCmd(t, "sandbox --error-rate 2"); code != 2 || !strings.Contains(errOut, "between 0 and 1") {
		t.Errorf("sandbox --error-rate 2: exit %d %q", code, errOut)
	}
}
