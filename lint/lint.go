package lint

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"github.com/universe-pm/universe/internal/parallel"
	"github.com/universe-pm/universe/repo"
)

// Report is the result of validating a tree.
type Report struct {
	// Findings are every problem found, ordered by file and position.
	Findings  []repo.Finding `json:"findings"`
	Packages  int            `json:"packages"`
	Revisions int            `json:"revisions"`
}

// Count returns the number of findings of severity s.
func (r *Report) Count(s repo.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Strict turns every warning into an error.
func (r *Report) Strict() {
	for i := range r.Findings {
		r.Findings[i].Severity = repo.Error
	}
}

// Select keeps only the findings inside one of the tree-relative
// directories dirs (nil keeps everything) and counts only the packages and
// revisions in them.
func (r *Report) Select(t *repo.Tree, dirs []string) {
	if len(dirs) == 0 {
		return
	}
	inside := func(p string) bool {
		for _, d := range dirs {
			if d == "" || d == "." || p == d || strings.HasPrefix(p, d+"/") || strings.HasPrefix(d, p+"/") {
				return true
			}
		}
		return false
	}
	keep := r.Findings[:0]
	for _, f := range r.Findings {
		for _, d := range dirs {
			if d == "" || d == "." || f.File == d || strings.HasPrefix(f.File, d+"/") {
				keep = append(keep, f)
				break
			}
		}
	}
	r.Findings = keep
	r.Packages, r.Revisions = 0, 0
	for _, p := range t.Packages {
		n := 0
		for _, rev := range p.Revisions {
			if inside(rev.Dir) {
				n++
			}
		}
		if n > 0 || inside(p.Dir) {
			r.Packages++
		}
		r.Revisions += n
	}
}

// Run applies every rule to the tree and returns all findings at once:
// the problems found while loading plus those of each rule. Revisions are
// checked concurrently. The error is non-nil only when ctx is cancelled.
func Run(ctx context.Context, t *repo.Tree) (*Report, error) {
	revs := t.Revisions()
	results := make([][]repo.Finding, len(revs))
	m := &memo{}
	if err := parallel.For(ctx, len(revs), func(i int) { results[i] = checkRevision(ctx, t, m, revs[i]) }); err != nil {
		return nil, fmt.Errorf("validating: %w", err)
	}
	rep := &Report{Packages: len(t.Packages), Revisions: len(revs)}
	rep.Findings = append(rep.Findings, t.Problems...)
	for _, fs := range results {
		rep.Findings = append(rep.Findings, fs...)
	}
	rep.Findings = append(rep.Findings, checkCycles(t)...)
	repo.SortFindings(rep.Findings)
	return rep, nil
}

// checker collects the findings of one revision.
type checker struct {
	ctx  context.Context // for the checks that render
	tree *repo.Tree
	memo *memo
	rev  *repo.Revision
	out  []repo.Finding
}

// memo shares the findings of per-file checks between files with the same
// content: revisions often repeat a config.json or template byte for byte
// (706 distinct configs among the corpus's 1,164), and such a check's
// findings depend only on the content.
type memo struct {
	mu sync.Mutex
	m  map[string]*memoEntry
}

type memoEntry struct {
	once sync.Once
	dir  string // the directory of the revision that ran the check
	out  []repo.Finding
}

// do returns the findings of check for a file whose content is data, running
// check only for content not seen before. The findings it returns carry
// the file, package and release of the caller.
func (c *checker) do(kind string, f *repo.File, check func(c *checker)) {
	c.doKey(contentKey(kind, f.Data), check)
}

// contentKey identifies a check of some content: the kind of check and a
// SHA-256 of each part, so that keys stay small and unambiguous.
func contentKey(kind string, parts ...[]byte) string {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return string(h.Sum(nil))
}

// doKey runs check once per key, for checks whose findings depend only on
// what the key holds. Findings are recorded relative to the revision that
// ran the check and re-homed into the caller's revision directory.
func (c *checker) doKey(key string, check func(c *checker)) {
	c.memo.mu.Lock()
	if c.memo.m == nil {
		c.memo.m = map[string]*memoEntry{}
	}
	e, ok := c.memo.m[key]
	if !ok {
		e = &memoEntry{}
		c.memo.m[key] = e
	}
	c.memo.mu.Unlock()
	e.once.Do(func() {
		sub := &checker{ctx: c.ctx, tree: c.tree, memo: c.memo, rev: c.rev}
		check(sub)
		e.dir, e.out = c.rev.Dir, sub.out
	})
	for _, fd := range e.out {
		if e.dir != c.rev.Dir {
			if rest, ok := strings.CutPrefix(fd.File, e.dir+"/"); ok {
				fd.File = c.rev.Dir + "/" + rest
			}
			fd.Message = strings.ReplaceAll(fd.Message, e.dir+"/", c.rev.Dir+"/")
		}
		fd.Package, fd.Release = c.rev.Package, c.rev.Release
		c.out = append(c.out, fd)
	}
}

// at reports a finding at the value a JSON pointer names in f.
func (c *checker) at(sev repo.Severity, rule string, f *repo.File, pointer, msg string) {
	line, col := f.Position(pointer)
	c.out = append(c.out, repo.Finding{Severity: sev, Rule: rule, File: f.Path, Line: line, Col: col,
		Pointer: pointer, Message: msg, Package: c.rev.Package, Release: c.rev.Release})
}

// atKey reports a finding at the member name that holds the value at pointer.
func (c *checker) atKey(sev repo.Severity, rule string, f *repo.File, pointer, msg string) {
	line, col := f.KeyPosition(pointer)
	c.out = append(c.out, repo.Finding{Severity: sev, Rule: rule, File: f.Path, Line: line, Col: col,
		Pointer: pointer, Message: msg, Package: c.rev.Package, Release: c.rev.Release})
}

// file reports a finding about a whole file or directory.
func (c *checker) file(sev repo.Severity, rule, path, msg string) {
	c.out = append(c.out, repo.Finding{Severity: sev, Rule: rule, File: path, Message: msg,
		Package: c.rev.Package, Release: c.rev.Release})
}

func checkRevision(ctx context.Context, t *repo.Tree, m *memo, rev *repo.Revision) []repo.Finding {
	c := &checker{ctx: ctx, tree: t, memo: m, rev: rev}
	if rev.PackageJSON == nil || rev.PackageJSON.Value == nil {
		return nil // reported while loading
	}
	if !c.packageJSON() {
		return c.out
	}
	c.command()
	c.config()
	c.resource()
	c.template()
	c.renderCheck()
	c.upgrades()
	c.dependencies()
	c.versions()
	return c.out
}

// jsonPointer joins reference tokens into an escaped JSON pointer.
func jsonPointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		if strings.ContainsAny(t, "~/") {
			t = strings.NewReplacer("~", "~0", "/", "~1").Replace(t)
		}
		b.WriteString(t)
	}
	return b.String()
}
