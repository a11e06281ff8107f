// Package journal records installs durably under $XDG_STATE_HOME/universe/:
// each install's request and progress (so an interrupted install can be
// resumed), and per-package locks with an owner and an expiry (so two
// installs touching the same packages never interleave).
package journal
