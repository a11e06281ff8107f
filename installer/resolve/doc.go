// Package resolve chooses, for a package and its dependency graph, one
// revision of each package: version ranges, optional dependencies,
// repositories by priority then newest release, what is already installed
// kept, backtracking with conflict-directed backjumping, and an explanation
// a person can act on when there is no solution.
package resolve
