package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/universe-pm/universe/repo"
)

// ErrRevisionNotFound is returned by Yank when the tree has no such
// revision.
var ErrRevisionNotFound = errors.New("revision not found")

// ErrYanked is returned by Yank when the revision is already yanked.
var ErrYanked = errors.New("already yanked")

// YankOptions adjust Yank.
type YankOptions struct {
	// Reason is recorded in the marker and shown to whoever asks.
	Reason string
	// Now is the time recorded in the marker; time.Now when zero.
	Now time.Time
}

// Yank withdraws release rel of package name in the tree directory dir
// without deleting it: it writes repo.YankedFile ({"reason", "date"})
// into the revision directory, atomically (a temporary file renamed into
// place). A yanked revision stays in the tree and in the index (with
// "yanked": true outside its digest, so it still counts as unchanged), is
// listed, and is installable by its exact version, but resolution never
// picks it otherwise. It returns an error wrapping ErrRevisionNotFound or
// ErrYanked.
func Yank(ctx context.Context, dir, name string, rel int, opts YankOptions) error {
	if name == "" || rel < 0 {
		return fmt.Errorf("%s release %d: %w", name, rel, ErrRevisionNotFound)
	}
	revDir := filepath.Join(dir, strings.ToUpper(name[:1]), name, strconv.Itoa(rel))
	if st, err := os.Stat(filepath.Join(revDir, repo.PackageFile)); err != nil || st.IsDir() {
		return fmt.Errorf("%s release %d (%s): %w", name, rel, revDir, ErrRevisionNotFound)
	}
	marker := filepath.Join(revDir, repo.YankedFile)
	if _, err := os.Lstat(marker); err == nil {
		return fmt.Errorf("%s release %d: %w", name, rel, ErrYanked)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	data, err := json.MarshalIndent(struct {
		Reason string `json:"reason"`
		Date   string `json:"date"`
	}{opts.Reason, now.UTC().Format(time.RFC3339)}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(revDir, ".yanked-*")
	if err != nil {
		return fmt.Errorf("yanking %s release %d: %w", name, rel, err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), marker)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("yanking %s release %d: %w", name, rel, werr)
	}
	return nil
}
