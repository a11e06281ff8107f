package index

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/universe-pm/universe/repo"
)

// ComputeDigest returns the native index's top-level digest over its
// entries, as Build writes it: the sha256 of one "name\trelease\tsha256\n"
// line per entry, in order.
func ComputeDigest(entries []Entry) string {
	h := sha256.New()
	for _, e := range entries {
		fmt.Fprintf(h, "%s\t%d\t%s\n", e.Name, e.Release, e.SHA256)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// VerifyAll checks a native index: every entry against its sha256 and the
// top-level digest against the entries. It returns the errors joined, each
// wrapping ErrDigest.
func VerifyAll(ix *Index) error {
	var errs []error
	if ix.Version != "v6" {
		return fmt.Errorf("%w: not a native (v6) index", ErrDigest)
	}
	for i := range ix.Entries {
		if err := ix.Entries[i].Verify(); err != nil {
			errs = append(errs, err)
		}
	}
	if got := ComputeDigest(ix.Entries); got != ix.Digest {
		errs = append(errs, fmt.Errorf("%w: the entries' digest is %s, the index says %s", ErrDigest, got, ix.Digest))
	}
	return errors.Join(errs...)
}

// VerifyTree checks every revision of tree against the native index
// native: the sha256 of each revision's canonical entry must be the one
// the index records for its name and release, and the two must hold the
// same revisions. The sha256 members are taken as they are (the index is
// trusted, typically embedded in the binary). It returns the differences
// joined, each wrapping ErrDigest.
func VerifyTree(tree *repo.Tree, native []byte) error {
	ix, err := Decode(native)
	if err != nil {
		return fmt.Errorf("the embedded index: %w", err)
	}
	want := make(map[string]string, len(ix.Entries))
	for _, e := range ix.Entries {
		want[e.Name+"@"+strconv.Itoa(e.Release)] = e.SHA256
	}
	var errs []error
	var scratch []byte
	for _, rev := range tree.Revisions() {
		key := rev.Package + "@" + strconv.Itoa(rev.Release)
		sum, ok := want[key]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %w: not in the index", rev.Dir, ErrDigest))
			continue
		}
		delete(want, key)
		got, err := nativeSum(rev, &scratch)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rev.Dir, err))
			continue
		}
		if got != sum {
			errs = append(errs, fmt.Errorf("%s: %w: content has %s, the index says %s", rev.Dir, ErrDigest, got, sum))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(want)) {
		errs = append(errs, fmt.Errorf("%s: %w: in the index, not in the tree", key, ErrDigest))
	}
	return errors.Join(errs...)
}
