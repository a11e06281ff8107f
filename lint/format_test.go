package lint

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/repo"
)

func TestWriteJUnit(t *testing.T) {
	r := &Report{Findings: []repo.Finding{
		{Severity: repo.Error, Rule: "json/syntax", File: "A/a/0/package.json", Line: 2, Col: 3, Message: `bad <"&'> value`, Package: "a", Release: 0},
		{Severity: repo.Error, Rule: "package/schema", File: "A/a/0/package.json", Line: 4, Col: 1, Message: "second", Package: "a", Release: 0},
		{Severity: repo.Warning, Rule: "text/crlf", File: "A/a/1/config.json", Message: "crlf\nline endings", Package: "a", Release: 1},
		{Severity: repo.Error, Rule: "upgrades/dead-end", File: "A/a", Message: "package-level", Package: "a", Release: -1},
		{Severity: repo.Error, Rule: "layout/letter", File: "x", Message: "stray file", Release: -1},
	}}
	checked := []Checked{{"a", 0, "A/a/0"}, {"a", 1, "A/a/1"}, {"b", 0, "B/b/0"}}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r, checked); err != nil {
		t.Fatal(err)
	}
	type failure struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Body    string `xml:",chardata"`
	}
	type tcase struct {
		Class   string   `xml:"classname,attr"`
		Name    string   `xml:"name,attr"`
		Failure *failure `xml:"failure"`
		Out     string   `xml:"system-out"`
	}
	type suite struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Cases    []tcase `xml:"testcase"`
	}
	var got struct {
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Suites   []suite `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("WriteJUnit output is not XML: %v\n%s", err, buf.String())
	}
	want := struct {
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Suites   []suite `xml:"testsuite"`
	}{
		Tests: 5, Failures: 3,
		Suites: []suite{
			{Name: "a", Tests: 3, Failures: 2, Cases: []tcase{
				{Class: "a", Name: "A/a/0", Failure: &failure{
					Type:    "json/syntax",
					Message: `bad <"&'> value (and 1 more)`,
					Body:    "A/a/0/package.json:2:3: error: bad <\"&'> value [json/syntax]\nA/a/0/package.json:4:1: error: second [package/schema]\n",
				}},
				{Class: "a", Name: "A/a/1", Out: "A/a/1/config.json: warning: crlf\nline endings [text/crlf]\n"},
				{Class: "a", Name: "(package)", Failure: &failure{Type: "upgrades/dead-end", Message: "package-level", Body: "A/a: error: package-level [upgrades/dead-end]\n"}},
			}},
			{Name: "b", Tests: 1, Cases: []tcase{{Class: "b", Name: "B/b/0"}}},
			{Name: "(repository layout)", Tests: 1, Failures: 1, Cases: []tcase{
				{Class: "(repository layout)", Name: "(repository layout)", Failure: &failure{Type: "layout/letter", Message: "stray file", Body: "x: error: stray file [layout/letter]\n"}},
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WriteJUnit (-want +got):\n%s\n%s", diff, buf.String())
	}
	if !strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("WriteJUnit output lacks the XML declaration:\n%s", buf.String())
	}
}

func TestWriteJUnitControlCharacters(t *testing.T) {
	r := &Report{Findings: []repo.Finding{{Severity: repo.Error, Rule: "r", File: "f", Message: "nul \x00 bell \a bad \xff", Package: "a", Release: 0}}}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Failure struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("WriteJUnit output is not XML: %v\n%q", err, buf.String())
	}
	if got, want := doc.Suites[0].Cases[0].Failure.Message, "nul \uFFFD bell \uFFFD bad \uFFFD"; got != want {
		t.Errorf("failure message = %q, want %q", got, want)
	}
}

func TestWriteJUnitEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, &Report{}, nil); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="universe validate" tests="0" failures="0" errors="0">
</testsuites>
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("WriteJUnit of an empty report (-want +got):\n%s", diff)
	}
}
