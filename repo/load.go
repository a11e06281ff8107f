package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/universe-pm/universe/internal/parallel"
)

// Layout patterns, as Universe's validator defines them.
var (
	letterPattern  = regexp.MustCompile(`^[A-Z]$`)
	packagePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
)

// Rule ids of the problems Load reports.
const (
	RuleLetterDir       = "layout/letter-dir"
	RulePackageDir      = "layout/package-dir"
	RuleLetterMismatch  = "layout/letter-mismatch"
	RuleDuplicatePkg    = "layout/duplicate-package"
	RuleRevisionDir     = "layout/revision-dir"
	RuleMissingPackage  = "layout/missing-package-json"
	RuleUnexpectedEntry = "layout/unexpected-file"
	RuleNoRevisions     = "layout/no-revisions"
	RuleRead            = "file/read"
	RuleJSONSyntax      = "json/syntax"
	RuleDuplicateKey    = "json/duplicate-key"
	RuleUnicodeEscape   = "json/unicode-escape"
	RuleNonASCII        = "text/non-ascii"
	RuleCRLF            = "text/crlf"
	RuleBOM             = "text/bom"
)

// MaxFileSize bounds the size of one manifest file. The largest real one
// (D/datastax-dse/700/config.json) is 148 KB.
const MaxFileSize = 8 << 20

// knownFiles are the files a revision directory may hold.
var knownFiles = map[string]bool{
	PackageFile: true, ConfigFile: true, TemplateFile: true, ResourceFile: true, CommandFile: true,
}

// Load reads the package tree at the root of fsys, laid out as
// <LETTER>/<name>/<release>/. Revisions are read concurrently. Problems with
// individual entries and files are recorded in Tree.Problems and never stop
// the load; the error is non-nil only when the root cannot be listed or ctx
// is cancelled.
func Load(ctx context.Context, fsys fs.FS) (*Tree, error) {
	letters, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("reading package tree: %w", err)
	}
	t := &Tree{byName: map[string]*Package{}}
	var jobs []*Revision
	for _, l := range letters {
		if hidden(l.Name()) {
			continue
		}
		if !l.IsDir() {
			continue // files beside the letter directories (README.md, embed.go) are not packages
		}
		if !letterPattern.MatchString(l.Name()) {
			t.Problems = append(t.Problems, problem(Error, RuleLetterDir, l.Name(),
				fmt.Sprintf("directory %q is not a letter directory: its name must match %s", l.Name(), letterPattern)))
			continue
		}
		names, err := fs.ReadDir(fsys, l.Name())
		if err != nil {
			t.Problems = append(t.Problems, problem(Error, RuleRead, l.Name(), err.Error()))
			continue
		}
		for _, n := range names {
			dir := l.Name() + "/" + n.Name()
			if hidden(n.Name()) {
				continue
			}
			if !n.IsDir() {
				t.Problems = append(t.Problems, problem(Warning, RuleUnexpectedEntry, dir,
					"unexpected file in a letter directory: expected only package directories"))
				continue
			}
			if !packagePattern.MatchString(n.Name()) {
				t.Problems = append(t.Problems, problem(Error, RulePackageDir, dir,
					fmt.Sprintf("package directory %q does not match %s", n.Name(), packagePattern)))
				continue
			}
			if want := strings.ToUpper(n.Name()[:1]); want != l.Name() {
				t.Problems = append(t.Problems, problem(Error, RuleLetterMismatch, dir,
					fmt.Sprintf("package %q must be under %s/, not %s/", n.Name(), want, l.Name())))
			}
			if prev, dup := t.byName[n.Name()]; dup {
				t.Problems = append(t.Problems, problem(Error, RuleDuplicatePkg, dir,
					fmt.Sprintf("package %q is also at %s", n.Name(), prev.Dir)))
				continue
			}
			p := &Package{Name: n.Name(), Letter: l.Name(), Dir: dir}
			t.byName[p.Name] = p
			t.Packages = append(t.Packages, p)
			revs, err := fs.ReadDir(fsys, dir)
			if err != nil {
				t.Problems = append(t.Problems, problem(Error, RuleRead, dir, err.Error()))
				continue
			}
			for _, r := range revs {
				rdir := dir + "/" + r.Name()
				if hidden(r.Name()) {
					continue
				}
				if !r.IsDir() {
					t.Problems = append(t.Problems, problem(Warning, RuleUnexpectedEntry, rdir,
						"unexpected file in a package directory: expected only revision directories"))
					continue
				}
				n, ok := parseRelease(r.Name())
				if !ok {
					t.Problems = append(t.Problems, problem(Error, RuleRevisionDir, rdir,
						fmt.Sprintf("revision directory %q is not a release number: expected a non-negative integer without leading zeros", r.Name())))
					continue
				}
				rev := &Revision{Package: p.Name, Release: n, Dir: rdir}
				p.Revisions = append(p.Revisions, rev)
				jobs = append(jobs, rev)
			}
			if len(p.Revisions) == 0 {
				t.Problems = append(t.Problems, problem(Warning, RuleNoRevisions, dir, "package has no revisions"))
			}
		}
	}

	// Read and parse the revisions concurrently.
	problems := make([][]Finding, len(jobs))
	if err := parallel.For(ctx, len(jobs), func(i int) { problems[i] = loadRevision(fsys, jobs[i]) }); err != nil {
		return nil, fmt.Errorf("loading package tree: %w", err)
	}
	for _, ps := range problems {
		t.Problems = append(t.Problems, ps...)
	}

	sort.Slice(t.Packages, func(i, j int) bool { return t.Packages[i].Name < t.Packages[j].Name })
	for _, p := range t.Packages {
		sort.Slice(p.Revisions, func(i, j int) bool { return p.Revisions[i].Release < p.Revisions[j].Release })
	}
	SortFindings(t.Problems)
	return t, nil
}

// SortFindings orders findings by file, line, column, rule and message.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

// hidden reports whether a directory entry is ignored (".git", ".DS_Store").
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// parseRelease parses a revision directory name.
func parseRelease(s string) (int, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func problem(sev Severity, rule, file, msg string) Finding {
	return Finding{Severity: sev, Rule: rule, File: file, Message: msg, Release: -1}
}

// loadRevision reads the files of one revision and fills in what
// package.json says. It returns the problems found.
func loadRevision(fsys fs.FS, rev *Revision) []Finding {
	var out []Finding
	add := func(f Finding) {
		f.Package, f.Release = rev.Package, rev.Release
		out = append(out, f)
	}
	entries, err := fs.ReadDir(fsys, rev.Dir)
	if err != nil {
		add(problem(Error, RuleRead, rev.Dir, err.Error()))
		return out
	}
	for _, e := range entries {
		p := rev.Dir + "/" + e.Name()
		if e.Name() == YankedFile && !e.IsDir() {
			rev.Yanked = true
			rev.YankReason = yankReason(fsys, p)
			continue
		}
		if hidden(e.Name()) {
			continue
		}
		if e.IsDir() || !knownFiles[e.Name()] {
			rev.Extra = append(rev.Extra, p)
			add(problem(Warning, RuleUnexpectedEntry, p, fmt.Sprintf(
				"unexpected entry %q in a revision directory: Universe tools ignore it (expected %s, %s, %s, %s or %s)",
				e.Name(), PackageFile, ConfigFile, TemplateFile, ResourceFile, CommandFile)))
			continue
		}
		f := &File{Path: p}
		f.Data, f.Err = readFile(fsys, p)
		if f.Err != nil {
			add(problem(Error, RuleRead, p, f.Err.Error()))
		} else if e.Name() == TemplateFile {
			for _, fd := range textProblems(f) {
				add(fd)
			}
		} else {
			for _, fd := range parseJSONFile(f) {
				add(fd)
			}
		}
		switch e.Name() {
		case PackageFile:
			rev.PackageJSON = f
		case ConfigFile:
			rev.Config = f
		case TemplateFile:
			rev.Template = f
		case ResourceFile:
			rev.Resource = f
		case CommandFile:
			rev.Command = f
		}
	}
	if rev.PackageJSON == nil {
		add(problem(Error, RuleMissingPackage, rev.Dir+"/"+PackageFile, "missing required package.json"))
		return out
	}
	readMeta(rev)
	return out
}

// yankReason reads the reason from a YankedFile: the "reason" member of
// its JSON object, or its text when it is not one.
func yankReason(fsys fs.FS, name string) string {
	data, err := readFile(fsys, name)
	if err != nil {
		return ""
	}
	var m struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal(data, &m) == nil {
		return m.Reason
	}
	return strings.TrimSpace(string(data))
}

// readFile reads a manifest, refusing files over MaxFileSize.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	if d, ok := fsys.(*dirFS); ok {
		data, err := d.ReadFile(name)
		if err != nil && !errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		return data, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	size := 512
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileSize {
		return nil, tooLarge(name, MaxFileSize, st.Size())
	} else if err == nil {
		size = int(st.Size()) + 1 // one byte more, to see EOF without growing
	}
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if len(data) > MaxFileSize {
			return nil, tooLarge(name, MaxFileSize, -1)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
}

// parseJSONFile scans and decodes a JSON file and reports syntax errors,
// duplicate keys and encoding problems.
func parseJSONFile(f *File) []Finding {
	var out []Finding
	s, err := scanJSON(f.Data)
	if err != nil {
		f.Err = err
		fd := problem(Error, RuleJSONSyntax, f.Path, "invalid JSON: "+syntaxMessage(err))
		var se *jsonSyntaxError
		if errors.As(err, &se) {
			fd.Line, fd.Col = se.Pos.Line, se.Pos.Col
		}
		return append(out, fd)
	}
	f.scan = s
	f.Value = s.Value
	for _, d := range s.Dups {
		ptr := d.Pointer + "/" + escapePointer(d.Key)
		out = append(out, Finding{Severity: Error, Rule: RuleDuplicateKey, File: f.Path,
			Line: d.Dup.Line, Col: d.Dup.Col, Pointer: ptr, Release: -1,
			Message: fmt.Sprintf("duplicate key %q (first at line %d, column %d, again at line %d, column %d): Universe's tools keep the last value, other JSON readers may keep the first",
				d.Key, d.First.Line, d.First.Col, d.Dup.Line, d.Dup.Col)})
	}
	if s.BOM {
		out = append(out, Finding{Severity: Error, Rule: RuleBOM, File: f.Path, Line: 1, Col: 1, Release: -1,
			Message: "file starts with a UTF-8 byte order mark, which Universe's tools reject"})
	}
	if s.UnicodeEscapes > 0 {
		out = append(out, Finding{Severity: Warning, Rule: RuleUnicodeEscape, File: f.Path,
			Line: s.FirstUnicodeEscape.Line, Col: s.FirstUnicodeEscape.Col, Release: -1,
			Message: fmt.Sprintf("%d \\u escape(s) in strings: Universe's validator rejects them (DCOS-42473) and Cosmos 0.6.2 and older read files as ASCII", s.UnicodeEscapes)})
	}
	out = append(out, encodingProblems(f.Path, s.NonASCII, s.FirstNonASCII, s.CRLF, s.FirstCRLF)...)
	return out
}

func syntaxMessage(err error) string {
	var se *jsonSyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// textProblems reports encoding problems of a non-JSON file.
func textProblems(f *File) []Finding {
	var nonASCII, crlf, firstCRLF int
	var first jsonPos
	line, col := 1, 1
	for i := 0; i < len(f.Data); i++ {
		c := f.Data[i]
		switch {
		case c == '\n':
			if i > 0 && f.Data[i-1] == '\r' {
				if crlf == 0 {
					firstCRLF = line
				}
				crlf++
			}
			line, col = line+1, 1
			continue
		case c >= 0x80:
			if nonASCII == 0 {
				first = jsonPos{Line: line, Col: col}
			}
			nonASCII++
		}
		col++
	}
	return encodingProblems(f.Path, nonASCII, first, crlf, firstCRLF)
}

func encodingProblems(file string, nonASCII int, first jsonPos, crlf, firstCRLF int) []Finding {
	var out []Finding
	if nonASCII > 0 {
		out = append(out, Finding{Severity: Warning, Rule: RuleNonASCII, File: file, Line: first.Line, Col: first.Col, Release: -1,
			Message: fmt.Sprintf("%d non-ASCII byte(s): Universe's validator reads files as ASCII and Cosmos 0.6.2 and older fail on them", nonASCII)})
	}
	if crlf > 0 {
		out = append(out, Finding{Severity: Warning, Rule: RuleCRLF, File: file, Line: firstCRLF, Release: -1,
			Message: fmt.Sprintf("%d line(s) end in CRLF: use LF line endings (CRLF is kept byte for byte in the index)", crlf)})
	}
	return out
}

// escapePointer escapes one reference token of a JSON pointer.
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// readMeta fills in the revision fields that come from package.json. It is
// lenient: wrong types leave fields zero for schema validation to report.
func readMeta(rev *Revision) {
	m, ok := rev.PackageJSON.Object()
	if !ok {
		return
	}
	rev.Name, _ = m["name"].(string)
	rev.PackagingVersion, _ = m["packagingVersion"].(string)
	if v, ok := m["version"].(string); ok {
		rev.Version = ParseVersion(v)
	}
	rev.MinDcosReleaseVersion, _ = m["minDcosReleaseVersion"].(string)
	rev.UpgradesFrom = stringList(m["upgradesFrom"])
	rev.DowngradesTo = stringList(m["downgradesTo"])
	deps, _ := m["dependencies"].([]any)
	for _, d := range deps {
		dm, ok := d.(map[string]any)
		if !ok {
			continue
		}
		dep := Dependency{}
		dep.Name, _ = dm["name"].(string)
		dep.Range, _ = dm["version"].(string)
		dep.Optional, _ = dm["optional"].(bool)
		if dep.Range != "" {
			dep.Constraints, dep.RangeErr = semver.NewConstraint(dep.Range)
		}
		rev.Dependencies = append(rev.Dependencies, dep)
	}
}

func stringList(v any) []string {
	l, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
