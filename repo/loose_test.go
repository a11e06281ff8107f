package repo

import "testing"

func TestCompareLoose(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.9.0", "1.9", 1},
		{"1.9", "1.9.0", -1},
		{"1.14", "2.0", -1},
		{"1.10", "1.9", 1},
		{"1.10", "1.10", 0},
		{"0.0", "1.8", -1},
		{"999", "2.0", 1},
		{"2.1", "2.0", 1},
		{"1.11", "1.11.0", -1},
		{"1.9a", "1.9b", -1},
		{"1.9", "1.9a", -1},
		{"1.9.1", "1.9a", -1}, // a number sorts before a word
		{"1-2", "1.2", 1},     // "-" is a word of its own, after the number 2
		{"007", "7", 0},
		{"99999999999999999999999", "1", 1},
	}
	for _, tt := range tests {
		if got := CompareLoose(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareLoose(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
