package sandbox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Agent is a simulated Mesos agent and the resources its tasks use.
type Agent struct {
	ID         string            `json:"id"`
	Hostname   string            `json:"hostname"`
	Region     string            `json:"region"`
	Zone       string            `json:"zone"`
	Attributes map[string]string `json:"attributes,omitempty"`
	CPUs       float64           `json:"cpus"`
	Mem        float64           `json:"mem"`
	Disk       float64           `json:"disk"`
	PortsFrom  int               `json:"portsFrom"`
	PortsTo    int               `json:"portsTo"`

	usedCPUs, usedMem, usedDisk float64
	usedPorts                   map[int]bool
	tasks                       int
}

// AgentStatus is an agent with its used and free resources, as served at
// /_sandbox/agents and printed by `universe sandbox status`.
type AgentStatus struct {
	ID         string            `json:"id"`
	Hostname   string            `json:"hostname"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Tasks      int               `json:"tasks"`
	Used       Resources         `json:"used"`
	Free       Resources         `json:"free"`
	Total      Resources         `json:"total"`
}

// Resources is an amount of cpus, mem (MiB), disk (MiB) and ports.
type Resources struct {
	CPUs  float64 `json:"cpus"`
	Mem   float64 `json:"mem"`
	Disk  float64 `json:"disk"`
	Ports int     `json:"ports"`
}

func newAgents(n int, cpus, mem, disk float64, portsFrom, portsTo int) []*Agent {
	out := make([]*Agent, n)
	for i := range out {
		out[i] = &Agent{
			ID:         fmt.Sprintf("sandbox-agent-S%d", i),
			Hostname:   fmt.Sprintf("agent-%d.sandbox", i+1),
			Region:     "region-1",
			Zone:       fmt.Sprintf("zone-%d", i%3+1),
			Attributes: map[string]string{"rack": fmt.Sprintf("rack-%d", i%5+1)},
			CPUs:       cpus, Mem: mem, Disk: disk,
			PortsFrom: portsFrom, PortsTo: portsTo,
		}
	}
	return out
}

func (a *Agent) reset() {
	a.usedCPUs, a.usedMem, a.usedDisk, a.tasks = 0, 0, 0, 0
	a.usedPorts = map[int]bool{}
}

func (a *Agent) status() AgentStatus {
	ports := a.PortsTo - a.PortsFrom + 1
	return AgentStatus{
		ID: a.ID, Hostname: a.Hostname, Attributes: a.Attributes, Tasks: a.tasks,
		Used:  Resources{CPUs: round(a.usedCPUs), Mem: round(a.usedMem), Disk: round(a.usedDisk), Ports: len(a.usedPorts)},
		Free:  Resources{CPUs: round(a.CPUs - a.usedCPUs), Mem: round(a.Mem - a.usedMem), Disk: round(a.Disk - a.usedDisk), Ports: ports - len(a.usedPorts)},
		Total: Resources{CPUs: a.CPUs, Mem: a.Mem, Disk: a.Disk, Ports: ports},
	}
}

func round(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

func (a *Agent) fieldValue(field string) (string, bool) {
	switch field {
	case "hostname", "@hostname":
		return a.Hostname, true
	case "@region":
		return a.Region, true
	case "@zone":
		return a.Zone, true
	}
	v, ok := a.Attributes[field]
	return v, ok
}

// need is what one task of an app asks of an agent.
type need struct {
	cpus, mem, disk float64
	ports           []int // 0 = any port
}

func (a *Agent) fits(n need) bool {
	const eps = 1e-9
	if a.usedCPUs+n.cpus > a.CPUs+eps || a.usedMem+n.mem > a.Mem+eps || a.usedDisk+n.disk > a.Disk+eps {
		return false
	}
	free := a.PortsTo - a.PortsFrom + 1 - len(a.usedPorts)
	if len(n.ports) > free {
		return false
	}
	for _, p := range n.ports {
		if p != 0 && (a.usedPorts[p] || p < a.PortsFrom || p > a.PortsTo) {
			return false
		}
	}
	return true
}

func (a *Agent) take(n need) []int {
	a.usedCPUs += n.cpus
	a.usedMem += n.mem
	a.usedDisk += n.disk
	a.tasks++
	ports := make([]int, len(n.ports))
	next := a.PortsFrom
	for i, p := range n.ports {
		if p == 0 {
			for a.usedPorts[next] {
				next++
			}
			p = next
		}
		a.usedPorts[p] = true
		ports[i] = p
	}
	return ports
}

func (a *Agent) release(n need, ports []int) {
	a.usedCPUs -= n.cpus
	a.usedMem -= n.mem
	a.usedDisk -= n.disk
	a.tasks--
	for _, p := range ports {
		delete(a.usedPorts, p)
	}
}

// constraint is a parsed [field, OPERATOR, value] triple.
type constraint struct {
	field, op, value string
	re               *regexp.Regexp
	n                int
}

func parseConstraints(raw []any) []constraint {
	var out []constraint
	for _, c := range raw {
		a, _ := c.([]any)
		if len(a) < 2 {
			continue
		}
		f, _ := a[0].(string)
		op, _ := a[1].(string)
		k := constraint{field: f, op: strings.ToUpper(op)}
		if len(a) == 3 {
			k.value, _ = a[2].(string)
		}
		switch k.op {
		case "LIKE", "UNLIKE":
			k.re, _ = regexp.Compile("^(?:" + k.value + ")$")
		case "MAX_PER", "GROUP_BY":
			k.n, _ = strconv.Atoi(k.value)
		}
		out = append(out, k)
	}
	return out
}

// placer decides where the tasks of one app may go, keeping per-value
// counts of the app's tasks so each decision is cheap.
type placer struct {
	cons   []constraint
	counts []map[string]int // per constraint: value → tasks of the app
	values []map[string]bool
}

func newPlacer(cons []constraint, agents []*Agent, taskAgents []*Agent) *placer {
	p := &placer{cons: cons}
	for _, c := range cons {
		counts, values := map[string]int{}, map[string]bool{}
		for _, a := range agents {
			if v, ok := a.fieldValue(c.field); ok {
				values[v] = true
			}
		}
		for _, a := range taskAgents {
			if v, ok := a.fieldValue(c.field); ok {
				counts[v]++
			}
		}
		p.counts = append(p.counts, counts)
		p.values = append(p.values, values)
	}
	return p
}

func (p *placer) allows(a *Agent) bool {
	for i, c := range p.cons {
		v, ok := a.fieldValue(c.field)
		if !ok {
			return false
		}
		n := p.counts[i][v]
		switch c.op {
		case "UNIQUE":
			if n > 0 {
				return false
			}
		case "CLUSTER":
			if c.value != "" {
				if v != c.value {
					return false
				}
			} else {
				for other, k := range p.counts[i] {
					if k > 0 && other != v {
						return false
					}
				}
			}
		case "GROUP_BY":
			min := -1
			for val := range p.values[i] {
				if k := p.counts[i][val]; min < 0 || k < min {
					min = k
				}
			}
			if n > min {
				return false
			}
		case "MAX_PER":
			if n >= c.n {
				return false
			}
		case "LIKE":
			if c.re == nil || !c.re.MatchString(v) {
				return false
			}
		case "UNLIKE":
			if c.re == nil || c.re.MatchString(v) {
				return false
			}
		case "IS":
			if v != c.value {
				return false
			}
		}
	}
	return true
}

func (p *placer) placed(a *Agent) {
	for i, c := range p.cons {
		if v, ok := a.fieldValue(c.field); ok {
			p.counts[i][v]++
		}
	}
}
