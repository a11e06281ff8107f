// Package remote is the client side of repositories: the user's ordered
// repository list (config.json), fetching indexes with retries, an
// on-disk cache revalidated with ETags, size and media-type checks, and
// sha256 verification of native indexes. It reads index formats through
// repo/index; a fetched Repository is a repo/catalog Source, and
// resolution across repositories is the catalog's business.
package remote
