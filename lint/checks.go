package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cbroglie/mustache"

	"github.com/universe-pm/universe/repo"
	"github.com/universe-pm/universe/schema"
)

// packageJSON checks package.json and reports whether the revision is sound
// enough (a known packagingVersion) for the other checks.
func (c *checker) packageJSON() bool {
	rev, f := c.rev, c.rev.PackageJSON
	meta, ok := f.Object()
	if !ok {
		c.at(repo.Error, RulePackageSchema, f, "", "package.json must be a JSON object")
		return false
	}
	if name, ok := meta["name"].(string); ok && name != rev.Package {
		c.at(repo.Error, RuleNameMismatch, f, "/name",
			fmt.Sprintf("name %q does not match the package directory %q", name, rev.Package))
	}
	pv, present := meta["packagingVersion"]
	s, err := schema.Package(rev.PackagingVersion)
	if err != nil {
		msg := fmt.Sprintf("packagingVersion is missing: expected one of %s", strings.Join(schema.PackagingVersions(), ", "))
		ptr := ""
		if present {
			ptr = "/packagingVersion"
			msg = fmt.Sprintf("unknown packagingVersion %s: expected one of %s", jsonText(pv), strings.Join(schema.PackagingVersions(), ", "))
		}
		c.at(repo.Error, RulePackagingVersion, f, ptr, msg)
		return false
	}
	strictSemver := rev.PackagingVersion == "6.0"
	for _, v := range c.validate(s, f.Value) {
		if strictSemver && v.Pointer == "/version" && v.Keyword == "pattern" {
			continue // reported below with a clearer message
		}
		c.violation(RulePackageSchema, f, v)
	}
	if strictSemver {
		if v, ok := meta["version"].(string); ok && !rev.Version.IsSemver() {
			c.at(repo.Error, RuleSemver, f, "/version", fmt.Sprintf(
				"version %q is not strict semver (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]), which packagingVersion 6.0 requires", v))
		}
	}
	return true
}

// validate runs a schema, turning an internal failure into a finding.
func (c *checker) validate(s *schema.Schema, doc any) []schema.Violation {
	vs, err := s.Validate(doc)
	if err != nil {
		return []schema.Violation{{Keyword: "internal", Message: fmt.Sprintf("validating against %s: %v", s.Name(), err)}}
	}
	return vs
}

// violation reports a schema violation at its position in f.
func (c *checker) violation(rule string, f *repo.File, v schema.Violation) {
	if v.Keyword == "additionalProperties" {
		c.atKey(repo.Error, rule, f, v.Pointer, v.Message)
		return
	}
	c.at(repo.Error, rule, f, v.Pointer, v.Message)
}

func (c *checker) command() {
	f := c.rev.Command
	if f == nil {
		return
	}
	if pv := c.rev.PackagingVersion; pv != "2.0" && pv != "3.0" {
		c.file(repo.Error, RuleCommandNotAllow, f.Path, fmt.Sprintf(
			"command.json is not supported with packagingVersion %s (only 2.0 and 3.0): remove it and ship the CLI in resource.json's cli section", pv))
		return
	}
	if f.Value == nil {
		return
	}
	for _, v := range c.validate(schema.Command(), f.Value) {
		c.violation(RuleCommandSchema, f, v)
	}
}

func (c *checker) resource() {
	f := c.rev.Resource
	if f == nil || f.Err != nil {
		return
	}
	s, err := schema.Resource(c.rev.PackagingVersion)
	if err != nil {
		return
	}
	for _, v := range c.validate(s, f.Value) {
		c.violation(RuleResourceSchema, f, v)
	}
	res, _ := f.Object()
	if _, hasCLI := res["cli"]; hasCLI && c.rev.Command == nil {
		minDcos := c.rev.MinDcosReleaseVersion
		if minDcos == "" {
			minDcos = "1.0"
		}
		if repo.CompareLoose(minDcos, "1.8") < 0 {
			c.at(repo.Error, RuleResourceCLI, f, "/cli", fmt.Sprintf(
				"a CLI in resource.json needs minDcosReleaseVersion 1.8 or later (it is %s), or a command.json for older clusters", minDcos))
		}
	}
}

func (c *checker) template() {
	f := c.rev.Template
	if f == nil {
		if c.rev.PackagingVersion == "2.0" {
			c.file(repo.Error, RuleTemplateMissing, c.rev.Dir+"/"+repo.TemplateFile,
				"missing marathon.json.mustache, which packagingVersion 2.0 requires")
		}
		return
	}
	if f.Err != nil {
		return
	}
	c.do("template", f, func(c *checker) { c.templateSyntax(f) })
}

func (c *checker) templateSyntax(f *repo.File) {
	if _, err := mustache.ParseStringPartials(string(f.Data), noPartials{}); err != nil {
		fd := repo.Finding{Severity: repo.Error, Rule: RuleTemplateSyntax, File: f.Path,
			Message: "invalid mustache: " + err.Error(), Package: c.rev.Package, Release: c.rev.Release}
		var pe mustache.ParseError
		if errors.As(err, &pe) {
			fd.Line = pe.Line
			fd.Message = "invalid mustache: " + strings.TrimPrefix(pe.Error(), fmt.Sprintf("line %d: ", pe.Line))
		}
		c.out = append(c.out, fd)
	}
}

// noPartials refuses every partial: Universe templates use none, and a
// template must never read files from the machine that renders it.
type noPartials struct{}

func (noPartials) Get(name string) (string, error) {
	return "", fmt.Errorf("partial %q: partials are not supported in package templates", name)
}

func (c *checker) upgrades() {
	pkg, ok := c.tree.Package(c.rev.Package)
	if !ok {
		return
	}
	meta := c.rev.Meta()
	for _, field := range []string{"upgradesFrom", "downgradesTo"} {
		list, _ := meta[field].([]any)
		for i, e := range list {
			v, ok := e.(string)
			if !ok || v == "*" || pkg.HasVersion(v) {
				continue
			}
			ptr := jsonPointer(field, strconv.Itoa(i))
			if v == "" {
				c.at(repo.Warning, RuleUpgradeRef, c.rev.PackageJSON, ptr, field+" has an empty version string")
				continue
			}
			c.at(repo.Warning, RuleUpgradeRef, c.rev.PackageJSON, ptr, fmt.Sprintf(
				"%s names version %q, which no revision of %s has (versions: %s)", field, v, pkg.Name, versionList(pkg)))
		}
	}
}

func (c *checker) dependencies() {
	f := c.rev.PackageJSON
	for i, d := range c.rev.Dependencies {
		ptr := jsonPointer("dependencies", strconv.Itoa(i))
		if d.Name == "" {
			continue // the schema reports it
		}
		if d.Name == c.rev.Package {
			c.at(repo.Error, RuleDepSelf, f, ptr+"/name", fmt.Sprintf("package %s depends on itself", d.Name))
			continue
		}
		if d.RangeErr != nil {
			c.at(repo.Error, RuleDepRange, f, ptr+"/version", fmt.Sprintf(
				"version range %q is not a valid semver range (e.g. \">=3.3.0 <4.0.0\", \"^1.2\", \"~3.8\"): %v", d.Range, d.RangeErr))
			continue
		}
		dep, ok := c.tree.Package(d.Name)
		if !ok {
			c.at(repo.Error, RuleDepUnknown, f, ptr+"/name", fmt.Sprintf("depends on package %q, which is not in the repository", d.Name))
			continue
		}
		if !slices.ContainsFunc(dep.Revisions, func(r *repo.Revision) bool { return d.Allows(r.Version) }) {
			c.at(repo.Error, RuleDepUnsatisfiable, f, ptr+"/version", fmt.Sprintf(
				"no version of %s satisfies %q (versions: %s)", d.Name, d.Range, versionList(dep)))
		}
	}
}

// versions checks that a 6.0 package never releases one version twice.
func (c *checker) versions() {
	if c.rev.PackagingVersion != "6.0" || c.rev.Version.String() == "" {
		return
	}
	pkg, _ := c.tree.Package(c.rev.Package)
	for _, r := range pkg.Revisions {
		if r.Release < c.rev.Release && r.Version.String() == c.rev.Version.String() {
			c.at(repo.Error, RuleDuplicateVersion, c.rev.PackageJSON, "/version", fmt.Sprintf(
				"version %s is already released as revision %d: release a new version instead", r.Version, r.Release))
			return
		}
	}
}

// versionList lists a package's versions by release, without repeats.
func versionList(p *repo.Package) string {
	var vs []string
	for _, r := range p.Revisions {
		if v := r.Version.String(); v != "" && !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, ", ")
}

// jsonText renders a decoded JSON value compactly for a message.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
