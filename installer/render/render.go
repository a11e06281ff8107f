package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/repo"
)

// The stages of Render, as errors name them.
const (
	StageOptions  = "options"  // decoding, merging and validating options
	StageScope    = "scope"    // building the template's scope
	StageTemplate = "template" // parsing and rendering the mustache template
	StageJSON     = "json"     // the rendered text as a JSON object
	StageLabels   = "labels"   // the template's labels
	StageMarathon = "marathon" // Marathon's app and group rules
)

// Request is what to render.
type Request struct {
	// Revision is the package revision; its Template is rendered.
	Revision *repo.Revision
	// Options are the user-supplied options only (from --options, --set,
	// --set-file, or an install request), merged over the defaults. They
	// also become the DCOS_PACKAGE_OPTIONS label, secrets redacted.
	Options map[string]any
	// AppID, when set, replaces the rendered id (normalised with a leading
	// "/"); for a group, the group's id.
	AppID string
	// Source is the repository URI the package came from
	// (DCOS_PACKAGE_SOURCE).
	Source string
	// Dependencies holds, for a 6.0 package, the merged options of each
	// resolved dependency by package name; the template sees them as
	// dependencies.<name>. Every non-optional dependency must be present.
	Dependencies map[string]map[string]any
	// SkipValidation skips validating the merged options against
	// config.json. Installs never set it; the corpus conformance test and the
	// template/render lint rule do, to render exactly what a template
	// produces from its defaults (invalid defaults are config/default's).
	SkipValidation bool
	// SkipMarathon skips the last stage, Marathon's rules.
	SkipMarathon bool
	// SkipLabels leaves out the DCOS_PACKAGE_* labels (the template's own
	// are kept, and AppID still applies). Installs never set it; the
	// template/render lint rule does: the labels cannot make an app
	// invalid, and DCOS_PACKAGE_DEFINITION (the whole package, gzipped)
	// costs more than the rendering.
	SkipLabels bool
	// Secrets are secret values known to the caller that the template may
	// see, such as the dependencies' (see FindSecrets); errors never show
	// them, and Result.Secrets includes them.
	Secrets *Secrets
	// Redacted allows options holding redaction markers (see Marker), as
	// DCOS_PACKAGE_OPTIONS and the install journal store secrets, and
	// renders them as they are: the result is for showing (an upgrade's
	// diff), never for deploying. Without it such options are refused.
	Redacted bool
}

// Result is a rendered package.
type Result struct {
	// JSON is the final Marathon app (or group) as compact JSON.
	JSON []byte
	// Value is the same document decoded (numbers as json.Number).
	Value map[string]any
	// Merged are the merged options: defaults overlaid with the user's. They
	// share unchanged values with the revision's config.json: read only.
	Merged map[string]any
	// Rendered is the template's output before decoration, byte for byte.
	Rendered []byte
	// Group reports whether the document is a Marathon group (6.0 only).
	Group bool
	// Secrets are the secret values in Merged (config.json's secret
	// options, defaults included) and Request.Secrets. JSON and Value
	// carry them in clear, as Marathon must receive them: show
	// Secrets.Value(Value) instead. The DCOS_PACKAGE_OPTIONS label holds
	// them redacted (RedactOptions).
	Secrets *Secrets
}

// Error is a failure of one stage of Render. File is the tree-relative
// path of the file at fault; Line and Col locate it in the template when
// that is known; Snippet shows the offending rendered line with a caret.
type Error struct {
	Stage   string
	File    string
	Line    int
	Col     int
	Pointer string
	Message string
	Snippet string
	// Err is the underlying error: an *OptionsError for stage "options"
	// validation failures, a *marathon.Error for stage "marathon".
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.Stage)
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Pointer != "" {
		fmt.Fprintf(&b, " (at %s)", e.Pointer)
	}
	if e.Snippet != "" {
		b.WriteString("\n")
		b.WriteString(e.Snippet)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Render computes the Marathon JSON of a package revision as Cosmos 0.6
// does (cosmos-rendering.md §1 steps 2–8), then checks it against
// Marathon's rules:
//
//  1. defaults from config.json (Defaults), user options merged over them
//     (Merge);
//  2. the merged options validated against config.json, every violation
//     reported at once (an *OptionsError); unlike Cosmos, also when they are
//     empty; options for a package without config.json are an error;
//  3. scope = merged + {"resource": resource.json} + for 6.0
//     {"dependencies": {name: options}};
//  4. mustache with Cosmos's semantics (no HTML escaping, values converted
//     as jsonToJava, `.isEmpty`, the asJson lambda, no partials);
//  5. the output must be a JSON object whose labels map strings to strings;
//  6. labels: the template's, then DCOS_PACKAGE_NAME, _VERSION, _SOURCE,
//     _OPTIONS and _DEFINITION; AppID replaces id;
//  7. Marathon's app rules (marathon.ValidateApp), or for a 6.0 group its
//     group rules (marathon.ValidateGroup).
//
// Options config.json marks secret ("secret": true or media
// application/x-secret+string) are stored in DCOS_PACKAGE_OPTIONS as
// markers (RedactOptions), never appear in an error's text, and are listed
// in Result.Secrets. Options holding markers are refused (an *Error of
// stage options naming them) unless req.Redacted, and so is a rendered
// document that would carry a marker.
//
// Every failure is an *Error naming its stage (errors.As also finds an
// *OptionsError or a *marathon.Error in it), except ctx.Err() when ctx is
// cancelled, which is checked between stages.
func Render(ctx context.Context, req Request) (*Result, error) {
	res, secrets, err := render(ctx, req)
	if err != nil {
		return nil, redactError(secrets.Add(req.Secrets), err)
	}
	return res, nil
}

func render(ctx context.Context, req Request) (*Result, *Secrets, error) {
	rev := req.Revision
	if rev == nil {
		return nil, nil, errors.New("render: no package revision")
	}
	tmplFile := rev.Template
	if tmplFile == nil || len(tmplFile.Data) == 0 {
		return nil, nil, &Error{Stage: StageTemplate, File: rev.Dir + "/" + repo.TemplateFile, Message: fmt.Sprintf(
			"package [%s] version [%s] does not have a Marathon template defined and can not be rendered", rev.Name, rev.Version)}
	}
	config, merged, err := mergedOptions(rev, req)
	secrets := FindSecrets(config, merged).Add(req.Secrets)
	if err != nil {
		return nil, secrets, err
	}
	if err := ctx.Err(); err != nil {
		return nil, secrets, err
	}
	scope, err := buildScope(rev, merged, req.Dependencies)
	if err != nil {
		return nil, secrets, err
	}
	out, err := renderTemplate(tmplFile, scope)
	if err != nil {
		return nil, secrets, err
	}
	if err := ctx.Err(); err != nil {
		return nil, secrets, err
	}
	doc, err := parseRendered(tmplFile, scope, out)
	if err != nil {
		return nil, secrets, err
	}
	if err := checkLabels(tmplFile.Path, doc); err != nil {
		return nil, secrets, err
	}
	if !req.Redacted {
		if m := markerRE.FindSubmatch(out); m != nil {
			return nil, secrets, &Error{Stage: StageTemplate, File: tmplFile.Path, Message: fmt.Sprintf(
				"the rendered document would carry the redaction marker %s instead of a secret: the option at %s was stored redacted (in DCOS_PACKAGE_OPTIONS or an install journal) and its value is not known; supply it again", m[0], m[1])}
		}
	}
	res := &Result{Value: doc, Merged: merged, Rendered: out}
	res.Group = rev.PackagingVersion == "6.0" && isGroup(doc)
	var labels map[string]any // nil: no labels to add
	if !req.SkipLabels {
		if labels, err = cosmosLabels(rev, RedactOptions(config, req.Options), req.Source); err != nil {
			return nil, secrets, &Error{Stage: StageLabels, File: rev.Dir, Message: err.Error(), Err: err}
		}
	}
	if res.Group {
		decorateGroup(doc, labels, req.AppID)
	} else {
		decorateApp(doc, labels, req.AppID)
	}
	if !req.SkipMarathon {
		var merr *marathon.Error
		if res.Group {
			merr = marathon.ValidateGroup(doc)
		} else {
			merr = marathon.ValidateApp(doc)
		}
		if merr != nil {
			return nil, secrets, marathonError(tmplFile, scope, out, res.Group, merr)
		}
	}
	js, err := marshal(doc)
	if err != nil {
		return nil, secrets, &Error{Stage: StageJSON, File: tmplFile.Path, Message: err.Error(), Err: err}
	}
	res.JSON = js
	res.Secrets = secrets
	return res, secrets, nil
}

// mergedOptions is steps 1 and 2: defaults ⊕ user options, validated. It
// returns config.json (nil when there is none) and, when they could be
// merged, the merged options, also with a validation error.
func mergedOptions(rev *repo.Revision, req Request) (map[string]any, map[string]any, error) {
	if !req.Redacted {
		if ptrs := RedactedOptions(req.Options); len(ptrs) > 0 {
			return nil, nil, redactedOptionsError(rev, ptrs)
		}
	}
	if rev.Config == nil {
		if len(req.Options) > 0 {
			return nil, nil, &Error{Stage: StageOptions, File: rev.Dir, Message: fmt.Sprintf(
				"package %s %s has no config.json, so it takes no options (Cosmos: No schema available to validate the provided options)", rev.Name, rev.Version)}
		}
		return nil, map[string]any{}, nil
	}
	config, ok := rev.Config.Object()
	if !ok {
		return nil, nil, &Error{Stage: StageOptions, File: rev.Config.Path, Message: "config.json is not a JSON object"}
	}
	// The defaults share values with config.json; mergeInto copies what it
	// changes, and nothing else changes them.
	merged := defaults(config, false)
	mergeInto(merged, req.Options)
	if req.SkipValidation {
		return config, merged, nil
	}
	vs, err := ValidateOptions(config, merged)
	if err != nil {
		return config, merged, &Error{Stage: StageOptions, File: rev.Config.Path, Message: err.Error(), Err: err}
	}
	if len(vs) > 0 {
		oe := &OptionsError{File: rev.Config.Path, Violations: vs}
		return config, merged, &Error{Stage: StageOptions, File: rev.Config.Path, Message: oe.describe("the schema"), Err: oe}
	}
	return config, merged, nil
}

// redactedOptionsError refuses options that hold redaction markers.
func redactedOptionsError(rev *repo.Revision, ptrs []string) error {
	var names, sets []string
	for _, p := range ptrs {
		d := dottedPath(p)
		names = append(names, d)
		sets = append(sets, "--set "+setPath(p)+"=VALUE")
	}
	file := rev.Dir
	if rev.Config != nil {
		file = rev.Config.Path
	}
	return &Error{Stage: StageOptions, File: file, Pointer: ptrs[0], Message: fmt.Sprintf(
		"secret option %s has no value: universe stores secrets redacted (as %s) in DCOS_PACKAGE_OPTIONS and in its install journal, so it must be supplied again: %s, or in --options FILE",
		strings.Join(names, ", "), Marker(ptrs[0]), strings.Join(sets, " "))}
}

// setPath is the --set key path of a JSON pointer: keys joined with dots,
// dots within keys escaped.
func setPath(pointer string) string {
	var keys []string
	for _, t := range strings.Split(pointer[1:], "/") {
		keys = append(keys, strings.ReplaceAll(unescapeToken(t), ".", `\.`))
	}
	return strings.Join(keys, ".")
}

// redactError removes secret values from a render error's text.
func redactError(s *Secrets, err error) error {
	e, ok := err.(*Error)
	if s.Empty() || !ok {
		return s.Error(err)
	}
	c := *e
	c.Message, c.Snippet = s.String(c.Message), s.String(c.Snippet)
	switch inner := c.Err.(type) {
	case *OptionsError:
		oe := &OptionsError{File: inner.File, Violations: make([]OptionViolation, len(inner.Violations))}
		for i, v := range inner.Violations {
			v.Message = s.String(v.Message)
			oe.Violations[i] = v
		}
		c.Err = oe
	case *marathon.Error:
		me := *inner
		me.Message, me.DetailText = s.String(me.Message), s.String(me.DetailText)
		me.Details = make([]marathon.ErrorDetail, len(inner.Details))
		for i, d := range inner.Details {
			me.Details[i] = marathon.ErrorDetail{Path: d.Path, Errors: make([]string, len(d.Errors))}
			for j, m := range d.Errors {
				me.Details[i].Errors[j] = s.String(m)
			}
		}
		c.Err = &me
	default:
		c.Err = s.Error(c.Err)
	}
	return &c
}

// buildScope is step 3.
func buildScope(rev *repo.Revision, merged map[string]any, deps map[string]map[string]any) (map[string]any, error) {
	add := map[string]any{}
	if rev.Resource != nil && rev.Resource.Value != nil {
		add["resource"] = rev.Resource.Value
	}
	if rev.PackagingVersion == "6.0" {
		d := map[string]any{}
		for _, dep := range rev.Dependencies {
			opts, ok := deps[dep.Name]
			if !ok {
				if dep.Optional {
					continue
				}
				return nil, &Error{Stage: StageScope, File: rev.PackageJSON.Path, Message: fmt.Sprintf(
					"dependency %s is not resolved: its options are needed as dependencies.%s", dep.Name, dep.Name)}
			}
			d[dep.Name] = opts
		}
		add["dependencies"] = d
	}
	// Cosmos deep-merges resource.json over a config property named
	// resource (M/minio/6-12), and so does this. The scope shares values
	// with merged; nothing changes them.
	scope := make(map[string]any, len(merged)+len(add))
	for k, v := range merged {
		scope[k] = v
	}
	for k, v := range add {
		if m, ok := scope[k].(map[string]any); ok {
			if a, ok := v.(map[string]any); ok {
				scope[k] = Merge(m, a)
				continue
			}
		}
		scope[k] = v
	}
	return scope, nil
}

// renderTemplate is step 4.
func renderTemplate(f *repo.File, scope map[string]any) ([]byte, error) {
	tmpl, err := compile(string(f.Data))
	if err != nil {
		e := &Error{Stage: StageTemplate, File: f.Path, Message: "invalid mustache: " + err.Error(), Err: err}
		if line, msg, ok := parseErrorLine(err); ok {
			e.Line, e.Message = line, "invalid mustache: "+msg
		}
		return nil, e
	}
	b := newBudget()
	w := &limitedBuffer{b: b}
	w.buf.Grow(len(f.Data) + len(f.Data)/2)
	err = tmpl.FRender(w, rootContext(scope, b))
	if b.over {
		return nil, &Error{Stage: StageTemplate, File: f.Path, Err: ErrOutputTooLarge, Message: fmt.Sprintf(
			"the rendered output is larger than the limit of %d bytes (stopped after %d bytes): a section repeats over too long a list", MaxOutputSize, w.buf.Len())}
	}
	if err != nil {
		return nil, &Error{Stage: StageTemplate, File: f.Path, Message: err.Error(), Err: err}
	}
	return w.buf.Bytes(), nil
}

// parseRendered is step 5's first half: the text must be one JSON object.
func parseRendered(f *repo.File, scope map[string]any, out []byte) (map[string]any, error) {
	v, err := parseJSON(out)
	offset := -1
	var je *jsonError
	if errors.As(err, &je) {
		offset = je.Offset
	}
	if err != nil {
		// A missing value ("size": ,) is reported at the next token, maybe
		// on a later line: point at the gap after the last token instead.
		if backOff(out, offset) {
			for offset > 0 && isSpace(out[offset-1]) {
				offset--
			}
		}
		e := &Error{Stage: StageJSON, File: f.Path, Err: err}
		line, col := lineCol(out, offset)
		e.Snippet = snippet(out, offset)
		e.Message = fmt.Sprintf("the rendered template is not valid JSON at rendered line %d, column %d: %v", line, col, err)
		if loc, ok := locate(string(f.Data), scope, offset, out); ok {
			e.Line, e.Col = loc.line, loc.col
			if loc.hint != "" {
				e.Message += "; " + loc.hint
			}
		}
		return nil, e
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Stage: StageJSON, File: f.Path, Message: fmt.Sprintf(
			"the rendered Marathon JSON must be a JSON object, found %s", typeName(v))}
	}
	return doc, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// checkLabels is step 5's second half: labels must map strings to strings.
func checkLabels(file string, doc map[string]any) error {
	l, ok := doc["labels"]
	if !ok {
		return nil
	}
	m, ok := l.(map[string]any)
	if !ok {
		return &Error{Stage: StageLabels, File: file, Pointer: "/labels", Message: fmt.Sprintf(
			"labels must be an object of strings, found %s", typeName(l))}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := m[k].(string); !ok {
			return &Error{Stage: StageLabels, File: file, Pointer: "/labels/" + escapeToken(k), Message: fmt.Sprintf(
				"label %s must be a string, found %s %s", k, typeName(m[k]), compactJSON(m[k]))}
		}
	}
	return nil
}

// isGroup reports whether a rendered document is a Marathon group.
func isGroup(doc map[string]any) bool {
	_, apps := doc["apps"]
	_, groups := doc["groups"]
	_, cmd := doc["cmd"]
	_, container := doc["container"]
	return (apps || groups) && !cmd && !container
}

// decorateApp is step 6 for an app: rendered ⊕ {id} ⊕ {labels: template
// labels} ⊕ {labels: Cosmos labels}, Cosmos's labels winning.
func decorateApp(app map[string]any, labels map[string]any, appID string) {
	if appID != "" {
		app["id"] = normalizeAppID(appID)
	}
	if labels != nil {
		l, _ := app["labels"].(map[string]any)
		app["labels"] = Merge(l, labels)
	}
}

// decorateGroup is step 6 for a 6.0 group. Marathon groups carry no labels,
// so every app of the group, in nested groups too, gets the template's and
// Cosmos's labels as a single app would, plus UNIVERSE_PACKAGE_GROUP, the
// group's absolute id. With an AppID the group's id is replaced, and app
// and group ids written absolutely under the old group id move with it;
// relative ids resolve against the group as before.
func decorateGroup(group map[string]any, labels map[string]any, appID string) {
	oldID, _ := group["id"].(string)
	oldID = normalizeAppID(strings.TrimSuffix(oldID, "/"))
	newID := oldID
	if appID != "" {
		newID = normalizeAppID(strings.TrimSuffix(appID, "/"))
		group["id"] = newID
	}
	withGroup := Merge(labels, map[string]any{LabelGroup: newID})
	var walk func(g map[string]any)
	walk = func(g map[string]any) {
		for _, a := range anyList(g["apps"]) {
			app, ok := a.(map[string]any)
			if !ok {
				continue
			}
			if id, ok := app["id"].(string); ok && newID != oldID {
				app["id"] = rebase(id, oldID, newID)
			}
			if labels != nil {
				l, _ := app["labels"].(map[string]any)
				app["labels"] = Merge(l, withGroup)
			}
		}
		for _, s := range anyList(g["groups"]) {
			sub, ok := s.(map[string]any)
			if !ok {
				continue
			}
			if id, ok := sub["id"].(string); ok && newID != oldID {
				sub["id"] = rebase(id, oldID, newID)
			}
			walk(sub)
		}
	}
	walk(group)
}

func rebase(id, oldID, newID string) string {
	if id == oldID {
		return newID
	}
	if strings.HasPrefix(id, oldID+"/") {
		return newID + strings.TrimPrefix(id, oldID)
	}
	return id
}

func anyList(v any) []any { l, _ := v.([]any); return l }

// marathonError is step 7's failure, placed in the template at the value
// of the first detail when it comes from the template.
func marathonError(f *repo.File, scope map[string]any, out []byte, group bool, merr *marathon.Error) error {
	what := "app"
	if group {
		what = "group"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Marathon would reject the rendered %s: %s", what, merr.Message)
	for _, d := range merr.Details {
		for _, msg := range d.Errors {
			fmt.Fprintf(&b, "\n  %s: %s", d.Path, msg)
		}
	}
	e := &Error{Stage: StageMarathon, File: f.Path, Message: b.String(), Err: merr}
	if len(merr.Details) > 0 {
		e.Pointer = marathonPointer(merr.Details[0].Path)
		if off, ok := valueOffset(out, e.Pointer); ok && e.Pointer != "" {
			e.Snippet = snippet(out, off)
			if loc, ok := locateValue(string(f.Data), scope, e.Pointer); ok {
				e.Line, e.Col = loc.line, loc.col
			}
		}
	}
	return e
}

// marathonPointer turns Marathon's "/container/portMappings(0)/hostPort"
// into the JSON pointer "/container/portMappings/0/hostPort".
func marathonPointer(path string) string {
	if path == "/" {
		return ""
	}
	r := strings.NewReplacer("(", "/", ")", "")
	return r.Replace(path)
}

// marshal writes the final document as compact JSON, keys sorted, <>&
// unescaped.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
