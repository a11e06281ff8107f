package repo

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity says how much a Finding matters.
type Severity int

// The severities, most serious first.
const (
	Error Severity = iota
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalJSON encodes the severity as its name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON decodes a severity name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	switch name {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	default:
		return fmt.Errorf("unknown severity %q", name)
	}
	return nil
}

// Finding is one problem found in a package tree: where it is (file,
// line:column, JSON pointer), which rule found it and what is wrong.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	// File is the path of the file (or directory) relative to the tree root,
	// with forward slashes, e.g. "S/spark/100/package.json".
	File string `json:"file"`
	// Line and Col are 1-based; 0 when the finding has no position.
	Line int `json:"line,omitempty"`
	Col  int `json:"column,omitempty"`
	// Pointer is the RFC 6901 JSON pointer inside File ("" for the whole file).
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	// Package and Release locate the revision the finding belongs to; Release
	// is -1 for findings about a package or the tree as a whole.
	Package string `json:"package,omitempty"`
	Release int    `json:"release"`
}

// String formats the finding as "file:line:col: severity: message [rule]".
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.File)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Line)
		if f.Col > 0 {
			fmt.Fprintf(&b, ":%d", f.Col)
		}
	}
	fmt.Fprintf(&b, ": %s: %s", f.Severity, f.Message)
	if f.Pointer != "" {
		fmt.Fprintf(&b, " (at %s)", f.Pointer)
	}
	fmt.Fprintf(&b, " [%s]", f.Rule)
	return b.String()
}
