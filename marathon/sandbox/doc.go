// Package sandbox is a local Marathon: the REST API of the marathon package's
// reference (apps, groups, deployments, queue, events), deployment plans and
// locks, simulated agents with placement under constraints, tasks on a
// controllable clock, faults on demand and optional durable state. It knows
// nothing of packages or repositories.
package sandbox
