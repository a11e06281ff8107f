// Package repo owns the package model of a Universe-layout repository:
// packages, revisions, versions and dependencies, loaded concurrently from
// any fs.FS (a directory, the embedded built-in tree, a test map).
package repo
