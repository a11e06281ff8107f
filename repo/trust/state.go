package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// State is the client's memory of the signed versions it has accepted,
// per repository, kept in one small JSON file written atomically. It
// turns a rollback to an older signed index, or a second signing of a
// version with different content, into an error.
type State struct {
	path string
	mu   sync.Mutex
}

// Seen is what State remembers about one repository.
type Seen struct {
	Version int64 `json:"version"`
	// Hash is the sha256 of the signed document of that version.
	Hash   string    `json:"hash"`
	SeenAt time.Time `json:"seenAt"`
}

// OpenState returns the state kept in the file at path (created on the
// first Record).
func OpenState(path string) *State { return &State{path: path} }

// StateKey identifies a repository in the state: its URL and the
// fingerprint of the key it is trusted with, so that re-adding a
// repository under another name keeps its history.
func StateKey(url, fingerprint string) string { return fingerprint + " " + url }

func (s *State) read() (map[string]Seen, error) {
	m := map[string]Seen{}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the signed versions seen: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("reading the signed versions seen (%s): %w", s.path, err)
	}
	return m, nil
}

// Check compares a verified document with what was seen for key: it
// returns an error wrapping ErrRollback for a lower version and
// ErrConflict for the same version with a different hash, and the Seen
// record (zero when none).
func (s *State) Check(key string, m *Metadata, hash string) (Seen, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.read()
	if err != nil {
		return Seen{}, err
	}
	seen := all[key]
	switch {
	case seen.Version == 0:
	case m.Version < seen.Version:
		return seen, fmt.Errorf("%w: version %d, older than version %d seen on %s", ErrRollback,
			m.Version, seen.Version, seen.SeenAt.Format(time.DateOnly))
	case m.Version == seen.Version && hash != seen.Hash:
		return seen, fmt.Errorf("%w: version %d seen on %s signed different content", ErrConflict,
			m.Version, seen.SeenAt.Format(time.DateOnly))
	}
	return seen, nil
}

// Record remembers m as accepted for key, unless a version at least as
// high is remembered already.
func (s *State) Record(key string, m *Metadata, hash string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.read()
	if err != nil {
		return err
	}
	if all[key].Version >= m.Version {
		return nil
	}
	all[key] = Seen{Version: m.Version, Hash: hash, SeenAt: now.UTC()}
	data, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return fmt.Errorf("recording the signed version: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("recording the signed version: %w", err)
	}
	if err := writeAtomic(s.path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("recording the signed version: %w", err)
	}
	return nil
}
