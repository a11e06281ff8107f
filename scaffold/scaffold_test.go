package scaffold

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"hello", true}, {"hello-world", true}, {"a1", true}, {"ab", true},
		{"a", false}, {"Hello", false}, {"1abc", false}, {"abc-", false}, {"a_b", false}, {"", false}, {"a/b", false},
	}
	for _, tt := range tests {
		if got := ValidName(tt.name); got != tt.want {
			t.Errorf("ValidName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFiles(t *testing.T) {
	files, err := Files("my-svc")
	if err != nil {
		t.Fatalf("Files(%q) = %v", "my-svc", err)
	}
	if len(files) != 4 {
		t.Fatalf("Files returned %d files, want 4", len(files))
	}
	for _, f := range files {
		if strings.Contains(string(f.Data), placeholder) {
			t.Errorf("%s still holds %s", f.Name, placeholder)
		}
		if strings.HasSuffix(f.Name, ".json") && !json.Valid(f.Data) {
			t.Errorf("%s is not valid JSON", f.Name)
		}
	}
	var meta struct{ Name, PackagingVersion string }
	if err := json.Unmarshal(files[0].Data, &meta); err != nil || meta.Name != "my-svc" || meta.PackagingVersion != "6.0" {
		t.Errorf("package.json = %+v, %v; want name my-svc, packagingVersion 6.0", meta, err)
	}
	var invalid *InvalidNameError
	if _, err := Files("Bad"); !errors.As(err, &invalid) {
		t.Errorf("Files(%q) error = %v, want *InvalidNameError", "Bad", err)
	}
}
