package render

import (
	"encoding/json"
	"errors"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaults(t *testing.T) {
	config, _ := decodeJSON([]byte(`{"properties": {
  "a": {"type": "object", "default": {"x": 1}, "properties": {"y": {"default": 2}}},
  "b": {"properties": {"c": {"default": [1, "two"]}, "d": {"type": "string"}}},
  "e": {"properties": {"f": {"type": "string"}}},
  "g": {"type": "array", "items": {"default": 5}},
  "h": {"$ref": "#/definitions/x"},
  "i": {"default": null},
  "j": "not a schema"
}}`))
	want := map[string]any{
		"a": map[string]any{"x": json.Number("1")},               // default taken whole
		"b": map[string]any{"c": []any{json.Number("1"), "two"}}, // recursion
		"i": nil,                                                 // an explicit null default
	}
	if diff := cmp.Diff(want, Defaults(config.(map[string]any))); diff != "" {
		t.Errorf("Defaults (-want +got):\n%s", diff)
	}
}

func TestMerge(t *testing.T) {
	base := map[string]any{"a": map[string]any{"x": 1, "y": 2}, "l": []any{1, 2}, "s": "keep", "n": 1}
	over := map[string]any{"a": map[string]any{"y": 3, "z": 4}, "l": []any{9}, "n": nil, "new": true}
	want := map[string]any{"a": map[string]any{"x": 1, "y": 3, "z": 4}, "l": []any{9}, "s": "keep", "n": nil, "new": true}
	got := Merge(base, over)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Merge (-want +got):\n%s", diff)
	}
	got["a"].(map[string]any)["x"] = 100
	if base["a"].(map[string]any)["x"] != 1 {
		t.Error("Merge shares maps with its base")
	}
}

func TestParseSet(t *testing.T) {
	tests := []struct {
		exprs []string
		want  map[string]any
	}{
		{[]string{"service.cpus=0.5"}, map[string]any{"service": map[string]any{"cpus": json.Number("0.5")}}},
		{[]string{"service.name=kafka"}, map[string]any{"service": map[string]any{"name": "kafka"}}},
		{[]string{`service.name="007"`}, map[string]any{"service": map[string]any{"name": "007"}}},
		{[]string{"a=true", "b=null", "c=", "d=[1,\"x\"]", `e={"k":1}`}, map[string]any{
			"a": true, "b": nil, "c": "", "d": []any{json.Number("1"), "x"}, "e": map[string]any{"k": json.Number("1")}}},
		{[]string{"a=1 2"}, map[string]any{"a": "1 2"}},
		{[]string{"a=x=y"}, map[string]any{"a": "x=y"}},
		{[]string{`labels.a\.b=1`}, map[string]any{"labels": map[string]any{"a.b": json.Number("1")}}},
		{[]string{"s.a=1", "s.b=2"}, map[string]any{"s": map[string]any{"a": json.Number("1"), "b": json.Number("2")}}},
	}
	for _, tt := range tests {
		got := map[string]any{}
		for _, e := range tt.exprs {
			if err := ParseSet(got, e); err != nil {
				t.Fatalf("ParseSet(%q): %v", e, err)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSet(%q) (-want +got):\n%s", tt.exprs, diff)
		}
	}
	for _, bad := range []string{"noequals", "=1", "a..b=1"} {
		if err := ParseSet(map[string]any{}, bad); err == nil {
			t.Errorf("ParseSet(%q) succeeded, want an error", bad)
		}
	}
	dst := map[string]any{"a": "string"}
	if err := ParseSet(dst, "a.b=1"); err == nil || err.Error() != `--set "a.b=1": a is a string, not an object` {
		t.Errorf("ParseSet over a string: %v", err)
	}
}

func TestParseSetFile(t *testing.T) {
	read := func(name string) ([]byte, error) {
		if name == "cert.pem" {
			return []byte("-----BEGIN\n\"x\"\n"), nil
		}
		return nil, fs.ErrNotExist
	}
	got := map[string]any{}
	if err := ParseSetFile(got, "tls.cert=cert.pem", read); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"tls": map[string]any{"cert": "-----BEGIN\n\"x\"\n"}}, got); diff != "" {
		t.Errorf("ParseSetFile (-want +got):\n%s", diff)
	}
	if err := ParseSetFile(got, "a=missing", read); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ParseSetFile(missing) = %v", err)
	}
}

func TestDecodeOptions(t *testing.T) {
	for _, bad := range []string{`[1]`, `{"a":1} x`, `{`} {
		if _, err := DecodeOptions([]byte(bad)); err == nil {
			t.Errorf("DecodeOptions(%q) succeeded", bad)
		}
	}
	m, err := DecodeOptions([]byte(`{"n": 1.0}`))
	if err != nil || m["n"] != json.Number("1.0") {
		t.Errorf("DecodeOptions = %v, %v", m, err)
	}
}
