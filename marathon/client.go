package marathon

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// ErrAuthRequired is returned when DC/OS Admin Router refuses a call for
// want of a valid token (401 with WWW-Authenticate: acsjwt).
var ErrAuthRequired = errors.New("authentication required: set DCOS_ACS_TOKEN")

// Config says where Marathon is and how to talk to it.
type Config struct {
	// MarathonURL is Marathon's own base URL (--marathon, MARATHON_URL).
	MarathonURL string
	// DCOSURL is a DC/OS cluster URL (--dcos-url, DCOS_URL); Marathon is
	// reached at DCOSURL/service/marathon. Used when MarathonURL is empty.
	DCOSURL string
	// Token is the DC/OS ACS token sent as 'Authorization: token=...'
	// (--token, DCOS_ACS_TOKEN). It is never logged nor part of an error.
	Token string
	// CAFile is a PEM bundle of extra CA certificates to trust.
	CAFile string
	// InsecureSkipVerify turns off TLS certificate verification.
	InsecureSkipVerify bool
	// HTTPClient is the client to wrap; nil builds a pooled one from the
	// TLS settings above.
	HTTPClient *http.Client
	// RetryMax is the number of retries after the first attempt (default
	// 4); RetryWaitMin and RetryWaitMax bound the jittered backoff (50ms,
	// 2s).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// PollInterval is how often waits poll when events are not available
	// (default 1s).
	PollInterval time.Duration
	// Logger receives retry and wait progress; nil logs nothing.
	Logger *slog.Logger
	// MaxResponseSize bounds the body of one answer (default
	// DefaultMaxResponseSize); a larger one is an error wrapping
	// ErrResponseTooLarge.
	MaxResponseSize int64
}

// DefaultMaxResponseSize is the default Config.MaxResponseSize: GET
// /v2/apps with tasks embedded runs to tens of MB on clusters with
// thousands of apps.
const DefaultMaxResponseSize = 256 << 20

// ErrResponseTooLarge is wrapped by the error for an answer over
// Config.MaxResponseSize.
var ErrResponseTooLarge = errors.New("answer too large")

// FromEnv fills the empty fields of c from MARATHON_URL, DCOS_URL and
// DCOS_ACS_TOKEN as getenv reports them (os.Getenv when nil).
func (c *Config) FromEnv(getenv func(string) string) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if c.MarathonURL == "" && c.DCOSURL == "" {
		c.MarathonURL = getenv("MARATHON_URL")
		if c.MarathonURL == "" {
			c.DCOSURL = getenv("DCOS_URL")
		}
	}
	if c.Token == "" {
		c.Token = getenv("DCOS_ACS_TOKEN")
	}
}

// BaseURL returns the Marathon base URL the configuration designates.
func (c *Config) BaseURL() (string, error) {
	raw := c.MarathonURL
	if raw == "" && c.DCOSURL != "" {
		raw = strings.TrimSuffix(c.DCOSURL, "/") + "/service/marathon"
	}
	if raw == "" {
		return "", errors.New("no Marathon URL: set --marathon or MARATHON_URL, or --dcos-url or DCOS_URL")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("marathon URL %q: want http(s)://host[:port][/path]", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// Client calls Marathon's REST API. Every call retries connection errors
// and 5xx answers with jittered backoff (never 4xx) and honours its
// context.
type Client struct {
	base  string
	token string
	rc    *retryablehttp.Client
	once  *retryablehttp.Client
	cfg   Config
	log   *slog.Logger
}

// New builds a client from cfg. It fails when no URL is configured or the
// CA bundle cannot be read.
func New(cfg Config) (*Client, error) {
	base, err := cfg.BaseURL()
	if err != nil {
		return nil, err
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 4
	}
	if cfg.RetryMax < 0 {
		cfg.RetryMax = 0
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = 50 * time.Millisecond
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = 2 * time.Second
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxResponseSize <= 0 {
		cfg.MaxResponseSize = DefaultMaxResponseSize
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := cleanhttp.DefaultPooledTransport()
		tlsCfg := &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // the user asked for it
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("reading CA bundle: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("CA bundle %s: no PEM certificates found", cfg.CAFile)
			}
			tlsCfg.RootCAs = pool
		}
		tr.TLSClientConfig = tlsCfg
		hc = &http.Client{Transport: tr}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{base: base, token: cfg.Token, rc: retrying(hc, cfg, cfg.RetryMax), once: retrying(hc, cfg, 0), cfg: cfg, log: log}, nil
}

func retrying(hc *http.Client, cfg Config, retries int) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = hc
	rc.RetryMax = retries
	rc.RetryWaitMin, rc.RetryWaitMax = cfg.RetryWaitMin, cfg.RetryWaitMax
	rc.CheckRetry = checkRetry
	rc.Backoff = jitterBackoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.Logger = nil
	if cfg.Logger != nil {
		rc.Logger = cfg.Logger
	}
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if n, ok := req.Context().Value(attemptsKey{}).(*int); ok {
			*n = attempt + 1
		}
	}
	return rc
}

// URL is the Marathon base URL the client calls.
func (c *Client) URL() string { return c.base }

type attemptsKey struct{}

// checkRetry retries connection errors and 5xx, never 4xx, and stops when
// the context is done.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
		return true, nil
	}
	return false, nil
}

// jitterBackoff is exponential backoff with full jitter, honouring
// Retry-After on 503 and 429.
func jitterBackoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests) {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			d := time.Duration(s) * time.Second
			if d > max {
				d = max
			}
			return d
		}
	}
	ceil := float64(min) * math.Pow(2, float64(attempt))
	if ceil > float64(max) || math.IsInf(ceil, 0) {
		ceil = float64(max)
	}
	return min/2 + time.Duration(rand.Float64()*(ceil-float64(min)/2))
}

// response is a completed call.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call performs one API call with retries (retry false: one attempt) and
// turns non-2xx answers into *Error.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body any, retry bool) (*response, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encoding %s %s body: %w", method, path, err)
		}
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	attempts := 0
	ctx = context.WithValue(ctx, attemptsKey{}, &attempts)
	var rb any
	if payload != nil {
		rb = payload
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, rb)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "token="+c.token)
	}
	rc := c.rc
	if !retry {
		rc = c.once
	}
	resp, err := rc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		return nil, fmt.Errorf("%s %s: giving up after %d attempt(s): %w", method, path, max(attempts, 1), err)
	}
	defer resp.Body.Close()
	limit := c.cfg.MaxResponseSize
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%s %s: %w: %d bytes, over the limit of %d bytes", method, path, ErrResponseTooLarge, resp.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s %s: %w: over the limit of %d bytes", method, path, ErrResponseTooLarge, limit)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return r, nil
	}
	if resp.StatusCode == http.StatusUnauthorized && strings.Contains(resp.Header.Get("WWW-Authenticate"), "acsjwt") {
		return nil, ErrAuthRequired
	}
	e := &Error{}
	if json.Unmarshal(b, e) != nil || e.Message == "" {
		e = &Error{Message: strings.TrimSpace(string(b))}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	e.Status = resp.StatusCode
	if resp.StatusCode >= 500 && attempts > 1 {
		return nil, fmt.Errorf("%s %s: giving up after %d attempts: %w", method, path, attempts, e)
	}
	return nil, e
}

func decodeInto(r *response, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("decoding Marathon's answer: %w", err)
	}
	return nil
}

func escapeID(id string) string {
	id = ResolveID(id, "/")
	parts := strings.Split(strings.TrimPrefix(id, "/"), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/" + strings.Join(parts, "/")
}

func deploymentResult(r *response) (*DeploymentResult, error) {
	d := &DeploymentResult{}
	if len(bytes.TrimSpace(r.body)) > 0 {
		if err := decodeInto(r, d); err != nil {
			return nil, err
		}
	}
	if d.DeploymentID == "" {
		d.DeploymentID = r.header.Get("Marathon-Deployment-Id")
	}
	return d, nil
}

func decodeApp(b []byte) (*App, error) {
	a := &App{}
	if err := json.Unmarshal(b, a); err != nil {
		return nil, fmt.Errorf("decoding app: %w", err)
	}
	a.Raw = append(json.RawMessage(nil), b...)
	return a, nil
}

// Ping checks that Marathon answers /ping.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, http.MethodGet, "/ping", nil, nil, true)
	return err
}

// Info returns /v2/info.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	r, err := c.call(ctx, http.MethodGet, "/v2/info", nil, nil, true)
	if err != nil {
		return nil, err
	}
	info := &Info{}
	return info, decodeInto(r, info)
}

// appID extracts and resolves the id of an app definition (a map, a
// struct or anything that marshals to an object with "id").
func appID(app any) (string, error) {
	b, err := json.Marshal(app)
	if err != nil {
		return "", fmt.Errorf("encoding app: %w", err)
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.ID == "" {
		return "", errors.New("app definition has no id")
	}
	return ResolveID(v.ID, "/"), nil
}

// ambiguous reports whether a failed POST may have been applied: the
// connection broke or the server answered 5xx.
func ambiguous(err error) bool {
	if e, ok := asError(err); ok {
		return e.Status >= 500
	}
	return err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrAuthRequired)
}

// postSafely performs a non-idempotent POST with retries: after an
// ambiguous failure, exists is asked whether the first attempt took effect
// before posting again. It returns the answer of the POST that succeeded,
// or nil with created true when an earlier attempt had created the object.
func (c *Client) postSafely(ctx context.Context, path string, body any, exists func(context.Context) (bool, error)) (*response, bool, error) {
	var lastErr error
	for attempt := 0; attempt <= c.cfg.RetryMax; attempt++ {
		if attempt > 0 {
			wait := jitterBackoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, attempt-1, nil)
			select {
			case <-ctx.Done():
				return nil, false, fmt.Errorf("POST %s: %w (last error: %v)", path, ctx.Err(), lastErr)
			case <-time.After(wait):
			}
			ok, err := exists(ctx)
			if err != nil {
				lastErr = err
				continue
			}
			if ok {
				c.log.Debug("an earlier POST took effect", "path", path, "attempt", attempt+1)
				return nil, true, nil
			}
		}
		r, err := c.call(ctx, http.MethodPost, path, nil, body, false)
		if err == nil {
			return r, false, nil
		}
		if attempt > 0 && IsConflict(err) && !IsLocked(err) {
			// Our earlier attempt created it between the check and now.
			return nil, true, nil
		}
		if !ambiguous(err) {
			return nil, false, err
		}
		lastErr = err
		c.log.Debug("POST failed, will check and retry", "path", path, "attempt", attempt+1, "err", err)
	}
	return nil, false, fmt.Errorf("POST %s: giving up after %d attempts: %w", path, c.cfg.RetryMax+1, lastErr)
}

// CreateApp posts an app definition (a map or any value that marshals to
// one). A retry after an ambiguous failure first checks whether the app
// now exists, so a retried POST never creates a second app. It returns the
// created app with DeploymentID set, or *Error (409 when the app exists,
// 422 when it is invalid).
func (c *Client) CreateApp(ctx context.Context, app any) (*App, error) {
	id, err := appID(app)
	if err != nil {
		return nil, err
	}
	r, created, err := c.postSafely(ctx, "/v2/apps", app, func(ctx context.Context) (bool, error) {
		_, err := c.GetApp(ctx, id)
		if IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return nil, err
	}
	if created {
		a, err := c.GetApp(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(a.Deployments) > 0 {
			a.DeploymentID = a.Deployments[0].ID
		}
		return a, nil
	}
	a, err := decodeApp(r.body)
	if err != nil {
		return nil, err
	}
	a.DeploymentID = r.header.Get("Marathon-Deployment-Id")
	if a.DeploymentID == "" && len(a.Deployments) > 0 {
		a.DeploymentID = a.Deployments[0].ID
	}
	return a, nil
}

// GetApp returns an app with its counts, tasks, deployments and last task
// failure; *Error with status 404 when it does not exist.
func (c *Client) GetApp(ctx context.Context, id string, embed ...string) (*App, error) {
	q := url.Values{}
	for _, e := range embed {
		q.Add("embed", e)
	}
	r, err := c.call(ctx, http.MethodGet, "/v2/apps"+escapeID(id), q, nil, true)
	if err != nil {
		return nil, err
	}
	var env struct {
		App json.RawMessage `json:"app"`
	}
	if err := decodeInto(r, &env); err != nil {
		return nil, err
	}
	return decodeApp(env.App)
}

// ListOptions filter an app listing.
type ListOptions struct {
	// ID and Cmd are case-insensitive substrings.
	ID, Cmd string
	// Label is a label selector, e.g. "DCOS_PACKAGE_NAME==spark,env!=dev".
	Label string
	// Embed adds apps.tasks, apps.lastTaskFailure, ...
	Embed []string
}

// ListApps returns the apps matching opts.
func (c *Client) ListApps(ctx context.Context, opts ListOptions) ([]App, error) {
	q := url.Values{}
	if opts.ID != "" {
		q.Set("id", opts.ID)
	}
	if opts.Cmd != "" {
		q.Set("cmd", opts.Cmd)
	}
	if opts.Label != "" {
		q.Set("label", opts.Label)
	}
	for _, e := range opts.Embed {
		q.Add("embed", e)
	}
	r, err := c.call(ctx, http.MethodGet, "/v2/apps", q, nil, true)
	if err != nil {
		return nil, err
	}
	var env struct {
		Apps []json.RawMessage `json:"apps"`
	}
	if err := decodeInto(r, &env); err != nil {
		return nil, err
	}
	out := make([]App, 0, len(env.Apps))
	for _, raw := range env.Apps {
		a, err := decodeApp(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}

// UpdateOptions are the query parameters of a PUT.
type UpdateOptions struct {
	// Force overrides deployment locks.
	Force bool
	// Replace sends partialUpdate=false: the body replaces the definition
	// instead of being merged into it.
	Replace bool
}

// UpdateApp puts an app definition (created when missing; PUT is
// idempotent so it is retried freely). *Error 409 locked when a deployment
// holds the app and Force is false.
func (c *Client) UpdateApp(ctx context.Context, id string, app any, opts UpdateOptions) (*DeploymentResult, error) {
	q := url.Values{}
	if opts.Force {
		q.Set("force", "true")
	}
	if opts.Replace {
		q.Set("partialUpdate", "false")
	}
	r, err := c.call(ctx, http.MethodPut, "/v2/apps"+escapeID(id), q, app, true)
	if err != nil {
		return nil, err
	}
	return deploymentResult(r)
}

// DeleteApp destroys an app. Marathon's default is force=true; with force
// false a locked app gives *Error 409.
func (c *Client) DeleteApp(ctx context.Context, id string, force bool) (*DeploymentResult, error) {
	q := url.Values{"force": {strconv.FormatBool(force)}}
	r, err := c.call(ctx, http.MethodDelete, "/v2/apps"+escapeID(id), q, nil, true)
	if err != nil {
		return nil, err
	}
	return deploymentResult(r)
}

// AppVersions lists an app's versions, newest first.
func (c *Client) AppVersions(ctx context.Context, id string) ([]string, error) {
	r, err := c.call(ctx, http.MethodGet, "/v2/apps"+escapeID(id)+"/versions", nil, nil, true)
	if err != nil {
		return nil, err
	}
	var env struct {
		Versions []string `json:"versions"`
	}
	return env.Versions, decodeInto(r, &env)
}

// CreateGroup posts a group update (with its id), retry-safe as CreateApp:
// after an ambiguous failure the group is looked up before posting again.
func (c *Client) CreateGroup(ctx context.Context, group any) (*DeploymentResult, error) {
	id, err := appID(group)
	if err != nil {
		return nil, errors.New("group has no id")
	}
	r, created, err := c.postSafely(ctx, "/v2/groups", group, func(ctx context.Context) (bool, error) {
		_, err := c.GetGroup(ctx, id)
		if IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return nil, err
	}
	if created {
		ds, err := c.Deployments(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			for _, a := range d.AffectedApps {
				if strings.HasPrefix(a, id+"/") {
					return &DeploymentResult{DeploymentID: d.ID, Version: d.Version}, nil
				}
			}
		}
		return &DeploymentResult{}, nil
	}
	return deploymentResult(r)
}

// GetGroup returns a group with its apps and subgroups.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	path := "/v2/groups"
	if id = ResolveID(id, "/"); id != "/" {
		path += escapeID(id)
	}
	r, err := c.call(ctx, http.MethodGet, path, nil, nil, true)
	if err != nil {
		return nil, err
	}
	g := &Group{}
	return g, decodeInto(r, g)
}

// GroupOptions are the query parameters of a group PUT or DELETE.
type GroupOptions struct {
	Force bool
}

// UpdateGroup puts a group update: listed apps and groups replace the
// group's, absent fields are kept.
func (c *Client) UpdateGroup(ctx context.Context, id string, group any, opts GroupOptions) (*DeploymentResult, error) {
	q := url.Values{}
	if opts.Force {
		q.Set("force", "true")
	}
	r, err := c.call(ctx, http.MethodPut, "/v2/groups"+escapeID(id), q, group, true)
	if err != nil {
		return nil, err
	}
	return deploymentResult(r)
}

// DryRunGroup returns the steps a group update would deploy, without
// deploying it.
func (c *Client) DryRunGroup(ctx context.Context, id string, group any) ([]DeploymentStep, error) {
	r, err := c.call(ctx, http.MethodPut, "/v2/groups"+escapeID(id), url.Values{"dryRun": {"true"}}, group, true)
	if err != nil {
		return nil, err
	}
	var env struct {
		Steps []DeploymentStep `json:"steps"`
	}
	return env.Steps, decodeInto(r, &env)
}

// DeleteGroup destroys a group and its apps (force defaults to false).
func (c *Client) DeleteGroup(ctx context.Context, id string, opts GroupOptions) (*DeploymentResult, error) {
	q := url.Values{}
	if opts.Force {
		q.Set("force", "true")
	}
	r, err := c.call(ctx, http.MethodDelete, "/v2/groups"+escapeID(id), q, nil, true)
	if err != nil {
		return nil, err
	}
	return deploymentResult(r)
}

// Deployments lists the running deployments.
func (c *Client) Deployments(ctx context.Context) ([]Deployment, error) {
	r, err := c.call(ctx, http.MethodGet, "/v2/deployments", nil, nil, true)
	if err != nil {
		return nil, err
	}
	var ds []Deployment
	return ds, decodeInto(r, &ds)
}

// CancelDeployment cancels a deployment. Without force Marathon starts a
// rollback deployment, whose result is returned; with force it just stops
// (202, nil result). *Error 404 when the deployment is unknown.
func (c *Client) CancelDeployment(ctx context.Context, id string, force bool) (*DeploymentResult, error) {
	q := url.Values{}
	if force {
		q.Set("force", "true")
	}
	r, err := c.call(ctx, http.MethodDelete, "/v2/deployments/"+url.PathEscape(id), q, nil, true)
	if err != nil {
		return nil, err
	}
	if force {
		return nil, nil
	}
	return deploymentResult(r)
}

// Queue returns the apps with tasks waiting to launch.
func (c *Client) Queue(ctx context.Context) ([]QueueItem, error) {
	r, err := c.call(ctx, http.MethodGet, "/v2/queue", nil, nil, true)
	if err != nil {
		return nil, err
	}
	var env struct {
		Queue []QueueItem `json:"queue"`
	}
	return env.Queue, decodeInto(r, &env)
}
