package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// clusterAgent is an agent with its resources and tasks.
type clusterAgent struct {
	sandbox.AgentStatus
	TaskList []clusterTask `json:"taskList"`
}

// clusterTask is a task as the cluster page lists it.
type clusterTask struct {
	ID      string `json:"id"`
	AppID   string `json:"appId"`
	Host    string `json:"host"`
	AgentID string `json:"agentId"`
	State   string `json:"state"`
	Healthy bool   `json:"healthy"`
}

// clusterView is what GET /api/cluster answers.
type clusterView struct {
	// Agents are the sandbox's agents (none on a Marathon without
	// /_sandbox/agents).
	Agents []clusterAgent `json:"agents"`
	// Unplaced are tasks on no known agent (all tasks on a real Marathon).
	Unplaced    []clusterTask         `json:"unplaced"`
	Deployments []marathon.Deployment `json:"deployments"`
	// Queue is what waits for resources (or for its launch delay).
	Queue []queued `json:"queue"`
	// Warnings say what could not be read.
	Warnings []string `json:"warnings,omitempty"`
}

type queued struct {
	AppID     string  `json:"appId"`
	Count     int     `json:"count"`
	CPUs      float64 `json:"cpus"`
	Mem       float64 `json:"mem"`
	Disk      float64 `json:"disk"`
	Since     string  `json:"since,omitempty"`
	DelayLeft float64 `json:"delaySeconds,omitempty"`
}

func (s *Server) apiCluster(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mc := s.cfg.Installer.Marathon
	view := clusterView{Agents: []clusterAgent{}, Unplaced: []clusterTask{}, Deployments: []marathon.Deployment{}, Queue: []queued{}}
	if s.cfg.AgentsURL != "" {
		agents, err := s.agents(r)
		if err != nil {
			view.Warnings = append(view.Warnings, err.Error())
		}
		for _, a := range agents {
			view.Agents = append(view.Agents, clusterAgent{AgentStatus: a, TaskList: []clusterTask{}})
		}
	}
	apps, err := mc.ListApps(ctx, marathon.ListOptions{Embed: []string{"apps.tasks"}})
	if err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("listing apps: %w", err))
		return
	}
	for _, app := range apps {
		for _, t := range app.Tasks {
			ct := clusterTask{ID: t.ID, AppID: app.ID, Host: t.Host, AgentID: t.SlaveID, State: t.State}
			ct.Healthy = len(t.HealthCheckResults) > 0
			for _, h := range t.HealthCheckResults {
				ct.Healthy = ct.Healthy && h.Alive
			}
			i := slices.IndexFunc(view.Agents, func(a clusterAgent) bool {
				return (t.SlaveID != "" && a.ID == t.SlaveID) || (t.SlaveID == "" && a.Hostname == t.Host)
			})
			if i < 0 {
				view.Unplaced = append(view.Unplaced, ct)
				continue
			}
			view.Agents[i].TaskList = append(view.Agents[i].TaskList, ct)
		}
	}
	if ds, err := mc.Deployments(ctx); err != nil {
		view.Warnings = append(view.Warnings, "deployments: "+err.Error())
	} else if ds != nil {
		view.Deployments = ds
	}
	if q, err := mc.Queue(ctx); err != nil {
		view.Warnings = append(view.Warnings, "queue: "+err.Error())
	} else {
		for _, it := range q {
			view.Queue = append(view.Queue, queued{AppID: it.App.ID, Count: it.Count, CPUs: it.App.CPUs, Mem: it.App.Mem, Disk: it.App.Disk,
				Since: it.Since, DelayLeft: it.Delay.TimeLeftSeconds})
		}
	}
	writeJSON(w, http.StatusOK, view)
}

// agents reads the sandbox's /_sandbox/agents.
func (s *Server) agents(r *http.Request) ([]sandbox.AgentStatus, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, s.cfg.AgentsURL+"/_sandbox/agents", nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading the agents: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		// A Marathon that is not a universe sandbox.
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading the agents: %s answered %s", s.cfg.AgentsURL, resp.Status)
	}
	var out []sandbox.AgentStatus
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("reading the agents: %w", err)
	}
	return out, nil
}
