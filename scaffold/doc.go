// Package scaffold owns the starter packagingVersion 6.0 revision that
// `universe scaffold` writes: its embedded template files and the rule for
// package names.
package scaffold
