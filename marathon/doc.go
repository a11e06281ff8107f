// Package marathon speaks Marathon's REST API: typed requests and responses,
// an HTTP client with retries, deployment and app waits, the /v2/events
// stream, and Marathon's own validation rules (ValidateApp, ValidateGroup),
// the one implementation shared by the renderer and the sandbox.
package marathon
