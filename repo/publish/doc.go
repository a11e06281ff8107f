// Package publish owns releasing a package revision into a Universe-layout
// tree: the checks only a release can make (new version, upgrade graph,
// dependencies, revision numbering), the atomic write of the revision
// directory, and the immutability of revisions already released.
package publish
