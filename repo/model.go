package repo

import (
	"sort"

	"github.com/Masterminds/semver/v3"
)

// The file names of a revision directory.
const (
	PackageFile  = "package.json"
	ConfigFile   = "config.json"
	TemplateFile = "marathon.json.mustache"
	ResourceFile = "resource.json"
	CommandFile  = "command.json"
	// YankedFile marks a revision withdrawn ('universe yank'). It is a
	// hidden file, so Universe's own tools, which ignore hidden entries,
	// keep serving the revision unchanged; it holds a JSON object
	// {"reason": "...", "date": "<RFC 3339>"}.
	YankedFile = ".yanked"
)

// File is one file of a revision as loaded: its bytes and, for JSON files
// that parse, the decoded document and the position of every value.
type File struct {
	// Path is relative to the tree root, with forward slashes.
	Path string
	// Data is the raw content, byte for byte.
	Data []byte
	// Value is the decoded JSON document (map[string]any, []any,
	// json.Number, string, bool or nil). Nil for templates and for JSON that
	// does not parse. For duplicate keys the last value wins, as in Python.
	Value any
	// Err is the reason the file could not be read or parsed, if any.
	Err error

	scan *jsonScan
}

// Position returns the 1-based line and column of the value at the JSON
// pointer, or of its nearest existing ancestor; 0, 0 when unknown.
func (f *File) Position(pointer string) (line, col int) {
	if f == nil || f.scan == nil {
		return 0, 0
	}
	p, _ := f.scan.Pos(pointer)
	return p.Line, p.Col
}

// KeyPosition returns the position of the member name that holds the value
// at pointer, falling back to Position when there is no such key.
func (f *File) KeyPosition(pointer string) (line, col int) {
	if f == nil || f.scan == nil {
		return 0, 0
	}
	if p, ok := f.scan.KeyPos(pointer); ok {
		return p.Line, p.Col
	}
	return f.Position(pointer)
}

// Object returns the decoded document when it is a JSON object.
func (f *File) Object() (map[string]any, bool) {
	if f == nil {
		return nil, false
	}
	m, ok := f.Value.(map[string]any)
	return m, ok
}

// Dependency is a 6.0 package's dependency on another package.
type Dependency struct {
	Name string
	// Range is the version range as written; empty means any version.
	Range string
	// Constraints is the parsed range; nil when Range is empty or invalid.
	Constraints *semver.Constraints
	// RangeErr is why Range does not parse, if it does not.
	RangeErr error
	Optional bool
}

// Allows reports whether version v satisfies the dependency's range.
func (d Dependency) Allows(v Version) bool {
	if d.Range == "" {
		return true
	}
	return v.Satisfies(d.Constraints)
}

// Revision is one released revision of a package: a directory
// <LETTER>/<name>/<release>/ and the files in it.
type Revision struct {
	// Package is the package directory's name.
	Package string
	// Release is the revision directory's number, Universe's releaseVersion.
	Release int
	// Dir is the revision directory relative to the tree root.
	Dir string

	PackageJSON *File
	Config      *File
	Template    *File
	Resource    *File
	Command     *File
	// Extra lists other entries of the directory (tree-relative paths).
	Extra []string

	// The fields below are read from package.json. Each is zero when it is
	// absent or of the wrong type (schema validation says which).
	Name                  string
	PackagingVersion      string
	Version               Version
	UpgradesFrom          []string
	DowngradesTo          []string
	MinDcosReleaseVersion string
	Dependencies          []Dependency

	// Yanked is set when the revision directory holds a YankedFile: the
	// revision is withdrawn, hidden from resolution without an exact
	// version but still listed and installable by its exact version.
	Yanked bool
	// YankReason is the reason the YankedFile gives, if any.
	YankReason string
}

// Meta returns the decoded package.json object (nil when it did not parse).
func (r *Revision) Meta() map[string]any {
	m, _ := r.PackageJSON.Object()
	return m
}

// Files returns the revision's files that exist, in a fixed order.
func (r *Revision) Files() []*File {
	var fs []*File
	for _, f := range []*File{r.PackageJSON, r.Config, r.Template, r.Resource, r.Command} {
		if f != nil {
			fs = append(fs, f)
		}
	}
	return fs
}

// Package is all revisions of one package, ordered by Release as Cosmos
// orders them.
type Package struct {
	Name      string
	Letter    string
	Dir       string
	Revisions []*Revision
}

// Latest returns the revision with the highest release number, which is the
// one Cosmos installs by default, or nil when there is none.
func (p *Package) Latest() *Revision {
	if len(p.Revisions) == 0 {
		return nil
	}
	return p.Revisions[len(p.Revisions)-1]
}

// Release returns the revision with release number n.
func (p *Package) Release(n int) (*Revision, bool) {
	i := sort.Search(len(p.Revisions), func(i int) bool { return p.Revisions[i].Release >= n })
	if i < len(p.Revisions) && p.Revisions[i].Release == n {
		return p.Revisions[i], true
	}
	return nil, false
}

// HasVersion reports whether some revision has exactly the version string v.
func (p *Package) HasVersion(v string) bool {
	for _, r := range p.Revisions {
		if r.Version.String() == v {
			return true
		}
	}
	return false
}

// Tree is a loaded package tree.
type Tree struct {
	// Packages are ordered by name.
	Packages []*Package
	// Problems are what loading found wrong: layout, unreadable or malformed
	// files, duplicate keys, encoding. Loading never stops at the first.
	Problems []Finding

	byName map[string]*Package
}

// Package returns the package called name.
func (t *Tree) Package(name string) (*Package, bool) {
	p, ok := t.byName[name]
	return p, ok
}

// Revisions returns every revision of the tree, by package then release.
func (t *Tree) Revisions() []*Revision {
	var rs []*Revision
	for _, p := range t.Packages {
		rs = append(rs, p.Revisions...)
	}
	return rs
}
