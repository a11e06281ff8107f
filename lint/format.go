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

// Checked names one revision a report covers, so that formats which list
// what passed as well as what failed (JUnit) have a test case for each.
type Checked struct {
	Package string
	Release int
	// Dir is the revision directory as the reader knows it.
	Dir string
}

// WriteJUnit writes the report as JUnit XML for CI systems other than
// GitHub: one test suite per package and one test case per revision in
// checked. A revision with errors fails, its failure listing each error as
// "file:line:col: severity: message [rule]"; warnings go to the case's
// system-out. Findings about a package or the tree as a whole (Release -1)
// get a test case of their own named "(package)" or "(repository layout)".
func WriteJUnit(w io.Writer, r *Report, checked []Checked) error {
	type key struct {
		pkg string
		rel int
	}
	type tcase struct {
		key
		name              string
		errors, warnings  []string
		firstRule, errMsg string
	}
	var suites []string
	cases := map[string][]*tcase{}
	byKey := map[key]*tcase{}
	add := func(k key, name string) *tcase {
		if c, ok := byKey[k]; ok {
			return c
		}
		if _, ok := cases[k.pkg]; !ok {
			suites = append(suites, k.pkg)
		}
		c := &tcase{key: k, name: name}
		byKey[k] = c
		cases[k.pkg] = append(cases[k.pkg], c)
		return c
	}
	for _, c := range checked {
		add(key{c.Package, c.Release}, c.Dir)
	}
	for _, f := range r.Findings {
		k := key{f.Package, f.Release}
		if f.Package == "" {
			k = key{"(repository layout)", -1}
		}
		name := k.pkg
		if k.rel < 0 {
			name = "(package)"
			if f.Package == "" {
				name = "(repository layout)"
			}
		}
		c := add(k, name)
		if f.Severity == repo.Error {
			if c.firstRule == "" {
				c.firstRule, c.errMsg = f.Rule, f.Message
			}
			c.errors = append(c.errors, f.String())
		} else {
			c.warnings = append(c.warnings, f.String())
		}
	}
	ew := &errWriter{w: w}
	total, failures := 0, 0
	for _, s := range suites {
		for _, c := range cases[s] {
			total++
			if len(c.errors) > 0 {
				failures++
			}
		}
	}
	ew.printf("%s", `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	ew.printf("<testsuites name=\"universe validate\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n", total, failures)
	for _, s := range suites {
		n, fails := len(cases[s]), 0
		for _, c := range cases[s] {
			if len(c.errors) > 0 {
				fails++
			}
		}
		ew.printf("  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\">\n", xmlEscape(s), n, fails)
		for _, c := range cases[s] {
			ew.printf("    <testcase classname=\"%s\" name=\"%s\"", xmlEscape(s), xmlEscape(c.name))
			if len(c.errors) == 0 && len(c.warnings) == 0 {
				ew.printf("/>\n")
				continue
			}
			ew.printf(">\n")
			if len(c.errors) > 0 {
				msg := c.errMsg
				if len(c.errors) > 1 {
					msg = fmt.Sprintf("%s (and %d more)", msg, len(c.errors)-1)
				}
				ew.printf("      <failure type=\"%s\" message=\"%s\">%s</failure>\n",
					xmlAttr(c.firstRule), xmlAttr(msg), xmlEscape(strings.Join(c.errors, "\n")+"\n"))
			}
			if len(c.warnings) > 0 {
				ew.printf("      <system-out>%s</system-out>\n", xmlEscape(strings.Join(c.warnings, "\n")+"\n"))
			}
			ew.printf("    </testcase>\n")
		}
		ew.printf("  </testsuite>\n")
	}
	ew.printf("</testsuites>\n")
	return ew.err
}

// xmlEscape escapes s for XML text and attribute values; newlines are kept
// in text so that failure bodies read as lines.
func xmlEscape(s string) string {
	return xmlEscaper.Replace(strings.Map(xmlChar, strings.ToValidUTF8(s, "\uFFFD")))
}

// xmlChar replaces the characters XML 1.0 cannot hold at all, escaped or
// not (control characters other than tab, newline and carriage return), so
// that a finding quoting a stray byte still yields a readable report.
func xmlChar(r rune) rune {
	if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
		return '\uFFFD'
	}
	return r
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;", "\r", "&#xD;", "\t", "&#x9;")

// xmlAttr escapes s for an attribute value, where a raw newline would be
// normalised to a space.
func xmlAttr(s string) string {
	return strings.ReplaceAll(xmlEscape(s), "\n", "&#xA;")
}
