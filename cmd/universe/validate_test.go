package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/universe-pm/universe/internal/golden"
)

// runCmd runs the command line args and returns stdout, stderr and the
// exit code.
func runCmd(t *testing.T, args string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), strings.Fields(args), &App{Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), code
}

func TestValidateGolden(t *testing.T) {
	tests := []struct {
		name, args, golden string
		code               int
	}{
		{"text", "validate testdata/tree", "validate.txt", 1},
		{"json", "validate -o json testdata/tree", "validate.json", 1},
		{"github", "validate -o github testdata/tree", "validate.github", 1},
		{"one package", "validate testdata/tree/A/alpha", "validate-alpha.txt", 1},
		{"one revision", "validate testdata/tree/B/beta/100", "validate-beta.txt", 1},
		{"strict", "validate --strict testdata/tree/A/alpha", "validate-strict.txt", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code := runCmd(t, tt.args)
			if code != tt.code {
				t.Errorf("universe %s: exit code %d, want %d", tt.args, code, tt.code)
			}
			golden.Check(t, tt.golden, []byte(out))
		})
	}
}

func TestValidateBuiltinPackagesStrict(t *testing.T) {
	out, errOut, code := runCmd(t, "validate --strict ../../packages")
	if code != 0 {
		t.Fatalf("universe validate --strict packages: exit code %d\n%s%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "ok: ") {
		t.Errorf("output = %q, want an ok summary", out)
	}
}

func TestValidateJSONShape(t *testing.T) {
	out, _, _ := runCmd(t, "validate -o json testdata/tree")
	var doc struct {
		Findings []struct {
			Severity, Rule, File, Pointer, Message string
			Line, Column                           int
		}
		Errors, Warnings, Packages, Revisions int
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if doc.Errors == 0 || doc.Errors+doc.Warnings != len(doc.Findings) || doc.Revisions != 2 || doc.Packages != 2 {
		t.Errorf("counts: %+v", doc)
	}
	for _, f := range doc.Findings {
		if f.Rule == "" || f.File == "" || f.Message == "" || (f.Severity != "error" && f.Severity != "warning") {
			t.Errorf("incomplete finding %+v", f)
		}
	}
}

func TestValidateUsageErrors(t *testing.T) {
	for _, args := range []string{
		"validate -o yaml testdata/tree",
		"validate --no-such-flag",
		"validate testdata/does-not-exist",
	} {
		_, errOut, code := runCmd(t, args)
		if code != 2 {
			t.Errorf("universe %s: exit code %d, want 2 (stderr %q)", args, code, errOut)
		}
		if errOut == "" {
			t.Errorf("universe %s: no message on stderr", args)
		}
	}
}

func TestValidateListRules(t *testing.T) {
	out, _, code := runCmd(t, "validate --list-rules")
	if code != 0 || !strings.Contains(out, "json/duplicate-key") || !strings.Contains(out, "dependencies/cycle") {
		t.Errorf("universe validate --list-rules = %d\n%s", code, out)
	}
}
