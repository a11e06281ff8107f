package lint

import "github.com/universe-pm/universe/repo"

// Rule describes one check: its id (as findings carry it), its usual
// severity and what it looks for.
type Rule struct {
	ID       string        `json:"id"`
	Severity repo.Severity `json:"severity"`
	Summary  string        `json:"summary"`
}

// Rule ids of the checks this package runs (loading rules are in repo).
const (
	RuleNameMismatch     = "package/name-mismatch"
	RulePackagingVersion = "package/packaging-version"
	RulePackageSchema    = "package/schema"
	RuleSemver           = "package/semver"
	RuleDuplicateVersion = "package/duplicate-version"
	RuleCommandNotAllow  = "command/not-allowed"
	RuleCommandSchema    = "command/schema"
	RuleConfigSchema     = "config/schema"
	RuleConfigDefault    = "config/default"
	RuleConfigKeyword    = "config/unknown-keyword"
	RuleResourceSchema   = "resource/schema"
	RuleResourceCLI      = "resource/cli-needs-command"
	RuleTemplateMissing  = "template/missing"
	RuleTemplateSyntax   = "template/syntax"
	RuleTemplateRender   = "template/render"
	RuleUpgradeRef       = "upgrades/unknown-version"
	RuleDepUnknown       = "dependencies/unknown-package"
	RuleDepRange         = "dependencies/invalid-range"
	RuleDepUnsatisfiable = "dependencies/unsatisfiable"
	RuleDepSelf          = "dependencies/self"
	RuleDepCycle         = "dependencies/cycle"
)

// Rules lists every rule a validation run applies, loading rules included,
// in the order they are documented.
var Rules = []Rule{
	{repo.RuleLetterDir, repo.Error, "top-level directories are single upper-case letters"},
	{repo.RulePackageDir, repo.Error, "package directories match ^[a-z][a-z0-9-]*[a-z0-9]$"},
	{repo.RuleLetterMismatch, repo.Error, "a package lives under the upper-case first letter of its name"},
	{repo.RuleDuplicatePkg, repo.Error, "a package name appears once in the tree"},
	{repo.RuleRevisionDir, repo.Error, "revision directories are non-negative integers (the releaseVersion)"},
	{repo.RuleMissingPackage, repo.Error, "every revision has a package.json"},
	{repo.RuleUnexpectedEntry, repo.Warning, "no files or directories other than the known ones"},
	{repo.RuleNoRevisions, repo.Warning, "a package directory holds at least one revision"},
	{repo.RuleRead, repo.Error, "every file can be read and is within the size limit"},
	{repo.RuleJSONSyntax, repo.Error, "JSON files parse"},
	{repo.RuleDuplicateKey, repo.Error, "no object has the same key twice"},
	{repo.RuleBOM, repo.Error, "no UTF-8 byte order mark"},
	{repo.RuleUnicodeEscape, repo.Warning, "no \\u escapes in JSON strings (Universe's validator rejects them)"},
	{repo.RuleNonASCII, repo.Warning, "ASCII text only (Cosmos 0.6.2 and older read files as ASCII)"},
	{repo.RuleCRLF, repo.Warning, "LF line endings"},
	{RuleNameMismatch, repo.Error, "package.json name equals the package directory"},
	{RulePackagingVersion, repo.Error, "packagingVersion is one of 2.0, 3.0, 4.0, 5.0, 6.0"},
	{RulePackageSchema, repo.Error, "package.json matches the schema of its packagingVersion"},
	{RuleSemver, repo.Error, "6.0 packages use strict semver versions"},
	{RuleDuplicateVersion, repo.Error, "6.0 packages never release the same version twice"},
	{RuleCommandNotAllow, repo.Error, "no command.json with packagingVersion 4.0 and above"},
	{RuleCommandSchema, repo.Error, "command.json matches the command schema"},
	{RuleConfigSchema, repo.Error, "config.json is a valid draft-04 JSON schema"},
	{RuleConfigDefault, repo.Error, "every default in config.json is valid against its own property schema"},
	{RuleConfigKeyword, repo.Warning, "config.json uses only draft-04 keywords (plus DC/OS's media and our secret)"},
	{RuleResourceSchema, repo.Error, "resource.json matches the v2 (2.0) or v3 (3.0+) resource schema"},
	{RuleResourceCLI, repo.Error, "resource.cli needs command.json when minDcosReleaseVersion is below 1.8"},
	{RuleTemplateMissing, repo.Error, "packagingVersion 2.0 packages have a marathon.json.mustache"},
	{RuleTemplateSyntax, repo.Error, "the template is valid mustache"},
	{RuleTemplateRender, repo.Error, "the template renders with its defaults (Cosmos rules) to a JSON object Marathon's rules accept"},
	{RuleUpgradeRef, repo.Warning, "upgradesFrom and downgradesTo name versions of the package that exist"},
	{RuleDepUnknown, repo.Error, "dependencies name packages in the repository"},
	{RuleDepRange, repo.Error, "dependency versions are valid semver ranges"},
	{RuleDepUnsatisfiable, repo.Error, "some version of the dependency satisfies the range"},
	{RuleDepSelf, repo.Error, "a package does not depend on itself"},
	{RuleDepCycle, repo.Error, "dependencies form no cycle"},
}
