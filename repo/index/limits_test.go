package index_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/universe-pm/universe/repo/index"
)

func TestDecodeLimits(t *testing.T) {
	entries := func(n int) string {
		return `{"packages": [` + strings.TrimSuffix(strings.Repeat(`{"name": "a"}, `, n), ", ") + `]}`
	}
	if ix, err := index.Decode([]byte(entries(index.MaxEntries))); err != nil || len(ix.Entries) != index.MaxEntries {
		t.Fatalf("Decode of MaxEntries entries = %v", err)
	}
	_, err := index.Decode([]byte(entries(index.MaxEntries + 1)))
	if !errors.Is(err, index.ErrTooManyEntries) || !strings.Contains(err.Error(), "more than 100000 package entries") {
		t.Errorf("Decode of MaxEntries+1 entries = %v, want ErrTooManyEntries naming the limit", err)
	}
	_, err = index.Decode([]byte(`{"packages": [{"name": "a"}], "packages": [{"name": "b"}]}`))
	if !errors.Is(err, index.ErrSyntax) || !strings.Contains(err.Error(), `a second "packages" member`) {
		t.Errorf("Decode with two packages arrays = %v, want ErrSyntax", err)
	}
	ix, err := index.Decode([]byte(`{"packages": [{"releaseVersion": 0}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := index.Package(context.Background(), "", ix.Entries); !errors.Is(err, index.ErrSyntax) {
		t.Errorf("Package of a nameless entry = %v, want ErrSyntax", err)
	}
}

func TestParseDepthLimit(t *testing.T) {
	const depth = 10000
	if _, err := index.Parse([]byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))); err != nil {
		t.Errorf("Parse at the depth limit: %v", err)
	}
	_, err := index.Parse([]byte(strings.Repeat(`{"a":`, depth+1) + "1" + strings.Repeat("}", depth+1)))
	if !errors.Is(err, index.ErrSyntax) || !strings.Contains(err.Error(), "nesting deeper than the limit of 10000") {
		t.Errorf("Parse over the depth limit = %v, want ErrSyntax about depth", err)
	}
}
