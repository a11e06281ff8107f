package scaffold

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

//go:embed template/*.tmpl
var templates embed.FS

// namePattern is the form of a package name: what Universe's tooling, DC/OS
// service names and Mesos-DNS all accept.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

// placeholder stands for the package name in the template files, which
// are mustache and JSON and so cannot use Go templates' braces.
const placeholder = "__NAME__"

// File is one file of a starter revision.
type File struct {
	// Name is the file's name inside the revision directory.
	Name string
	Data []byte
}

// InvalidNameError is returned for a package name that does not match
// ^[a-z][a-z0-9-]*[a-z0-9]$.
type InvalidNameError struct{ Name string }

func (e *InvalidNameError) Error() string {
	return fmt.Sprintf("invalid package name %q: use lower-case letters, digits and dashes, starting with a letter and not ending with a dash", e.Name)
}

// ValidName reports whether name is acceptable as a package name.
func ValidName(name string) bool {
	return namePattern.MatchString(name)
}

// Files returns the starter revision for the package name: package.json,
// config.json, marathon.json.mustache and resource.json, in that order.
// It returns an *InvalidNameError when name is not a valid package name.
func Files(name string) ([]File, error) {
	if !ValidName(name) {
		return nil, &InvalidNameError{Name: name}
	}
	var out []File
	for _, n := range []string{"package.json", "config.json", "marathon.json.mustache", "resource.json"} {
		data, err := fs.ReadFile(templates, path.Join("template", n+".tmpl"))
		if err != nil {
			return nil, fmt.Errorf("reading template %s: %w", n, err)
		}
		out = append(out, File{Name: n, Data: []byte(strings.ReplaceAll(string(data), placeholder, name))})
	}
	return out, nil
}
