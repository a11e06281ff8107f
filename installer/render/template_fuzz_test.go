package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/packages"
	"github.com/universe-pm/universe/repo"
)

// fuzzConfig is the config.json of FuzzTemplate's package: a string, a
// number, a list and an object, so sections have something to repeat.
var fuzzConfig = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"service": map[string]any{"type": "object", "properties": map[string]any{
			"name": map[string]any{"type": "string", "default": "svc"},
			"cpus": map[string]any{"type": "number", "default": json.Number("0.5")},
		}},
		"list": map[string]any{"type": "array", "default": []any{"a", json.Number("1"), map[string]any{"k": "v"}}},
		"tmpl": map[string]any{"type": "string", "default": `{"x": "{{service.name}}"}`},
	},
}

// FuzzTemplate renders arbitrary template text with arbitrary options: no
// template may panic, overflow the stack or grow past MaxOutputSize; each
// render either fails with a complete *Error whose line is inside the
// template, or gives a JSON object with the requested app id; and the same
// render twice gives the same bytes. Seeds are the built-in templates and
// a sample of the corpus's.
func FuzzTemplate(f *testing.F) {
	seeds := []string{
		`{"id": "{{service.name}}", "cpus": {{service.cpus}}, "cmd": "{{#list}}{{.}} {{/list}}"}`,
		`{"id": "x", "env": {{#asJson}}tmpl{{/asJson}}}`,
		`{"id": "x"{{^list.isEmpty}}, "args": [{{#list}}"{{k}}",{{/list}} "end"]{{/list.isEmpty}}}`,
		`{{=<% %>=}}{"id": "<% service.name %>"}`,
		`{"id": "{{> partial}}"}`,
		`{"id": "{{#service}}{{name}}{{/service}}", "cmd": "{{{service.name}}}{{& service.name}}"}`,
		`{{#list}}{{#list}}{{#list}}{"id": "x"}{{/list}}{{/list}}{{/list}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), []byte(`{}`))
	}
	f.Add([]byte(`{"id": "{{#asJson}}tmpl{{/asJson}}"}`), []byte(`{"tmpl": "{{#asJson}}tmpl{{/asJson}}"}`))
	f.Add([]byte(`{"id": "{{#list}}{{#list}}{{tmpl}}{{/list}}{{/list}}"}`), []byte(`{"list": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}`))
	err := fs.WalkDir(packages.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || path.Base(p) != repo.TemplateFile {
			return err
		}
		b, err := fs.ReadFile(packages.FS(), p)
		f.Add(b, []byte(`{}`))
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range sharedtest.CorpusFiles(60, repo.TemplateFile) {
		f.Add(b, []byte(`{}`))
	}
	f.Fuzz(func(t *testing.T, tmpl, options []byte) {
		opts, err := DecodeOptions(options)
		if err != nil {
			opts = nil
		}
		rev := &repo.Revision{
			Package: "fuzz", Name: "fuzz", Version: repo.ParseVersion("1.0.0"), PackagingVersion: "4.0", Dir: "F/fuzz/0",
			PackageJSON: &repo.File{Path: "F/fuzz/0/package.json", Value: map[string]any{"name": "fuzz", "version": "1.0.0"}},
			Config:      &repo.File{Path: "F/fuzz/0/config.json", Value: fuzzConfig},
			Template:    &repo.File{Path: "F/fuzz/0/" + repo.TemplateFile, Data: tmpl},
		}
		req := Request{Revision: rev, Options: opts, AppID: "/fuzz/app", SkipValidation: true, SkipLabels: len(tmpl)%2 == 0}
		res, err := Render(context.Background(), req)
		if err != nil {
			var re *Error
			if !errors.As(err, &re) || re.Stage == "" || re.Message == "" || re.File == "" {
				t.Fatalf("Render: error %v is not a complete *render.Error", err)
			}
			if lines := bytes.Count(tmpl, []byte("\n")) + 1; re.File == rev.Template.Path && re.Line > lines {
				t.Fatalf("Render: error at line %d of a %d-line template: %v", re.Line, lines, err)
			}
			if errors.Is(err, ErrOutputTooLarge) != strings.Contains(re.Message, "output is larger than the limit of") {
				t.Fatalf("Render: output-limit error %v does not say so", err)
			}
			return
		}
		if len(res.Rendered) > MaxOutputSize {
			t.Fatalf("Render gave %d bytes, over MaxOutputSize", len(res.Rendered))
		}
		var v map[string]any
		if err := json.Unmarshal(res.JSON, &v); err != nil {
			t.Fatalf("Render gave invalid JSON %s: %v", res.JSON, err)
		}
		if v["id"] != "/fuzz/app" {
			t.Fatalf("Render gave id %v, want /fuzz/app", v["id"])
		}
		again, err := Render(context.Background(), req)
		if err != nil || !bytes.Equal(again.JSON, res.JSON) || !bytes.Equal(again.Rendered, res.Rendered) {
			t.Fatalf("Render twice: %s then %v, %v", res.JSON, again, err)
		}
	})
}

// FuzzSet applies a --set expression to an options document: it never
// panics; malformed expressions and paths through non-objects fail with an
// error naming the expression and leave the options as they were; a good
// one puts the value (JSON when it parses, else the text) at the dotted
// path and changes nothing beside it.
func FuzzSet(f *testing.F) {
	for _, s := range []struct{ expr, doc string }{
		{"service.name=web", `{}`},
		{`labels.a\.b=x`, `{"labels": {"c": "d"}}`},
		{"node.count=3", `{"node": {"count": 1, "mem": 512}}`},
		{"node.count.x=3", `{"node": {"count": 1}}`},
		{`a={"b": [1, 2.5e3, null]}`, `{}`},
		{`a="quoted"`, `{}`},
		{"a..b=1", `{}`},
		{"=1", `{}`},
		{"noequals", `{}`},
		{`a\=b`, `{}`},
		{`x\\.y\.=1`, `{"x\\": {}}`},
	} {
		f.Add(s.expr, []byte(s.doc))
	}
	f.Fuzz(func(t *testing.T, expr string, doc []byte) {
		dst, err := DecodeOptions(doc)
		if err != nil {
			dst = map[string]any{}
		}
		before := clone(dst).(map[string]any)
		err = ParseSet(dst, expr)
		p, raw, hasEq := strings.Cut(expr, "=")
		keys := splitPath(p)
		empty := false
		for _, k := range keys {
			empty = empty || k == ""
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--set ") || !strings.Contains(err.Error(), fmt.Sprintf("%q", expr)) {
				t.Fatalf("ParseSet(%q) = %v: error does not name the expression", expr, err)
			}
			if !reflect.DeepEqual(dst, before) {
				t.Fatalf("ParseSet(%q) failed (%v) but changed the options:\n%v\nwas\n%v", expr, err, dst, before)
			}
			return
		}
		if !hasEq || empty {
			t.Fatalf("ParseSet(%q) = nil, want an error (keys %q)", expr, keys)
		}
		var want any = raw
		if v, err := decodeJSON([]byte(raw)); err == nil {
			want = v
		}
		var got any = dst
		for _, k := range keys {
			got = got.(map[string]any)[k]
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseSet(%q) put %#v at %q, want %#v", expr, got, keys, want)
		}
		for k, v := range before {
			if k != keys[0] && !reflect.DeepEqual(dst[k], v) {
				t.Fatalf("ParseSet(%q) changed %q from %v to %v", expr, k, v, dst[k])
			}
		}
		// The path written back with \. for dots reads the same keys.
		esc := make([]string, len(keys))
		for i, k := range keys {
			esc[i] = strings.ReplaceAll(k, ".", `\.`)
		}
		if !strings.HasSuffix(strings.Join(keys, ""), `\`) && !strings.Contains(strings.Join(keys, "\x00"), "\\\x00") {
			if back := splitPath(strings.Join(esc, ".")); !reflect.DeepEqual(back, keys) {
				t.Fatalf("splitPath(%q) = %q, want %q", strings.Join(esc, "."), back, keys)
			}
		}
	})
}
