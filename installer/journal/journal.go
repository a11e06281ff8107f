package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// The statuses of an install.
const (
	Running    = "running"
	Succeeded  = "succeeded"
	RolledBack = "rolled-back"
	Halted     = "halted"
	Failed     = "failed"
)

// Entry is one install as recorded: what was asked, what was planned and
// how far it got.
type Entry struct {
	ID      string    `json:"id"`
	Cluster string    `json:"cluster"`
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	Status  string    `json:"status"`
	Owner   Owner     `json:"owner"`
	// Request is the install request as the installer encodes it.
	Request json.RawMessage `json:"request"`
	// Packages are the planned packages and their states.
	Packages []Package `json:"packages"`
	Error    string    `json:"error,omitempty"`
}

// Package is one planned package of an install and its state.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	AppID   string `json:"appId"`
	Wave    int    `json:"wave"`
	State   string `json:"state"`
}

// Owner is the process that holds an install or a lock.
type Owner struct {
	PID  int    `json:"pid"`
	Host string `json:"host"`
	User string `json:"user,omitempty"`
}

// Self returns the current process as an Owner.
func Self() Owner {
	h, _ := os.Hostname()
	return Owner{PID: os.Getpid(), Host: h, User: os.Getenv("USER")}
}

// Alive reports whether the owner process still runs; an owner on another
// host is assumed alive.
func (o Owner) Alive() bool {
	h, _ := os.Hostname()
	if o.Host != h {
		return true
	}
	if o.PID <= 0 {
		return false
	}
	err := syscall.Kill(o.PID, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func (o Owner) String() string {
	s := fmt.Sprintf("pid %d on %s", o.PID, o.Host)
	if o.User != "" {
		s += " (" + o.User + ")"
	}
	return s
}

// Store keeps journals and locks in a directory.
type Store struct {
	Dir string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultDir returns $XDG_STATE_HOME/universe (with XDG's ~/.local/state
// default).
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "universe"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the state directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "universe"), nil
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) installsDir() string { return filepath.Join(s.Dir, "installs") }

// Save writes the entry atomically (temporary file, rename).
func (s *Store) Save(e *Entry) error {
	e.Updated = s.now().UTC()
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(s.installsDir(), e.ID+".json"), data)
}

// Load reads the entry with the given id.
func (s *Store) Load(id string) (*Entry, error) {
	data, err := os.ReadFile(filepath.Join(s.installsDir(), id+".json"))
	if err != nil {
		return nil, fmt.Errorf("reading install %s: %w", id, err)
	}
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("reading install %s: %w", id, err)
	}
	return &e, nil
}

// Unfinished returns the installs on cluster that are running or halted,
// newest first. A "running" install whose owner is alive is still running
// and is left out.
func (s *Store) Unfinished(cluster string) ([]*Entry, error) {
	des, err := os.ReadDir(s.installsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Entry
	for _, de := range des {
		id, ok := strings.CutSuffix(de.Name(), ".json")
		if !ok {
			continue
		}
		e, err := s.Load(id)
		if err != nil || e.Cluster != cluster {
			continue
		}
		if e.Status == Halted || e.Status == Failed || (e.Status == Running && !e.Owner.Alive()) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	return out, nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	// No fsync: the rename is atomic, and what must survive is the
	// installer process being killed, not the machine losing power;
	// syncing every progress step would cost more than the steps.
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Lock is a held lock on one package of one cluster.
type Lock struct {
	Package string    `json:"package"`
	Cluster string    `json:"cluster"`
	Install string    `json:"install"`
	Owner   Owner     `json:"owner"`
	Taken   time.Time `json:"taken"`
	Expires time.Time `json:"expires"`
	path    string
}

// LockedError says who holds a lock.
type LockedError struct {
	Lock  Lock
	Stale bool
}

func (e *LockedError) Error() string {
	state := "held"
	if e.Stale {
		state = "stale lock held"
	}
	return fmt.Sprintf("package %s is being installed or changed by another universe: %s by %s (install %s) since %s, expires %s; if that process is gone, break it with --break-lock",
		e.Lock.Package, state, e.Lock.Owner, e.Lock.Install, e.Lock.Taken.Format(time.RFC3339), e.Lock.Expires.Format(time.RFC3339))
}

func (s *Store) lockPath(cluster, pkg string) string {
	h := sha256.Sum256([]byte(cluster))
	return filepath.Join(s.Dir, "locks", hex.EncodeToString(h[:6]), pkg+".lock")
}

// Acquire takes the locks of pkgs (sorted, all or none) for install id.
// A lock held by the same install is taken over. A lock whose owner is gone
// (same host, process not running) is taken over and reported in stale. A
// live or unexpired lock of someone else gives a *LockedError, unless
// breakLock is set. Release the returned locks with Release.
func (s *Store) Acquire(cluster, id string, pkgs []string, ttl time.Duration, breakLock bool) (held []*Lock, stale []Lock, err error) {
	names := append([]string(nil), pkgs...)
	sort.Strings(names)
	now := s.now().UTC()
	for _, p := range names {
		l := &Lock{Package: p, Cluster: cluster, Install: id, Owner: Self(), Taken: now, Expires: now.Add(ttl), path: s.lockPath(cluster, p)}
		for attempt := 0; ; attempt++ {
			err := createExclusive(l.path, l)
			if err == nil {
				break
			}
			if !errors.Is(err, fs.ErrExist) || attempt > 3 {
				s.Release(held)
				return nil, nil, fmt.Errorf("locking %s: %w", p, err)
			}
			old, rerr := readLock(l.path)
			if rerr != nil {
				// Half-written lock: the writer died; remove it.
				os.Remove(l.path)
				continue
			}
			gone := !old.Owner.Alive()
			expired := now.After(old.Expires)
			switch {
			case old.Install == id:
			case gone || expired:
				stale = append(stale, *old)
			case breakLock:
				stale = append(stale, *old)
			default:
				s.Release(held)
				return nil, nil, &LockedError{Lock: *old}
			}
			os.Remove(l.path)
		}
		held = append(held, l)
	}
	return held, stale, nil
}

// Release removes locks taken by Acquire.
func (s *Store) Release(locks []*Lock) {
	for _, l := range locks {
		if cur, err := readLock(l.path); err == nil && cur.Install == l.Install && cur.Owner == l.Owner {
			os.Remove(l.path)
		}
	}
}

func createExclusive(path string, l *Lock) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, _ := json.Marshal(l)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	return errors.Join(werr, serr, cerr)
}

func readLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l Lock
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, err
	}
	l.path = path
	return &l, nil
}

// Locks returns the locks held on cluster's packages, sorted by package,
// whether their owners still run or not.
func (s *Store) Locks(cluster string) ([]Lock, error) {
	dir := filepath.Dir(s.lockPath(cluster, "x"))
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading locks: %w", err)
	}
	var out []Lock
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".lock") {
			continue
		}
		l, err := readLock(filepath.Join(dir, de.Name()))
		if err != nil || l.Cluster != cluster {
			continue
		}
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out, nil
}

// PruneStale removes the locks on cluster whose owner is gone (a process
// of this host that no longer runs) or that expired, and returns them. An
// interrupted install's locks are taken over when it is resumed; an
// interrupted uninstall or upgrade keeps no journal entry, so its locks
// stay until pruned (or taken over by the next change of those packages).
func (s *Store) PruneStale(cluster string) ([]Lock, error) {
	locks, err := s.Locks(cluster)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []Lock
	for _, l := range locks {
		if l.Owner.Alive() && !now.After(l.Expires) {
			continue
		}
		// Remove it only if it is still the lock just read.
		if cur, err := readLock(l.path); err != nil || cur.Install != l.Install || cur.Owner != l.Owner || !cur.Taken.Equal(l.Taken) {
			continue
		}
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return out, fmt.Errorf("removing the stale lock on %s: %w", l.Package, err)
		}
		out = append(out, l)
	}
	return out, nil
}
