package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// store is a state file and the lock that keeps other processes off it.
type store struct {
	path string
	lock *os.File
}

func openStore(path string) (*store, error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking state file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("state file %s is in use by another sandbox: %w", path, err)
	}
	return &store{path: path, lock: f}, nil
}

func (st *store) close() {
	_ = syscall.Flock(int(st.lock.Fd()), syscall.LOCK_UN)
	st.lock.Close()
}

// snapshot is the durable form of the cluster.
type snapshot struct {
	Format      int                    `json:"format"`
	RootVersion string                 `json:"rootVersion"`
	LastVersion time.Time              `json:"lastVersion"`
	NextPort    int                    `json:"nextServicePort"`
	Apps        []*appState            `json:"apps"`
	Groups      map[string]*groupState `json:"groups"`
	Deployments []*deployment          `json:"deployments"`
	Agents      []*Agent               `json:"agents"`
	TaskNeeds   map[string]needJSON    `json:"taskNeeds"`
}

type needJSON struct {
	CPUs  float64 `json:"cpus"`
	Mem   float64 `json:"mem"`
	Disk  float64 `json:"disk"`
	Ports []int   `json:"ports"`
}

// save writes the state atomically: a temporary file renamed over the old.
func (s *Server) save() error {
	snap := snapshot{Format: 1, RootVersion: s.rootVersion, LastVersion: s.lastVersion, NextPort: s.nextPort,
		Groups: s.groups, Deployments: s.deployments, Agents: s.agents, TaskNeeds: map[string]needJSON{}}
	for _, id := range sortedKeys(s.apps) {
		a := s.apps[id]
		snap.Apps = append(snap.Apps, a)
		for _, t := range a.Tasks {
			snap.TaskNeeds[t.ID] = needJSON{t.Need.cpus, t.Need.mem, t.Need.disk, t.Need.ports}
		}
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.persist.path), ".sandbox-state-*")
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state: %w", err)
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), s.persist.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state: %w", err)
	}
	s.dirty = false
	return nil
}

// load reads the state file when it exists.
func (s *Server) load() error {
	b, err := os.ReadFile(s.persist.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading state: %w", err)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("reading state %s: %w", s.persist.path, err)
	}
	s.rootVersion, s.lastVersion, s.nextPort = snap.RootVersion, snap.LastVersion, snap.NextPort
	if snap.Groups != nil {
		s.groups = snap.Groups
	}
	s.deployments = snap.Deployments
	if len(snap.Agents) > 0 {
		s.agents = snap.Agents
	}
	for _, ag := range s.agents {
		ag.reset()
	}
	for _, a := range snap.Apps {
		a.Def = canon(a.Def).(map[string]any)
		for v, d := range a.History {
			a.History[v] = canon(d).(map[string]any)
		}
		a.derive()
		kept := a.Tasks[:0]
		for _, t := range a.Tasks {
			n := snap.TaskNeeds[t.ID]
			t.Need = need{n.CPUs, n.Mem, n.Disk, n.Ports}
			ag := s.agent(t.AgentID)
			if ag == nil {
				continue
			}
			ag.usedCPUs += t.Need.cpus
			ag.usedMem += t.Need.mem
			ag.usedDisk += t.Need.disk
			ag.tasks++
			for _, p := range t.Ports {
				ag.usedPorts[p] = true
			}
			kept = append(kept, t)
		}
		a.Tasks = kept
		s.apps[a.ID] = a
		s.active[a.ID] = true
	}
	for _, d := range s.deployments {
		for id, def := range d.Original {
			if def != nil {
				d.Original[id] = canon(def).(map[string]any)
			}
		}
	}
	return nil
}
