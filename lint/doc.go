// Package lint owns the validation rules for a package tree and their
// runner: everything Universe's validator checks and what it never did
// (duplicate keys, defaults, references, dependencies), as structured findings.
package lint
