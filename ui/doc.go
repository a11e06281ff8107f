// Package ui serves universe's dashboard: the catalog, a package's options
// form with its rendered Marathon JSON and install plan, live install
// progress, the installed services and the cluster. Every action calls the
// same library functions as the CLI (repo/catalog, installer).
package ui
