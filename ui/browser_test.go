package ui_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/journal"
	"github.com/universe-pm/universe/installer/resolve"
	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
	"github.com/universe-pm/universe/ui"
)

// chromiumPath is Debian's chromium, which .ci/run installs; playwright-core
// drives it and never downloads a browser of its own.
const chromiumPath = "/usr/bin/chromium"

// TestBrowser runs the dashboard's end-to-end flow (ui/e2e/flow.mjs) in
// headless Chromium against a dashboard served in-process over a fresh
// sandbox: catalog, search, package page with an inline error, install by
// keyboard with zookeeper, hdfs and spark healthy in order, Installed,
// Cluster, uninstall, and a refused cross-site POST. Screenshots of each page
// go to testdata/artifacts/ui/ at the repository's root.
//
// It skips when node, chromium or ui/e2e/node_modules are missing (a fresh
// clone; `cd ui/e2e && npm ci` and `apt-get install chromium` bring them),
// unless UNIVERSE_E2E_REQUIRED is set, as .ci/run sets it after installing
// them: then a missing tool is a failure.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: not in -short mode")
	}
	node := browserTools(t)

	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(root, "testdata", "artifacts", "ui")
	if err := os.RemoveAll(shots); err != nil {
		t.Fatal(err)
	}

	url, sandboxURL := serveDashboard(t)

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	if dl, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-15*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join("e2e", "flow.mjs"), url, shots, sandboxURL)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, testLog{t})
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("node e2e/flow.mjs %s %s: %v (screenshots in %s)", url, shots, err, shots)
	}
	if !bytes.Contains(out.Bytes(), []byte(" passed, 0 failed")) {
		t.Fatalf("node e2e/flow.mjs ended without its summary line")
	}
}

// browserTools returns node's path, or skips (fails when
// UNIVERSE_E2E_REQUIRED is set) naming what is missing.
func browserTools(t *testing.T) string {
	t.Helper()
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node (Debian's nodejs, or Node.js 20+)")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, chromiumPath+" (apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join("e2e", "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "ui/e2e/node_modules/playwright-core (cd ui/e2e && npm ci)")
	}
	if len(missing) == 0 {
		return node
	}
	msg := "browser test needs " + strings.Join(missing, ", ") + "; .ci/run installs them"
	if os.Getenv("UNIVERSE_E2E_REQUIRED") != "" {
		t.Fatal(msg + " (UNIVERSE_E2E_REQUIRED is set)")
	}
	t.Skip(msg)
	return ""
}

// serveDashboard serves the dashboard on a loopback port over the built-in
// packages (plus aardvark in a second repository) and an in-process sandbox
// shaped like `universe install`'s (six agents of 8 cpus, 32 GiB, DC/OS's
// port range), in memory, running 5 times faster than real time (slow
// enough to see the install progress), and returns its URL and the
// sandbox's.
func serveDashboard(t *testing.T) (dashboardURL, sandboxURL string) {
	t.Helper()
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.Config{
		Agents: 6, AgentCPUs: 8, AgentMem: 32768, AgentDisk: 262144,
		AgentPortsFrom: 1025, AgentPortsTo: 32000,
		Speed: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	mc, err := marathon.New(marathon.Config{MarathonURL: sb.URL(), PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := repo.Load(ctx, packages.FS())
	if err != nil {
		t.Fatal(err)
	}
	// A second repository with one package that is not "selected" and
	// whose name sorts first (the catalog must still show it after the
	// selected ones), with an enum and a secret option.
	local := fstest.MapFS{}
	for name, data := range aardvark {
		local["A/aardvark/0/"+name] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
	}
	localTree, err := repo.Load(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ui.New(ui.Config{
		Catalog: catalog.New(catalog.NewTree("builtin", tree), catalog.NewTree("local", localTree)),
		Installer: installer.Config{
			Marathon:         mc,
			Source:           resolve.Trees{{Name: "builtin", Tree: tree}, {Name: "local", Tree: localTree}},
			Cluster:          "sandbox:browser-test",
			Journal:          &journal.Store{Dir: t.TempDir()},
			Capacity:         installer.SandboxCapacity(sb.URL(), nil),
			ProgressInterval: 100 * time.Millisecond,
		},
		AgentsURL: sb.URL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String() + "/", sb.URL()
}

// testLog writes the flow's output into the test log line by line.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// aardvark is a one-app package of the second repository: not selected, a
// nested form with an enum, a boolean and a secret (which the dashboard
// must show as a password field and never echo).
var aardvark = map[string]string{
	"package.json": `{
  "packagingVersion": "6.0",
  "name": "aardvark",
  "version": "0.1.0",
  "maintainer": "e2e@example.com",
  "description": "aardvark: a one-app service the browser test installs from a second repository.",
  "tags": ["e2e"],
  "postInstallNotes": "aardvark is being installed."
}`,
	"config.json": `{
  "type": "object",
  "properties": {
    "service": {
      "type": "object",
      "title": "Service",
      "description": "The app",
      "properties": {
        "name": {"type": "string", "description": "App id /<name>.", "default": "aardvark", "pattern": "^[a-z][a-z0-9-]*$"},
        "instances": {"type": "integer", "description": "Tasks to run.", "default": 1, "minimum": 1},
        "log_level": {"type": "string", "title": "Log level", "description": "How much it logs.", "default": "info", "enum": ["debug", "info", "warn"]},
        "verbose_health": {"type": "boolean", "description": "Log each health check.", "default": false}
      },
      "required": ["name", "instances"]
    },
    "auth": {
      "type": "object",
      "description": "Credentials",
      "properties": {
        "token": {"type": "string", "description": "API token the app presents.", "default": "", "media": "application/x-secret+string"}
      }
    }
  }
}`,
	"marathon.json.mustache": `{
  "id": "/{{service.name}}",
  "instances": {{service.instances}},
  "cpus": 0.1,
  "mem": 64,
  "cmd": "exec sleep 100000",
  "env": {
    "LOG_LEVEL": "{{service.log_level}}",
    "VERBOSE_HEALTH": "{{service.verbose_health}}",
    "API_TOKEN": "{{auth.token}}"
  },
  "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}, "gracePeriodSeconds": 10, "intervalSeconds": 5, "maxConsecutiveFailures": 3}],
  "labels": {"DCOS_SERVICE_NAME": "{{service.name}}"}
}`,
}
