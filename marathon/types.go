package marathon

import "encoding/json"

// App is an app as Marathon returns it (AppInfo): the definition fields an
// installer reads, the counts and, when embedded, tasks, deployments and
// the last task failure. Raw keeps the whole document.
type App struct {
	ID              string            `json:"id"`
	Cmd             string            `json:"cmd,omitempty"`
	Args            []string          `json:"args,omitempty"`
	Instances       int               `json:"instances"`
	CPUs            float64           `json:"cpus"`
	Mem             float64           `json:"mem"`
	Disk            float64           `json:"disk"`
	Labels          map[string]string `json:"labels,omitempty"`
	Env             map[string]any    `json:"env,omitempty"`
	Dependencies    []string          `json:"dependencies,omitempty"`
	HealthChecks    []json.RawMessage `json:"healthChecks,omitempty"`
	Version         string            `json:"version,omitempty"`
	VersionInfo     *VersionInfo      `json:"versionInfo,omitempty"`
	TasksStaged     int               `json:"tasksStaged"`
	TasksRunning    int               `json:"tasksRunning"`
	TasksHealthy    int               `json:"tasksHealthy"`
	TasksUnhealthy  int               `json:"tasksUnhealthy"`
	Deployments     []DeploymentRef   `json:"deployments,omitempty"`
	Tasks           []Task            `json:"tasks,omitempty"`
	LastTaskFailure *TaskFailure      `json:"lastTaskFailure,omitempty"`

	// DeploymentID is the Marathon-Deployment-Id of the call that returned
	// the app, when there was one.
	DeploymentID string `json:"-"`
	// Raw is the document as received.
	Raw json.RawMessage `json:"-"`
}

// VersionInfo tells when an app was last scaled and last changed.
type VersionInfo struct {
	LastScalingAt      string `json:"lastScalingAt"`
	LastConfigChangeAt string `json:"lastConfigChangeAt"`
}

// Task is a running (or staging) instance of an app.
type Task struct {
	ID                 string              `json:"id"`
	AppID              string              `json:"appId"`
	Host               string              `json:"host"`
	SlaveID            string              `json:"slaveId"`
	State              string              `json:"state"`
	StagedAt           string              `json:"stagedAt,omitempty"`
	StartedAt          string              `json:"startedAt,omitempty"`
	Version            string              `json:"version"`
	Ports              []int               `json:"ports,omitempty"`
	HealthCheckResults []HealthCheckResult `json:"healthCheckResults,omitempty"`
}

// HealthCheckResult is one health check's verdict on a task.
type HealthCheckResult struct {
	Alive               bool   `json:"alive"`
	ConsecutiveFailures int    `json:"consecutiveFailures"`
	LastSuccess         string `json:"lastSuccess,omitempty"`
	LastFailure         string `json:"lastFailure,omitempty"`
	LastFailureCause    string `json:"lastFailureCause,omitempty"`
	InstanceID          string `json:"instanceId,omitempty"`
}

// TaskFailure is an app's lastTaskFailure.
type TaskFailure struct {
	AppID     string `json:"appId"`
	Host      string `json:"host"`
	Message   string `json:"message"`
	State     string `json:"state"`
	TaskID    string `json:"taskId"`
	Timestamp string `json:"timestamp"`
	Version   string `json:"version"`
}

// DeploymentResult is the answer of a state-changing call.
type DeploymentResult struct {
	DeploymentID string `json:"deploymentId"`
	Version      string `json:"version"`
}

// Deployment is a running deployment (GET /v2/deployments).
type Deployment struct {
	ID             string             `json:"id"`
	Version        string             `json:"version"`
	AffectedApps   []string           `json:"affectedApps"`
	AffectedPods   []string           `json:"affectedPods"`
	Steps          []DeploymentStep   `json:"steps"`
	CurrentActions []DeploymentAction `json:"currentActions"`
	CurrentStep    int                `json:"currentStep"`
	TotalSteps     int                `json:"totalSteps"`
}

// DeploymentStep is a set of actions run in parallel.
type DeploymentStep struct {
	Actions []DeploymentAction `json:"actions"`
}

// DeploymentAction is one action on one app (StartApplication,
// ScaleApplication, RestartApplication, StopApplication).
type DeploymentAction struct {
	Action string `json:"action"`
	App    string `json:"app"`
}

// Group is a group of the root group tree (GET /v2/groups).
type Group struct {
	ID           string   `json:"id"`
	Apps         []App    `json:"apps"`
	Groups       []Group  `json:"groups"`
	Dependencies []string `json:"dependencies"`
	Version      string   `json:"version"`
	EnforceRole  bool     `json:"enforceRole"`
}

// Info is /v2/info.
type Info struct {
	Name           string         `json:"name"`
	Version        string         `json:"version"`
	Buildref       string         `json:"buildref"`
	Elected        bool           `json:"elected"`
	Leader         string         `json:"leader"`
	FrameworkID    string         `json:"frameworkId"`
	MarathonConfig map[string]any `json:"marathon_config"`
}

// QueueItem is an app with tasks waiting to be launched.
type QueueItem struct {
	App   App    `json:"app"`
	Count int    `json:"count"`
	Role  string `json:"role"`
	Since string `json:"since"`
	Delay struct {
		TimeLeftSeconds float64 `json:"timeLeftSeconds"`
		Overdue         bool    `json:"overdue"`
	} `json:"delay"`
}
