// Package index builds and decodes repository indexes: the Cosmos-compatible
// files the Universe generator writes (universe.json, repo-up-to-<dcos>.json
// with their downgrades, split files) and our native v6 index with
// dependencies and per-revision sha256 digests.
//
// It is a package of its own, beside repo (the model), repo/serve (the
// consumption protocol over HTTP) and repo/remote (fetching, caching and
// resolving across repositories), because both the server and the client
// need the index format while neither needs the other: the dependency
// graph is repo ← index ← {serve, remote}, with no cycles and no HTTP in
// the format code.
package index
