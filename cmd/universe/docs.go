package main

// The command reference in docs/cli/ is generated from the command
// definitions by TestCLIDocs (docs_test.go), which fails when it is stale.
// Regenerate it after changing a command's text or flags:
//
//	go generate ./cmd/universe
//
//go:generate go test -run ^TestCLIDocs$ -update .
