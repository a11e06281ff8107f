// Package trust signs and verifies built repositories: ed25519 keys in
// standard PEM encodings, the signed envelope (index.sig.json) that pins
// the version, expiry and sha256 of every file a repository serves, and
// the client's record of the highest version seen per repository, which
// refuses rollbacks.
package trust
