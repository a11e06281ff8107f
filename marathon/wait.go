package marathon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// WaitError says why a wait ended before the app or deployment was ready:
// the context's error and what Marathon showed at that moment.
type WaitError struct {
	// What was awaited: "deployment <id>" or "app <id>".
	What string
	// Err is the context's error (or a deployment failure).
	Err error
	// Diagnosis lists what is wrong: task counts, lastTaskFailure, the
	// queue's delay.
	Diagnosis []string
}

func (e *WaitError) Error() string {
	msg := fmt.Sprintf("waiting for %s: %v", e.What, e.Err)
	if len(e.Diagnosis) > 0 {
		msg += ": " + strings.Join(e.Diagnosis, "; ")
	}
	return msg
}

func (e *WaitError) Unwrap() error { return e.Err }

// ErrDeploymentFailed is wrapped by waits that saw their deployment fail
// (cancelled or superseded by a forced deployment).
var ErrDeploymentFailed = errors.New("deployment failed")

// WaitForDeployment waits until the deployment has left /v2/deployments
// (or deployment_success arrives). It uses the event stream when available
// and polls otherwise (and as a safety net). It returns a *WaitError
// wrapping ErrDeploymentFailed when deployment_failed arrives for it, or
// the context's error with a diagnosis of the affected apps.
func (c *Client) WaitForDeployment(ctx context.Context, id string) error {
	evCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.Events(evCtx, "deployment_success", "deployment_failed")
	if err != nil {
		c.log.Debug("event stream unavailable, polling", "err", err)
		events = nil
	}
	var affected []string
	tick := time.NewTicker(c.cfg.PollInterval)
	defer tick.Stop()
	check := true
	for {
		if check {
			ds, err := c.Deployments(ctx)
			if err == nil {
				found := false
				for _, d := range ds {
					if d.ID == id {
						found, affected = true, d.AffectedApps
					}
				}
				if !found {
					return c.settle(ctx, id, events)
				}
			} else if ctx.Err() == nil {
				c.log.Debug("polling deployments", "err", err)
			}
			check = false
		}
		select {
		case <-ctx.Done():
			return c.diagnose(ctx, "deployment "+id, ctx.Err(), affected)
		case <-tick.C:
			check = true
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			var d DeploymentEvent
			if ev.Type == "event_stream_attached" {
				check = true
				continue
			}
			if ev.Decode(&d) != nil || d.ID != id {
				continue
			}
			if ev.Type == "deployment_failed" {
				return &WaitError{What: "deployment " + id, Err: fmt.Errorf("%w: %s", ErrDeploymentFailed, d.Reason)}
			}
			return nil
		}
	}
}

// settle decides how a deployment that has left /v2/deployments ended:
// when the event stream is open its deployment_success or
// deployment_failed is already on its way, so wait briefly for it.
func (c *Client) settle(ctx context.Context, id string, events <-chan Event) error {
	if events == nil {
		return nil
	}
	grace := time.NewTimer(min(c.cfg.PollInterval, 250*time.Millisecond))
	defer grace.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-grace.C:
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			var d DeploymentEvent
			if ev.Decode(&d) != nil || d.ID != id {
				continue
			}
			if ev.Type == "deployment_failed" {
				return &WaitError{What: "deployment " + id, Err: fmt.Errorf("%w: %s", ErrDeploymentFailed, d.Reason)}
			}
			return nil
		}
	}
}

// AppReady reports whether an app (as GetApp returns it) is deployed and
// healthy by the polling recipe: no deployments, tasksRunning = instances,
// with health checks tasksHealthy = instances and none unhealthy, and all
// tasks at the app's version. The reason says what is missing.
func AppReady(a *App) (bool, string) {
	var why []string
	if a.TasksRunning != a.Instances {
		why = append(why, fmt.Sprintf("%d of %d tasks running (%d staged)", a.TasksRunning, a.Instances, a.TasksStaged))
	}
	if len(a.HealthChecks) > 0 && (a.TasksHealthy != a.Instances || a.TasksUnhealthy > 0) {
		why = append(why, fmt.Sprintf("%d of %d tasks healthy, %d unhealthy", a.TasksHealthy, a.Instances, a.TasksUnhealthy))
	}
	for _, t := range a.Tasks {
		if t.Version != a.Version {
			why = append(why, fmt.Sprintf("task %s at version %s, app at %s", t.ID, t.Version, a.Version))
			break
		}
	}
	if len(a.Deployments) > 0 {
		why = append(why, fmt.Sprintf("deployment %s still running", a.Deployments[0].ID))
	}
	return len(why) == 0, strings.Join(why, ", ")
}

// WaitForApp waits until the app is deployed and healthy (AppReady). It
// wakes on the app's events when the stream is available and polls
// otherwise. On timeout it returns a *WaitError saying what is wrong:
// counts, lastTaskFailure, the queue's delay.
func (c *Client) WaitForApp(ctx context.Context, appID string) error {
	appID = ResolveID(appID, "/")
	evCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.Events(evCtx, "deployment_success", "deployment_failed", "status_update_event", "health_status_changed_event", "instance_health_changed_event")
	if err != nil {
		events = nil
	}
	tick := time.NewTicker(c.cfg.PollInterval)
	defer tick.Stop()
	check := true
	for {
		if check {
			a, err := c.GetApp(ctx, appID)
			if err == nil {
				if ok, _ := AppReady(a); ok {
					return nil
				}
			} else if IsNotFound(err) {
				return err
			}
			check = false
		}
		select {
		case <-ctx.Done():
			return c.diagnose(ctx, "app "+appID, ctx.Err(), []string{appID})
		case <-tick.C:
			check = true
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			check = true
		}
	}
}

// diagnose builds a WaitError with what Marathon shows about apps now,
// using a short context of its own since ctx is over.
func (c *Client) diagnose(ctx context.Context, what string, cause error, apps []string) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	we := &WaitError{What: what, Err: cause}
	queue, qerr := c.Queue(dctx)
	for _, id := range apps {
		a, err := c.GetApp(dctx, id)
		if err != nil {
			we.Diagnosis = append(we.Diagnosis, fmt.Sprintf("%s: %v", id, err))
			continue
		}
		_, reason := AppReady(a)
		if reason == "" {
			reason = "ready"
		}
		we.Diagnosis = append(we.Diagnosis, fmt.Sprintf("%s: %s", id, reason))
		if f := a.LastTaskFailure; f != nil {
			we.Diagnosis = append(we.Diagnosis, fmt.Sprintf("%s: last task failure %s on %s at %s: %s", id, f.State, f.Host, f.Timestamp, f.Message))
		}
		if qerr == nil {
			for _, q := range queue {
				if q.App.ID != id {
					continue
				}
				switch {
				case q.Delay.TimeLeftSeconds > 0:
					we.Diagnosis = append(we.Diagnosis, fmt.Sprintf("%s: %d task(s) queued, relaunch delayed %.0fs (backoff after failures)", id, q.Count, q.Delay.TimeLeftSeconds))
				default:
					we.Diagnosis = append(we.Diagnosis, fmt.Sprintf("%s: %d task(s) queued since %s, no agent offers enough resources or matches the constraints", id, q.Count, q.Since))
				}
			}
		}
	}
	return we
}
