// Package packages holds universe's built-in package repository, embedded in the binary.
//
// The tree follows the Universe layout, <LETTER>/<name>/<revision>/ with package.json,
// config.json, resource.json and marathon.json.mustache in every revision; all packages
// use packagingVersion 6.0.
package packages

import (
	"embed"
	"io/fs"
)

// tree embeds exactly the single upper-case letter directories (A/, B/, ...);
// this file stays out of the tree, and so do hidden files such as editor
// swap files, because the pattern has no all: prefix.
//
//go:embed [A-Z]
var tree embed.FS

// index is the native index of tree (index.json, written by `go generate
// ./packages`). It pins the sha256 of every revision, so that the
// packages the binary carries can be checked against it; a test fails
// when it is out of date.
//
//go:generate go run gen_index.go
//go:embed index.json
var index []byte

// Index returns the native (v6) index of FS(): every revision with the
// sha256 of its content. Callers must not modify it.
func Index() []byte { return index }

// FS returns the built-in package tree, rooted at the letter directories (A/, B/, ...).
func FS() fs.FS { return tree }
