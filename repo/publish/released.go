package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/index"
)

// Rule ids of the immutability checks.
const (
	RuleChanged = "release/changed"
	RuleRemoved = "release/removed"
)

// ErrNotNative is returned by ReadIndex for an index without per-revision
// digests (the Cosmos files): only the native index can prove a revision
// unchanged.
var ErrNotNative = errors.New("not a native index with sha256 digests (index.json)")

// ReadIndex reads the native index at path: an index.json file, or a
// directory built by 'universe repo build' that holds one. It returns an
// error wrapping ErrNotNative when the index has no digests.
func ReadIndex(path string) (*index.Index, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, index.NativeFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	ix, err := index.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	for _, e := range ix.Entries {
		if e.SHA256 == "" {
			return nil, fmt.Errorf("%s: %w", path, ErrNotNative)
		}
	}
	return ix, nil
}

// Released compares the tree with the revisions released in ix and
// returns an error finding for every released revision that has changed
// (the sha256 of its canonical index entry, as repo/index computes it,
// differs) or is no longer in the tree. Released revisions are immutable:
// a fix is a new version, a withdrawal is a yank.
func Released(ctx context.Context, tree *repo.Tree, ix *index.Index) ([]repo.Finding, error) {
	tmp, err := os.MkdirTemp("", "universe-released-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")
	// Build the tree's entries exactly as a release would, so that the
	// digests are computed by the same canonicalisation.
	if _, err := index.Build(ctx, tree, out, index.Options{}); err != nil {
		return nil, fmt.Errorf("building the tree's index: %w", err)
	}
	now, err := ReadIndex(out)
	if err != nil {
		return nil, err
	}
	type key struct {
		name string
		rel  int
	}
	sums := map[key]string{}
	for _, e := range now.Entries {
		sums[key{e.Name, e.Release}] = e.SHA256
	}
	var out2 []repo.Finding
	for _, e := range ix.Entries {
		dir := strings.ToUpper(e.Name[:min(1, len(e.Name))]) + "/" + e.Name + "/" + strconv.Itoa(e.Release)
		f := repo.Finding{Severity: repo.Error, File: dir, Package: e.Name, Release: e.Release}
		if p, ok := tree.Package(e.Name); ok {
			if r, ok := p.Release(e.Release); ok {
				f.File = r.Dir
			}
		}
		sum, ok := sums[key{e.Name, e.Release}]
		switch {
		case !ok && !revisionExists(tree, e.Name, e.Release):
			f.Rule = RuleRemoved
			f.Message = fmt.Sprintf("%s %s (release %d) was released and is no longer in the tree: released revisions are never removed (withdraw one with universe yank)",
				e.Name, e.Version, e.Release)
		case !ok:
			f.Rule = RuleChanged
			f.Message = fmt.Sprintf("%s %s (release %d) was released and no longer builds: released revisions are immutable", e.Name, e.Version, e.Release)
		case sum != e.SHA256:
			f.Rule = RuleChanged
			f.Message = fmt.Sprintf("%s %s (release %d) changed since it was released (sha256 %.12s… released, %.12s… now): released revisions are immutable, publish a new version instead",
				e.Name, e.Version, e.Release, e.SHA256, sum)
		default:
			continue
		}
		out2 = append(out2, f)
	}
	repo.SortFindings(out2)
	return out2, nil
}

func revisionExists(t *repo.Tree, name string, rel int) bool {
	p, ok := t.Package(name)
	if !ok {
		return false
	}
	_, ok = p.Release(rel)
	return ok
}
