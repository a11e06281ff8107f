package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cbroglie/mustache"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/repo"
)

// renderCheck renders the template with its defaults (for a 6.0 package,
// with the defaults of the newest version of each dependency that
// satisfies its range as dependencies.<name>) and checks that the result
// is a JSON object Marathon accepts. The defaults are not validated here
// (config/default reports invalid ones), nor are the DCOS_PACKAGE_* labels
// computed (they cannot make an app invalid).
func (c *checker) renderCheck() {
	f := c.rev.Template
	if f == nil || f.Err != nil || len(f.Data) == 0 {
		return
	}
	if cfg := c.rev.Config; cfg != nil && (cfg.Err != nil || cfg.Value == nil) {
		return // reported while loading
	}
	deps, err := render.DependencyDefaults(c.tree, c.rev)
	if err != nil {
		return // the dependencies/* rules report it
	}
	// Revisions often repeat a template, config and resource byte for byte;
	// what a render finds depends on nothing else.
	parts := [][]byte{[]byte(c.rev.PackagingVersion), f.Data, nil, nil, nil}
	if c.rev.Config != nil {
		parts[2] = c.rev.Config.Data
	}
	if c.rev.Resource != nil {
		parts[3] = c.rev.Resource.Data
	}
	if len(deps) > 0 {
		d, err := json.Marshal(deps)
		if err != nil {
			return
		}
		parts[4] = d
	}
	c.doKey(contentKey("render", parts...), func(c *checker) { c.renderFile(f, deps) })
}

// renderFile renders the revision's template and reports what fails.
func (c *checker) renderFile(f *repo.File, deps map[string]map[string]any) {
	_, err := render.Render(c.ctx, render.Request{Revision: c.rev, Dependencies: deps, SkipValidation: true, SkipLabels: true})
	if err == nil || c.ctx.Err() != nil {
		return
	}
	fd := repo.Finding{Severity: repo.Error, Rule: RuleTemplateRender, File: f.Path,
		Package: c.rev.Package, Release: c.rev.Release}
	var pe mustache.ParseError
	if errors.As(err, &pe) {
		return // template/syntax reports it
	}
	var re *render.Error
	if !errors.As(err, &re) {
		fd.Message = "does not render with its defaults: " + err.Error()
		c.out = append(c.out, fd)
		return
	}
	fd.Line, fd.Col = re.Line, re.Col
	msg := strings.ReplaceAll(strings.TrimSpace(re.Message), "\n ", ";")
	msg = strings.ReplaceAll(msg, "\n", "; ")
	if re.Pointer != "" {
		msg += fmt.Sprintf(" (at %s of the rendered %s)", re.Pointer, "JSON")
	}
	fd.Message = fmt.Sprintf("does not render with its defaults (%s): %s", re.Stage, msg)
	if re.File != "" && re.File != f.Path {
		fd.File = re.File
	}
	c.out = append(c.out, fd)
}
