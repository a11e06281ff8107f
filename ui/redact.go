package ui

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/universe-pm/universe/installer"
	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/repo"
)

// Redacted replaces a secret's value in what the dashboard shows.
const Redacted = "********"

// redactor hides the values of a package's secret options (see Secret)
// in the options, plans and Marathon JSON the API returns.
type redactor struct {
	pointers []string
	values   []string
}

// newRedactor finds the secret options of rev's form and their values in
// opts merged over the defaults.
func newRedactor(rev *repo.Revision, form []Field, opts map[string]any) *redactor {
	r := &redactor{}
	var walk func(fs []Field)
	walk = func(fs []Field) {
		for _, f := range fs {
			if f.Kind == KindGroup {
				walk(f.Fields)
			} else if f.Kind == KindPassword {
				r.pointers = append(r.pointers, f.Pointer)
			}
		}
	}
	walk(form)
	if len(r.pointers) == 0 {
		return r
	}
	merged := opts
	if rev != nil && rev.Config != nil {
		if cfg, ok := rev.Config.Object(); ok {
			merged = render.Merge(render.Defaults(cfg), opts)
		}
	}
	for _, p := range r.pointers {
		if v, ok := lookup(merged, p); ok {
			if s, ok := v.(string); ok && s != "" && !slices.Contains(r.values, s) {
				r.values = append(r.values, s)
			}
		}
	}
	// Longer secrets first, so one inside another is not half replaced.
	slices.SortFunc(r.values, func(a, b string) int { return len(b) - len(a) })
	return r
}

// options returns opts with each secret option's value replaced.
func (r *redactor) options(opts map[string]any) map[string]any {
	if len(r.pointers) == 0 {
		return opts
	}
	out, _ := normalize(opts).(map[string]any)
	for _, p := range r.pointers {
		set(out, p, Redacted)
	}
	return out
}

// plan returns a copy of p whose Marathon JSON has no secret in it.
func (r *redactor) plan(p *installer.Plan) *installer.Plan {
	if len(r.values) == 0 || p == nil {
		return p
	}
	cp := *p
	cp.Packages = slices.Clone(p.Packages)
	for i := range cp.Packages {
		cp.Packages[i].Marathon = r.raw(cp.Packages[i].Marathon)
	}
	return &cp
}

// raw redacts a JSON document.
func (r *redactor) raw(doc json.RawMessage) json.RawMessage {
	if len(r.values) == 0 || len(doc) == 0 {
		return doc
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return doc
	}
	b, err := json.Marshal(r.value(v))
	if err != nil {
		return doc
	}
	return b
}

// value replaces secrets inside every string of v, and every string that
// is base64 of a text holding one (as the DCOS_PACKAGE_OPTIONS label is).
func (r *redactor) value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = r.value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = r.value(e)
		}
		return out
	case string:
		return r.text(t)
	}
	return v
}

func (r *redactor) text(s string) string {
	for _, sec := range r.values {
		s = strings.ReplaceAll(s, sec, Redacted)
	}
	if len(s) >= 8 {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			for _, sec := range r.values {
				if strings.Contains(string(b), sec) {
					return "(redacted: encodes a secret option)"
				}
			}
		}
	}
	return s
}

// lookup finds the value at a JSON pointer.
func lookup(doc any, pointer string) (any, bool) {
	cur := doc
	for _, tok := range splitPointer(pointer) {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// set replaces the value at a JSON pointer if it is there.
func set(doc map[string]any, pointer string, v any) {
	toks := splitPointer(pointer)
	if len(toks) == 0 {
		return
	}
	cur := doc
	for _, tok := range toks[:len(toks)-1] {
		next, ok := cur[tok].(map[string]any)
		if !ok {
			return
		}
		cur = next
	}
	last := toks[len(toks)-1]
	if _, ok := cur[last]; ok {
		cur[last] = v
	}
}

func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}
