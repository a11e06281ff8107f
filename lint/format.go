package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/universe-pm/universe/repo"
)

// WriteText writes the report for people: findings grouped by package, then
// a summary line.
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	group := "\x00"
	for _, f := range r.Findings {
		pkg := f.Package
		if pkg == "" {
			pkg = "(repository layout)"
		}
		if pkg != group {
			if group != "\x00" {
				ew.printf("\n")
			}
			ew.printf("%s\n", pkg)
			group = pkg
		}
		ew.printf("  %s\n", f)
	}
	if len(r.Findings) > 0 {
		ew.printf("\n")
	}
	ew.printf("%s\n", r.Summary())
	return ew.err
}

// Summary is a one-line account of the report.
func (r *Report) Summary() string {
	errs, warns := r.Count(repo.Error), r.Count(repo.Warning)
	scope := fmt.Sprintf("%s in %s", plural(r.Revisions, "revision"), plural(r.Packages, "package"))
	if errs == 0 && warns == 0 {
		return "ok: " + scope + ", no problems found"
	}
	verdict := "ok"
	if errs > 0 {
		verdict = "failed"
	}
	return fmt.Sprintf("%s: %s, %s, %s", verdict, plural(errs, "error"), plural(warns, "warning"), scope)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// WriteJSON writes the report as one JSON document with stable field names:
// {"findings":[...],"packages":N,"revisions":N,"errors":N,"warnings":N}.
func WriteJSON(w io.Writer, r *Report) error {
	findings := r.Findings
	if findings == nil {
		findings = []repo.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Findings  []repo.Finding `json:"findings"`
		Packages  int            `json:"packages"`
		Revisions int            `json:"revisions"`
		Errors    int            `json:"errors"`
		Warnings  int            `json:"warnings"`
	}{findings, r.Packages, r.Revisions, r.Count(repo.Error), r.Count(repo.Warning)})
}

// WriteGitHub writes GitHub Actions workflow commands, one annotation per
// finding, so findings appear on the lines of a pull request.
func WriteGitHub(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	for _, f := range r.Findings {
		level := "error"
		if f.Severity == repo.Warning {
			level = "warning"
		}
		props := "file=" + ghProperty(f.File)
		if f.Line > 0 {
			props += fmt.Sprintf(",line=%d", f.Line)
			if f.Col > 0 {
				props += fmt.Sprintf(",col=%d", f.Col)
			}
		}
		props += ",title=" + ghProperty(f.Rule)
		msg := f.Message
		if f.Pointer != "" {
			msg += " (at " + f.Pointer + ")"
		}
		ew.printf("::%s %s::%s\n", level, props, ghData(msg))
	}
	return ew.err
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// errWriter keeps the first write error so callers check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
