package render

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/universe-pm/universe/repo"
)

func limitRevision(tmpl string) *repo.Revision {
	return &repo.Revision{
		Package: "big", Name: "big", Version: repo.ParseVersion("1.0.0"), PackagingVersion: "4.0", Dir: "B/big/0",
		PackageJSON: &repo.File{Path: "B/big/0/package.json", Value: map[string]any{"name": "big"}},
		Config:      &repo.File{Path: "B/big/0/config.json", Value: map[string]any{"type": "object"}},
		Template:    &repo.File{Path: "B/big/0/" + repo.TemplateFile, Data: []byte(tmpl)},
	}
}

func TestOutputLimit(t *testing.T) {
	list := make([]any, 2000)
	for i := range list {
		list[i] = strings.Repeat("x", 10_000)
	}
	tests := []struct {
		name, tmpl string
		opts       map[string]any
	}{
		// 2000 × 10 KB of variables, written one by one: the engine ignores
		// the refused writes, the budget notices.
		{"variables", `{"id": "x", "cmd": "{{#l}}{{.}}{{/l}}"}`, map[string]any{"l": list}},
		// Text repeated: the engine stops at the first refused write.
		{"text", `{"id": "x", "cmd": "{{#l}}` + strings.Repeat("y", 10_000) + `{{/l}}"}`, map[string]any{"l": list}},
		// The output of an asJson lambda counts too.
		{"asJson", `{"id": "x", "cmd": "{{#asJson}}t{{/asJson}}"}`, map[string]any{"l": list, "t": "{{#l}}{{.}}{{/l}}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(context.Background(), Request{Revision: limitRevision(tt.tmpl), Options: tt.opts, SkipValidation: true})
			var re *Error
			if !errors.Is(err, ErrOutputTooLarge) || !errors.As(err, &re) {
				t.Fatalf("Render = %v, want an *Error wrapping ErrOutputTooLarge", err)
			}
			if re.Stage != StageTemplate || re.File != "B/big/0/"+repo.TemplateFile || !strings.Contains(re.Message, "limit of 16777216 bytes") {
				t.Errorf("Render = %+v, want stage template, the template's file and the limit", re)
			}
		})
	}
	// Just under the limit renders.
	small := list[:1000]
	if _, err := Render(context.Background(), Request{Revision: limitRevision(`{"id": "x", "args": [{{#l}}{{.}}, {{/l}}""]}`), Options: map[string]any{"l": small}, SkipValidation: true, SkipMarathon: true}); err != nil {
		t.Errorf("Render of 10 MB: %v", err)
	}
}

// An option value that calls asJson on itself recursed until the stack
// overflowed, killing the process.
func TestAsJSONRecursion(t *testing.T) {
	rev := limitRevision(`{"id": "x", "cmd": "{{#asJson}}t{{/asJson}}"}`)
	_, err := Render(context.Background(), Request{Revision: rev, Options: map[string]any{"t": "{{#asJson}}t{{/asJson}}"}, SkipValidation: true})
	var re *Error
	if !errors.As(err, &re) || re.Stage != StageTemplate || !strings.Contains(re.Message, "nested more than 16 deep") {
		t.Fatalf("Render = %v, want a template error about asJson nesting", err)
	}
	// Nesting within the bound works.
	opts := map[string]any{"t": "{{#asJson}}u{{/asJson}}", "u": "{{#asJson}}v{{/asJson}}", "v": "ok"}
	res, err := Render(context.Background(), Request{Revision: rev, Options: opts, SkipValidation: true, SkipMarathon: true})
	if err != nil || res.Value["cmd"] != "ok" {
		t.Fatalf("Render = %v, %v; want cmd ok", res, err)
	}
}

// TestJSONDepthLimit: the rendered-output parser refuses nesting deeper
// than encoding/json does, at the offset where it gives up.
func TestJSONDepthLimit(t *testing.T) {
	if _, err := parseJSON([]byte(strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth))); err != nil {
		t.Errorf("parseJSON at the depth limit: %v", err)
	}
	_, err := parseJSON([]byte(strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1)))
	var je *jsonError
	if !errors.As(err, &je) || je.Msg != "exceeded max depth" || je.Offset != maxJSONDepth {
		t.Errorf("parseJSON over the depth limit = %v, want exceeded max depth at offset %d", err, maxJSONDepth)
	}
}

func TestOptionsSizeLimit(t *testing.T) {
	doc := []byte(`{"a": "` + strings.Repeat("x", MaxOptionsSize-10) + `"}`)
	if _, err := DecodeOptions(doc[:len(doc)-2]); err == nil {
		t.Fatal("DecodeOptions of broken JSON = nil")
	}
	if m, err := DecodeOptions(doc); err != nil || len(doc) > MaxOptionsSize || len(m) != 1 {
		t.Fatalf("DecodeOptions of %d bytes = %v", len(doc), err)
	}
	big := append([]byte(`{"b": 1, `), doc[1:]...)
	if _, err := DecodeOptions(big); err == nil || !strings.Contains(err.Error(), "over the limit of 8388608 bytes") {
		t.Errorf("DecodeOptions of %d bytes = %v, want the limit", len(big), err)
	}
	read := func(string) ([]byte, error) { return big, nil }
	if err := ParseSetFile(map[string]any{}, "a=f", read); err == nil || !strings.Contains(err.Error(), `--set-file "a=f": 8388615 bytes, over the limit of 8388608 bytes`) {
		t.Errorf("ParseSetFile of %d bytes = %v, want the limit", len(big), err)
	}
}
