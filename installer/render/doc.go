// Package render turns a package revision and a user's options into the
// Marathon JSON that DC/OS Cosmos 0.6 would produce for it: defaults, merge,
// option validation, mustache with Cosmos's value conversion, DCOS_PACKAGE_*
// labels and, last, Marathon's own app and group rules. It also owns secret
// options: which they are, and their redaction (Secrets) everywhere else.
package render
