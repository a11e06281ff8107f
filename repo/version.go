package repo

import (
	"github.com/Masterminds/semver/v3"
)

// Version is a package version as written in package.json. Universe versions
// are often not semver ("2.1-patch.0", "2.10.0-3.11.6-fix"), so the string is
// kept as it is and a parsed semantic version is attached only where the
// string is strict semver 2.0.0. Versions are never compared as strings.
type Version struct {
	raw string
	sv  *semver.Version
}

// ParseVersion returns the Version for s; it never fails.
func ParseVersion(s string) Version {
	v := Version{raw: s}
	if sv, err := semver.StrictNewVersion(s); err == nil {
		v.sv = sv
	}
	return v
}

// String returns the version exactly as written.
func (v Version) String() string { return v.raw }

// Semver returns the parsed semantic version, or nil when the version is not
// strict semver.
func (v Version) Semver() *semver.Version { return v.sv }

// IsSemver reports whether the version is strict semver 2.0.0.
func (v Version) IsSemver() bool { return v.sv != nil }

// Satisfies reports whether the version is semver and inside the range c.
// Non-semver versions satisfy no range.
func (v Version) Satisfies(c *semver.Constraints) bool {
	return v.sv != nil && c != nil && c.Check(v.sv)
}
