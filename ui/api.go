package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/repo/catalog"
)

// maxBody bounds request bodies.
const maxBody = 1 << 20

// newInstaller returns an installer over the configured cluster sending
// its events to onEvent (nil drops them).
func (s *Server) newInstaller(onEvent func(installer.Event), id string) (*installer.Installer, error) {
	cfg := s.cfg.Installer
	cfg.OnEvent = onEvent
	if id != "" {
		cfg.NewID = func() string { return id }
	}
	return installer.New(cfg)
}

// errBodyTooLarge is wrapped by decodeBody's error for a body over maxBody.
var errBodyTooLarge = errors.New("request body too large")

// decodeBody decodes a JSON request body of at most maxBody bytes into v,
// refusing unknown fields.
func decodeBody(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("content type %q: expected application/json", ct)
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	if len(data) > maxBody {
		return fmt.Errorf("%w: over the limit of %d bytes", errBodyTooLarge, maxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("request body: expected a JSON object, found nothing")
		}
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

// bodyStatus is the HTTP status for a decodeBody error: 413 for a body
// over the limit, else 400.
func bodyStatus(err error) int {
	if errors.Is(err, errBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// statusOf maps library errors to HTTP statuses.
func statusOf(err error) int {
	var nf *installer.NotInstalledError
	switch {
	case errors.Is(err, catalog.ErrPackageNotFound), errors.Is(err, catalog.ErrVersionNotFound), errors.As(err, &nf):
		return http.StatusNotFound
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// apiPackages lists the catalog's packages matching q, as Search does;
// the pages show a placeholder icon (the repositories' icons are remote
// URLs, and the dashboard fetches nothing from other sites).
func (s *Server) apiPackages(w http.ResponseWriter, r *http.Request) {
	var res []catalog.Result
	warnings := s.withCatalog(func(c *catalog.Catalog) { res = c.Search(r.Context(), r.URL.Query().Get("q")) })
	if res == nil {
		res = []catalog.Result{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"packages": res, "warnings": warnings})
}

// packageDetail is a package version with its options form.
type packageDetail struct {
	Name             string            `json:"name"`
	Version          string            `json:"version"`
	Release          int               `json:"releaseVersion"`
	Repository       string            `json:"repository"`
	Description      string            `json:"description"`
	Maintainer       string            `json:"maintainer,omitempty"`
	Website          string            `json:"website,omitempty"`
	Tags             []string          `json:"tags"`
	Selected         bool              `json:"selected"`
	Yanked           bool              `json:"yanked,omitempty"`
	YankReason       string            `json:"yankReason,omitempty"`
	PreInstallNotes  string            `json:"preInstallNotes,omitempty"`
	PostInstallNotes string            `json:"postInstallNotes,omitempty"`
	Versions         []catalog.Located `json:"versions"`
	Dependencies     []dependency      `json:"dependencies"`
	Form             []Field           `json:"form"`
}

// dependency is one declared dependency of a package version.
type dependency struct {
	Name     string `json:"name"`
	Range    string `json:"range,omitempty"`
	Optional bool   `json:"optional,omitempty"`
}

// resolve finds a package version and its options form.
func (s *Server) resolve(ctx context.Context, name, version string) (*repo.Revision, string, []Field, error) {
	var rev *repo.Revision
	var from string
	var err error
	s.withCatalog(func(c *catalog.Catalog) { rev, from, err = c.Resolve(ctx, name, version) })
	if err != nil {
		return nil, "", nil, err
	}
	var form []Field
	if rev.Config != nil {
		if cfg, ok := rev.Config.Object(); ok {
			form = Form(cfg, rev.Config.Data)
		}
	}
	return rev, from, form, nil
}

func (s *Server) apiPackage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	rev, from, form, err := s.resolve(ctx, name, r.URL.Query().Get("version"))
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	var vs []catalog.Located
	s.withCatalog(func(c *catalog.Catalog) { vs, err = c.Versions(ctx, name) })
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	meta := rev.Meta()
	str := func(k string) string { v, _ := meta[k].(string); return v }
	d := packageDetail{
		Name: rev.Name, Version: rev.Version.String(), Release: rev.Release, Repository: from,
		Description: str("description"), Maintainer: str("maintainer"), Website: str("website"),
		Tags: []string{}, Yanked: rev.Yanked, YankReason: rev.YankReason,
		PreInstallNotes: str("preInstallNotes"), PostInstallNotes: str("postInstallNotes"),
		Versions: vs, Dependencies: []dependency{}, Form: form,
	}
	if d.Form == nil {
		d.Form = []Field{}
	}
	d.Selected, _ = meta["selected"].(bool)
	if tags, ok := meta["tags"].([]any); ok {
		for _, t := range tags {
			if s, ok := t.(string); ok {
				d.Tags = append(d.Tags, s)
			}
		}
	}
	for _, dep := range rev.Dependencies {
		d.Dependencies = append(d.Dependencies, dependency{Name: dep.Name, Range: dep.Range, Optional: dep.Optional})
	}
	writeJSON(w, http.StatusOK, d)
}

// installRequest is the body of POST /api/render and POST /api/installs.
type installRequest struct {
	Package string `json:"package"`
	Version string `json:"version"`
	// Options are the user's options as JSON; Form, the form's values by
	// JSON pointer, is the alternative the pages use.
	Options map[string]any    `json:"options,omitempty"`
	Form    map[string]string `json:"form,omitempty"`
	AppID   string            `json:"appId,omitempty"`
	// Timeout bounds the install ("10m"; 15 minutes when empty) and
	// OnFailure is rollback (the default) or halt, as the CLI's
	// --timeout and --on-failure.
	Timeout   string `json:"timeout,omitempty"`
	OnFailure string `json:"onFailure,omitempty"`

	timeout time.Duration
}

// renderResponse is what POST /api/render answers.
type renderResponse struct {
	// Errors are the problems, each at an option's JSON pointer ("" for
	// the package as a whole). Empty when the install can go ahead.
	Errors []FieldError `json:"errors"`
	// Version is the version rendered.
	Version string `json:"version,omitempty"`
	// Options are the user's options the form amounts to, secrets
	// replaced by markers (render.RedactOptions).
	Options map[string]any `json:"options,omitempty"`
	// Definition is the requested package's Marathon JSON.
	Definition json.RawMessage `json:"definition,omitempty"`
	// Plan is the install plan: packages, waves, each with its Marathon
	// JSON.
	Plan *installer.Plan `json:"plan,omitempty"`
}

// prepare decodes and checks an install request: the package version,
// its form and the user's options. Problems with the options come back
// as FieldErrors; err is for the request itself.
func (s *Server) prepare(ctx context.Context, req *installRequest) (rev *repo.Revision, form []Field, opts map[string]any, ferrs []FieldError, err error) {
	if req.Package == "" {
		return nil, nil, nil, nil, errors.New(`request body: "package" is missing`)
	}
	if req.Options != nil && req.Form != nil {
		return nil, nil, nil, nil, errors.New(`request body: give "options" or "form", not both`)
	}
	switch req.OnFailure {
	case "", installer.Rollback, installer.Halt:
	default:
		return nil, nil, nil, nil, fmt.Errorf(`request body: "onFailure" %q: use rollback or halt`, req.OnFailure)
	}
	if req.Timeout != "" {
		d, err := time.ParseDuration(req.Timeout)
		if err != nil || d <= 0 {
			return nil, nil, nil, nil, fmt.Errorf(`request body: "timeout" %q: expected a positive duration such as "10m"`, req.Timeout)
		}
		req.timeout = d
	}
	rev, _, form, err = s.resolve(ctx, req.Package, req.Version)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	req.Version = rev.Version.String()
	opts = req.Options
	if req.Form != nil {
		opts, ferrs = Options(form, req.Form)
	}
	if opts == nil {
		opts = map[string]any{}
	}
	return rev, form, opts, ferrs, nil
}

// dryRun plans an install without changing anything: the errors at their
// options, the Marathon JSON and the plan.
func (s *Server) dryRun(ctx context.Context, req installRequest, opts map[string]any) (*installer.Result, []FieldError, error) {
	in, err := s.newInstaller(nil, "")
	if err != nil {
		return nil, nil, err
	}
	res, err := in.Run(ctx, installer.Request{Name: req.Package, Version: req.Version, Options: opts, AppID: req.AppID, DryRun: true})
	if err == nil {
		return res, nil, nil
	}
	var oe *render.OptionsError
	if errors.As(err, &oe) {
		return res, violationErrors(oe.Violations), nil
	}
	var pe *installer.PreflightError
	if errors.As(err, &pe) {
		var out []FieldError
		for _, p := range pe.Problems {
			out = append(out, FieldError{Message: p})
		}
		return res, out, nil
	}
	if errors.Is(err, catalog.ErrPackageNotFound) || errors.Is(err, catalog.ErrVersionNotFound) {
		return nil, nil, err
	}
	if ctx.Err() != nil {
		return nil, nil, err
	}
	// A render or resolve failure is a problem of this install, not of
	// the request: show it on the page.
	return res, []FieldError{{Message: err.Error()}}, nil
}

func (s *Server) apiRender(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req installRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, bodyStatus(err), err)
		return
	}
	rev, _, opts, ferrs, err := s.prepare(ctx, &req)
	if err != nil {
		writeError(w, requestStatus(err), err)
		return
	}
	out := renderResponse{Errors: []FieldError{}, Version: req.Version, Options: render.RedactOptions(config(rev), opts)}
	if len(ferrs) > 0 {
		out.Errors = ferrs
		writeJSON(w, http.StatusOK, out)
		return
	}
	res, ferrs, err := s.dryRun(ctx, req, opts)
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	// The installer shows secret options as markers (render.Marker) in
	// the plan and its errors.
	out.Errors = append(out.Errors, ferrs...)
	if res != nil && res.Plan != nil {
		out.Plan = res.Plan
		if p, ok := out.Plan.Package(req.Package); ok {
			out.Definition = p.Marathon
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// requestStatus is the status for an error of prepare: not found, or a
// bad request.
func requestStatus(err error) int {
	if s := statusOf(err); s != http.StatusInternalServerError {
		return s
	}
	return http.StatusBadRequest
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// missingPrefix starts the message of a "required" violation, which
// points at the object lacking the property.
const missingPrefix = "missing required property "

// violationErrors turns option violations into errors at the options'
// pointers; a missing required property's error goes to the property
// itself, where its control is.
func violationErrors(vs []render.OptionViolation) []FieldError {
	out := make([]FieldError, 0, len(vs))
	for _, v := range vs {
		fe := FieldError{Pointer: v.Pointer, Message: v.Message}
		if v.Keyword == "required" && strings.HasPrefix(v.Message, missingPrefix) {
			var prop string
			if json.Unmarshal([]byte(strings.TrimPrefix(v.Message, missingPrefix)), &prop) == nil {
				fe = FieldError{Pointer: v.Pointer + "/" + escapePointer(prop), Message: "required: enter a value"}
			}
		}
		out = append(out, fe)
	}
	return out
}

// withCatalog runs f on the catalog, one caller at a time (a Catalog
// records the failures of single repositories in its Warnings, which is
// not safe for concurrent use), and returns those warnings, which it also
// logs.
func (s *Server) withCatalog(f func(c *catalog.Catalog)) []string {
	s.catMu.Lock()
	defer s.catMu.Unlock()
	c := s.cfg.Catalog
	c.Warnings = nil
	f(c)
	out := []string{}
	for _, w := range c.Warnings {
		s.cfg.Logger.Warn("repository", "err", w)
		out = append(out, w.Error())
	}
	c.Warnings = nil
	return out
}

// config returns a revision's config.json schema; nil when it has none.
func config(rev *repo.Revision) map[string]any {
	if rev == nil || rev.Config == nil {
		return nil
	}
	cfg, _ := rev.Config.Object()
	return cfg
}
