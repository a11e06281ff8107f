package main

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/golden"
)

func TestValidateJUnitGolden(t *testing.T) {
	tests := []struct {
		name, args, golden string
		code               int
	}{
		{"tree", "validate -o junit testdata/tree", "validate.junit.xml", 1},
		{"strict", "validate -o junit --strict testdata/tree/A/alpha", "validate-strict.junit.xml", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code := runCmd(t, tt.args)
			if code != tt.code {
				t.Errorf("universe %s: exit code %d, want %d", tt.args, code, tt.code)
			}
			var doc struct {
				Tests  int `xml:"tests,attr"`
				Suites []struct {
					Name  string `xml:"name,attr"`
					Cases []struct {
						Name    string `xml:"name,attr"`
						Failure *struct {
							Body string `xml:",chardata"`
						} `xml:"failure"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("universe %s: output is not XML: %v\n%s", tt.args, err, out)
			}
			if doc.Tests == 0 || len(doc.Suites) == 0 {
				t.Errorf("universe %s: no test cases:\n%s", tt.args, out)
			}
			golden.Check(t, tt.golden, []byte(out))
		})
	}
}

func TestValidateJUnitPassingRevisions(t *testing.T) {
	out, _, code := runCmd(t, "validate -o junit ../../packages/Z/zookeeper")
	if code != 0 {
		t.Fatalf("exit code %d\n%s", code, out)
	}
	if !strings.Contains(out, `<testcase classname="zookeeper" name="../../packages/Z/zookeeper/300"/>`) || strings.Contains(out, "<failure") {
		t.Errorf("want a passing test case per zookeeper revision, got\n%s", out)
	}
}

// gitTree makes a git repository holding a copy of testdata/tree (alpha,
// and beta which depends on alpha) plus a standalone package, committed on
// main, and returns its directory.
func gitTree(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/tree")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "G/gamma/0/package.json"), `{"packagingVersion": "3.0", "name": "gamma", "version": "1.0.0", "maintainer": "x@example.com", "description": "gamma"}`)
	writeFile(t, filepath.Join(dir, ".gitignore"), "ignored/\n")
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "packages")
	git(t, dir, "checkout", "-q", "-b", "branch")
	return dir
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// casesOf returns the test case names of a JUnit report, relative to dir.
func casesOf(t *testing.T, out, dir string) []string {
	t.Helper()
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not XML: %v\n%s", err, out)
	}
	names := []string{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			names = append(names, strings.TrimPrefix(filepath.ToSlash(c.Name), filepath.ToSlash(dir)+"/"))
		}
	}
	return names
}

func TestValidateChangedSince(t *testing.T) {
	dir := gitTree(t)
	commit := func(msg string) {
		git(t, dir, "add", ".")
		git(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", msg)
	}

	// Nothing changed: nothing validated, and that is a success.
	out, errOut, code := runCmd(t, "validate --changed-since main -o junit "+dir)
	if code != 0 {
		t.Fatalf("no change: exit code %d\n%s%s", code, out, errOut)
	}
	if got := casesOf(t, out, dir); len(got) != 0 {
		t.Errorf("no change: validated %v, want nothing", got)
	}

	// A committed change to beta validates beta only: nothing depends on it.
	writeFile(t, filepath.Join(dir, "B/beta/100/resource.json"), `{}`)
	commit("beta")
	out, _, _ = runCmd(t, "validate --changed-since main -o junit "+dir)
	if diff := cmp.Diff([]string{"B/beta/100"}, casesOf(t, out, dir)); diff != "" {
		t.Errorf("beta changed: validated (-want +got):\n%s", diff)
	}

	// An untracked file in alpha adds alpha and beta, which depends on it;
	// gamma stays out, and so does an ignored file.
	writeFile(t, filepath.Join(dir, "A/alpha/0/notes.txt"), "x")
	writeFile(t, filepath.Join(dir, "ignored/G/gamma/0/x"), "x")
	out, _, code = runCmd(t, "validate --changed-since main -o junit "+dir)
	if diff := cmp.Diff([]string{"A/alpha/0", "B/beta/100"}, casesOf(t, out, dir)); diff != "" {
		t.Errorf("alpha changed: validated (-want +got):\n%s", diff)
	}
	if code != 1 {
		t.Errorf("alpha changed: exit code %d, want 1 (alpha and beta have errors)", code)
	}
	out, _, _ = runCmd(t, "validate --changed-since main -o json "+dir)
	if strings.Contains(out, "gamma") || !strings.Contains(out, "A/alpha/0/") {
		t.Errorf("alpha changed: findings should cover alpha and beta only:\n%s", out)
	}

	// A bad ref is an error that names git's complaint.
	_, errOut, code = runCmd(t, "validate --changed-since no-such-ref "+dir)
	if code == 0 || !strings.Contains(errOut, "no-such-ref") {
		t.Errorf("bad ref: exit code %d, stderr %q", code, errOut)
	}
}

func TestValidateChangedSinceSubdirectory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repoDir := t.TempDir()
	tree := filepath.Join(repoDir, "packages")
	if err := os.CopyFS(tree, os.DirFS("../../packages")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(repoDir, "README.md"), "packages\n")
	git(t, repoDir, "init", "-q", "-b", "main")
	git(t, repoDir, "add", ".")
	git(t, repoDir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "packages")
	git(t, repoDir, "checkout", "-q", "-b", "branch")

	// A change outside the tree touches no package.
	writeFile(t, filepath.Join(repoDir, "README.md"), "changed\n")
	out, errOut, code := runCmd(t, "validate --strict --changed-since main -o junit "+tree)
	if code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, out, errOut)
	}
	if got := casesOf(t, out, tree); len(got) != 0 {
		t.Errorf("README changed: validated %v, want nothing", got)
	}

	// A change to zookeeper's newest revision re-checks the packages that
	// depend on zookeeper (hdfs), and those depending on them (spark).
	p := filepath.Join(tree, "Z/zookeeper/300/resource.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, string(data)+"\n")
	out, errOut, code = runCmd(t, "validate --strict --changed-since main -o junit "+tree)
	if code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, out, errOut)
	}
	got := map[string]bool{}
	for _, c := range casesOf(t, out, tree) {
		got[strings.Split(c, "/")[1]] = true
	}
	for _, pkg := range []string{"zookeeper", "hdfs", "spark"} {
		if !got[pkg] {
			t.Errorf("zookeeper changed: %s not validated; validated %v", pkg, casesOf(t, out, tree))
		}
	}
	for _, c := range casesOf(t, out, tree) {
		if strings.HasPrefix(c, "Z/zookeeper/") && c != "Z/zookeeper/300" {
			t.Errorf("zookeeper changed in 300 only: %s validated too", c)
		}
	}
	if got["cassandra"] || got["etcd"] {
		t.Errorf("zookeeper changed: unrelated packages validated: %v", casesOf(t, out, tree))
	}
}
