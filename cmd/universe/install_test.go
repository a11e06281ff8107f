package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// lifecycleIsolate points state, configuration and cache at a temporary
// directory and makes commands use an instant local sandbox.
func lifecycleIsolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("UNIVERSE_CONFIG", "")
	t.Setenv("MARATHON_URL", "")
	t.Setenv("DCOS_URL", "")
	t.Setenv("UNIVERSE_SANDBOX_SPEED", "0")
	return dir
}

// lifecycleRun runs a command line (fields split on spaces).
func lifecycleRun(t *testing.T, args string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), strings.Fields(args), &App{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestInstallListUninstallCommands(t *testing.T) {
	lifecycleIsolate(t)
	code, out, errOut := lifecycleRun(t, "install spark --yes")
	if code != 0 {
		t.Fatalf("install spark = %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"WAVE", "Installed zookeeper 3.9.3 as /zookeeper", "Installed hdfs 3.4.1 as /hdfs", "Installed spark 3.5.2 as /spark", "The Apache Spark dispatcher is being installed."} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(errOut, "using the local sandbox"); n != 1 {
		t.Errorf("sandbox notice %d times, want once:\n%s", n, errOut)
	}
	if !strings.Contains(errOut, "spark 3.5.2 healthy (wave 3)") {
		t.Errorf("progress lines lack spark healthy in wave 3:\n%s", errOut)
	}

	code, out, _ = lifecycleRun(t, "list")
	want := "hdfs\t3.4.1\t/hdfs\thealthy\t9/9\tzookeeper(/zookeeper)\t/spark\n" +
		"spark\t3.5.2\t/spark\thealthy\t1/1\thdfs(/hdfs)\t-\n" +
		"zookeeper\t3.9.3\t/zookeeper\thealthy\t3/3\t-\t/hdfs\n"
	if code != 0 || out != want {
		t.Errorf("list = %d\n%s\nwant\n%s", code, out, want)
	}
	code, out, _ = lifecycleRun(t, "list -o json")
	var listed struct {
		Packages []struct {
			Name, Version, AppID, Health string
		}
	}
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed.Packages) != 3 {
		t.Errorf("list -o json = %d, %v:\n%s", code, err, out)
	}

	// Again: nothing to do.
	code, out, _ = lifecycleRun(t, "install spark --yes -o json")
	var res struct{ Status string }
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || res.Status != "already-installed" {
		t.Errorf("install spark again = %d, %v, %q", code, err, out)
	}

	code, _, errOut = lifecycleRun(t, "uninstall hdfs --yes")
	if code != 1 || !strings.Contains(errOut, "hdfs is used by spark (/spark)") {
		t.Errorf("uninstall hdfs = %d:\n%s", code, errOut)
	}
	code, _, errOut = lifecycleRun(t, "upgrade zookeeper --package-version 3.8.4")
	if code != 1 || !strings.Contains(errOut, "cannot be changed to 3.8.4") {
		t.Errorf("upgrade zookeeper to 3.8.4 = %d:\n%s", code, errOut)
	}
	code, out, errOut = lifecycleRun(t, "uninstall hdfs --cascade --yes")
	if code != 0 || !strings.Contains(out, "Uninstalled package [spark] version [3.5.2] (/spark)") || !strings.Contains(out, "Uninstalled package [hdfs] version [3.4.1] (/hdfs)") {
		t.Errorf("uninstall hdfs --cascade = %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = lifecycleRun(t, "list")
	if code != 0 || out != "zookeeper\t3.9.3\t/zookeeper\thealthy\t3/3\t-\t-\n" {
		t.Errorf("list after uninstall = %d\n%s", code, out)
	}
}

func TestInstallDryRunProgressAndUsage(t *testing.T) {
	lifecycleIsolate(t)
	code, out, errOut := lifecycleRun(t, "install kubernetes --dry-run")
	if code != 0 || !strings.Contains(out, `"id": "/kubernetes"`) || !strings.Contains(out, "etcd") {
		t.Errorf("install --dry-run = %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = lifecycleRun(t, "list")
	if code != 0 || out != "" {
		t.Errorf("a dry run installed something: %q", out)
	}

	code, out, errOut = lifecycleRun(t, "install etcd --yes -o json --progress")
	if code != 0 {
		t.Fatalf("install etcd = %d\n%s", code, errOut)
	}
	events := 0
	sc := bufio.NewScanner(strings.NewReader(errOut))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "universe:") {
			continue
		}
		var ev struct{ Type, Package, State string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Errorf("progress line %q is not JSON: %v", line, err)
		}
		events++
	}
	if events < 4 {
		t.Errorf("%d NDJSON events, want the plan, package states and done:\n%s", events, errOut)
	}

	for _, args := range []string{"install", "install spark --on-failure maybe", "install spark -o yaml", "upgrade spark"} {
		if code, _, _ := lifecycleRun(t, args); code != 2 {
			t.Errorf("%s = %d, want 2", args, code)
		}
	}
}

func TestInstallConfirmation(t *testing.T) {
	for _, tt := range []struct {
		answer string
		want   bool
	}{{"y\n", true}, {"yes\n", true}, {"n\n", false}, {"\n", false}, {"maybe\n", false}} {
		var errb bytes.Buffer
		o := &installOptions{stdin: strings.NewReader(tt.answer)}
		got, err := o.confirm(&App{Stdout: &errb, Stderr: &errb})
		if err != nil || got != tt.want {
			t.Errorf("confirm(%q) = %v, %v; want %v", tt.answer, got, err, tt.want)
		}
		if !strings.Contains(errb.String(), "Continue installing? [y/N]") {
			t.Errorf("prompt = %q", errb.String())
		}
	}
	o := &installOptions{stdin: strings.NewReader("")}
	if _, err := o.confirm(&App{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}); err == nil {
		t.Errorf("confirm without an answer succeeded, want an error telling about --yes")
	}
}
