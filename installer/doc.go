// Package installer installs packages onto Marathon with their
// dependencies: it resolves the graph (installer/resolve), renders a plan in
// waves (installer/render), checks the cluster, deploys wave by wave until
// healthy, rolls back or halts on failure, records progress durably
// (installer/journal), and lists, uninstalls and upgrades what is installed.
// It never prints: progress goes through Config.OnEvent.
package installer
