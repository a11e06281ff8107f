package marathon

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is a Marathon error envelope: the HTTP status, the top-level
// message, the per-path details of a 422 and, for 409 locked answers, the
// deployments that hold the lock. It is what the client returns for any
// non-2xx answer and what ValidateApp and ValidateGroup return.
type Error struct {
	Status  int
	Message string
	// Details are the 422 details, grouped by path in the order Marathon
	// writes them.
	Details []ErrorDetail
	// DetailText is the string form of details that 400 answers carry.
	DetailText string
	// Deployments lists the deployments holding a lock (409 locked).
	Deployments []DeploymentRef
}

// ErrorDetail is one path of a 422 answer and the errors found there.
type ErrorDetail struct {
	Path   string   `json:"path"`
	Errors []string `json:"errors"`
}

// DeploymentRef names a deployment by id.
type DeploymentRef struct {
	ID string `json:"id"`
}

// Error returns the status, the message and every detail in one line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "marathon: %d %s", e.Status, e.Message)
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s: %s", d.Path, strings.Join(d.Errors, ", "))
	}
	if e.DetailText != "" {
		fmt.Fprintf(&b, "; %s", e.DetailText)
	}
	for _, d := range e.Deployments {
		fmt.Fprintf(&b, " (deployment %s)", d.ID)
	}
	return b.String()
}

// MarshalJSON writes the envelope as Marathon does: details as a string for
// 400 answers and as an array for 422 answers, deployments for 409 locked.
func (e *Error) MarshalJSON() ([]byte, error) {
	m := map[string]any{"message": e.Message}
	switch {
	case e.DetailText != "":
		m["details"] = e.DetailText
	case len(e.Details) > 0:
		m["details"] = e.Details
	}
	if len(e.Deployments) > 0 {
		m["deployments"] = e.Deployments
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads either form of details.
func (e *Error) UnmarshalJSON(b []byte) error {
	var raw struct {
		Message     string          `json:"message"`
		Details     json.RawMessage `json:"details"`
		Deployments []DeploymentRef `json:"deployments"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	e.Message, e.Deployments = raw.Message, raw.Deployments
	if len(raw.Details) > 0 {
		if raw.Details[0] == '"' {
			_ = json.Unmarshal(raw.Details, &e.DetailText)
		} else {
			_ = json.Unmarshal(raw.Details, &e.Details)
		}
	}
	return nil
}

// Has reports whether the error lists msg at path.
func (e *Error) Has(path, msg string) bool {
	for _, d := range e.Details {
		if d.Path == path {
			for _, m := range d.Errors {
				if m == msg {
					return true
				}
			}
		}
	}
	return false
}

// LockedMessage is Marathon's text for a change refused by a deployment lock.
const LockedMessage = "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'."

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsConflict reports whether err is a 409 answer (exists or locked).
func IsConflict(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusConflict
}

// IsLocked reports whether err is a 409 answer because a deployment holds a
// lock on the app or group.
func IsLocked(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusConflict && (len(e.Deployments) > 0 || strings.HasPrefix(e.Message, "App is locked"))
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusNotFound
}

// IsInvalid reports whether err is a 400 or 422 answer (the request was
// refused for its content).
func IsInvalid(err error) bool {
	e, ok := asError(err)
	return ok && (e.Status == http.StatusUnprocessableEntity || e.Status == http.StatusBadRequest)
}
