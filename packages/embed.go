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

// FS returns the built-in package tree, rooted at the letter directories (A/, B/, ...).
func FS() fs.FS { return tree }
