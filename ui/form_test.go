package ui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer/render"
	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo"
)

func decodeSchema(t *testing.T, s string) map[string]any {
	t.Helper()
	v, err := decodeValue(s)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	return v.(map[string]any)
}

func ptr(f float64) *float64 { return &f }

// TestForm is the table of config.json schemas → form fields → the
// options the form's values amount to.
func TestForm(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   []Field
		// values are what the user leaves in the form; options what they
		// amount to.
		values  map[string]string
		options string
		errs    []FieldError
	}{
		{
			name: "nested groups in file order, required, defaults and types",
			schema: `{"type":"object","properties":{
				"service":{"type":"object","title":"Service","description":"the service","required":["name"],"properties":{
					"name":{"type":"string","default":"spark","description":"its name"},
					"cpus":{"type":"number","default":1.0,"minimum":0.1},
					"count":{"type":"integer","default":3,"maximum":9},
					"debug":{"type":"boolean","default":false}}},
				"a_top":{"type":"string"}}}`,
			want: []Field{
				{Pointer: "/service", Name: "service", Label: "Service", Description: "the service", Kind: KindGroup, Fields: []Field{
					{Pointer: "/service/name", Name: "name", Label: "name", Description: "its name", Kind: KindText, Required: true, Value: "spark", Default: "spark", HasDefault: true},
					{Pointer: "/service/cpus", Name: "cpus", Label: "cpus", Kind: KindNumber, Value: "1", Default: json.Number("1.0"), HasDefault: true, Minimum: ptr(0.1)},
					{Pointer: "/service/count", Name: "count", Label: "count", Kind: KindInteger, Value: "3", Default: json.Number("3"), HasDefault: true, Maximum: ptr(9)},
					{Pointer: "/service/debug", Name: "debug", Label: "debug", Kind: KindCheckbox, Value: "false", Default: false, HasDefault: true},
				}},
				{Pointer: "/a_top", Name: "a_top", Label: "a_top", Kind: KindText},
			},
			values:  map[string]string{"/service/name": "spark", "/service/cpus": "2.5", "/service/count": "3", "/service/debug": "true", "/a_top": ""},
			options: `{"service":{"cpus":2.5,"debug":true}}`,
		},
		{
			name: "enum as select, secrets (any type, and inside a secret object) without their defaults, arrays and free objects as JSON",
			schema: `{"properties":{
				"mode":{"type":"string","enum":["a","b"],"default":"a"},
				"level":{"enum":[1,2,3]},
				"token":{"type":"string","media":{"type":"application/x-secret+string"},"default":"hunter2"},
				"key":{"type":"string","secret":true},
				"pin":{"type":"integer","secret":true,"default":1234},
				"creds":{"type":"object","media":" Application/X-Secret+String ","properties":{"user":{"type":"string","default":"root"}}},
				"hosts":{"type":"array","default":["x"]},
				"env":{"type":"object","description":"free-form"}}}`,
			want: []Field{
				{Pointer: "/mode", Name: "mode", Label: "mode", Kind: KindSelect, Value: `"a"`, Default: "a", HasDefault: true, Choices: []string{`"a"`, `"b"`}},
				{Pointer: "/level", Name: "level", Label: "level", Kind: KindSelect, Choices: []string{"1", "2", "3"}},
				{Pointer: "/token", Name: "token", Label: "token", Kind: KindPassword, Secret: true},
				{Pointer: "/key", Name: "key", Label: "key", Kind: KindPassword, Secret: true},
				{Pointer: "/pin", Name: "pin", Label: "pin", Kind: KindInteger, Secret: true},
				{Pointer: "/creds", Name: "creds", Label: "creds", Kind: KindGroup, Secret: true, Fields: []Field{
					{Pointer: "/creds/user", Name: "user", Label: "user", Kind: KindPassword, Secret: true},
				}},
				{Pointer: "/hosts", Name: "hosts", Label: "hosts", Kind: KindJSON, Value: "[\n  \"x\"\n]", Default: []any{"x"}, HasDefault: true},
				{Pointer: "/env", Name: "env", Label: "env", Description: "free-form", Kind: KindJSON},
			},
			values:  map[string]string{"/mode": `"b"`, "/level": "2", "/token": "", "/key": "s3cret", "/hosts": `["x"]`, "/env": `{"A":"1"}`, "/pin": "", "/creds/user": ""},
			options: `{"mode":"b","level":2,"key":"s3cret","env":{"A":"1"}}`,
		},
		{
			name:   "a parent's default fills its children; pointers escape / and ~",
			schema: `{"properties":{"g":{"type":"object","default":{"a/b":"x"},"properties":{"a/b":{"type":"string"},"c~d":{"type":"integer"}}}}}`,
			want: []Field{
				{Pointer: "/g", Name: "g", Label: "g", Kind: KindGroup, Fields: []Field{
					{Pointer: "/g/a~1b", Name: "a/b", Label: "a/b", Kind: KindText, Value: "x", Default: "x", HasDefault: true},
					{Pointer: "/g/c~0d", Name: "c~d", Label: "c~d", Kind: KindInteger},
				}},
			},
			values:  map[string]string{"/g/a~1b": "y", "/g/c~0d": "4"},
			options: `{"g":{"a/b":"y","c~d":4}}`,
		},
		{
			name:    "values that cannot be typed are errors at their pointer, all at once",
			schema:  `{"properties":{"n":{"type":"integer"},"f":{"type":"number"},"j":{"type":"array"},"e":{"enum":["a"]},"b":{"type":"boolean"},"pin":{"type":"integer","secret":true}}}`,
			want:    nil, // not compared
			values:  map[string]string{"/n": "1.5", "/f": "abc", "/j": "[1,", "/e": `"z"`, "/b": "maybe", "/nope": "1", "/pin": "12.34"},
			options: `{}`,
			errs: []FieldError{
				{Pointer: "/n", Message: "expected a whole number, found 1.5"},
				{Pointer: "/f", Message: `expected a number, found "abc"`},
				{Pointer: "/j", Message: "not valid JSON: unexpected EOF"},
				{Pointer: "/e", Message: `"z" is not one of the choices "a"`},
				{Pointer: "/b", Message: `expected true or false, found "maybe"`},
				{Pointer: "/nope", Message: "the package has no option /nope"},
				{Pointer: "/pin", Message: "the value does not fit: integer expected"},
			},
		},
		{
			name:   "defaults of the wrong type: unchanged, they stay as they are; changed, the value takes the schema's type",
			schema: `{"properties":{"port":{"type":"number","default":"3306"},"optin":{"type":"boolean","default":""},"req":{"type":"integer"}},"required":["req"]}`,
			want: []Field{
				{Pointer: "/port", Name: "port", Label: "port", Kind: KindNumber, Value: "3306", Default: "3306", HasDefault: true},
				{Pointer: "/optin", Name: "optin", Label: "optin", Kind: KindCheckbox, Value: "false", Default: "", HasDefault: true},
				{Pointer: "/req", Name: "req", Label: "req", Kind: KindInteger, Required: true},
			},
			values:  map[string]string{"/port": "3307", "/optin": "false", "/req": ""},
			options: `{"port":3307}`,
		},
		{
			name:    "a null default leaves text and numbers empty, and empty keeps the default",
			schema:  `{"properties":{"s":{"type":["string","null"],"default":null},"n":{"type":"number","default":null}}}`,
			want:    []Field{{Pointer: "/s", Name: "s", Label: "s", Kind: KindText, HasDefault: true}, {Pointer: "/n", Name: "n", Label: "n", Kind: KindNumber, HasDefault: true}},
			values:  map[string]string{"/s": "", "/n": ""},
			options: `{}`,
		},
		{
			name:    "a title labels the control; an untyped schema with properties is a group",
			schema:  `{"properties":{"o":{"title":"Outer","properties":{"x":{"type":"string","title":"The X"}}}}}`,
			want:    []Field{{Pointer: "/o", Name: "o", Label: "Outer", Kind: KindGroup, Fields: []Field{{Pointer: "/o/x", Name: "x", Label: "The X", Kind: KindText}}}},
			values:  map[string]string{"/o/x": "v"},
			options: `{"o":{"x":"v"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := Form(decodeSchema(t, tt.schema), []byte(tt.schema))
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, form); diff != "" {
					t.Errorf("Form() mismatch (-want +got):\n%s", diff)
				}
			}
			opts, errs := Options(form, tt.values)
			got, _ := json.Marshal(opts)
			var gotV, wantV any
			_ = json.Unmarshal(got, &gotV)
			_ = json.Unmarshal([]byte(tt.options), &wantV)
			if diff := cmp.Diff(wantV, gotV); diff != "" {
				t.Errorf("Options() mismatch (-want +got):\n%s", diff)
			}
			// Order of errors follows the form; compare as sets.
			if diff := cmp.Diff(sortErrs(tt.errs), sortErrs(errs)); diff != "" {
				t.Errorf("Options() errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func sortErrs(es []FieldError) []FieldError {
	out := append([]FieldError(nil), es...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].Pointer < out[i].Pointer {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// untouched returns the values of a form nobody has changed.
func untouched(form []Field) map[string]string {
	values := map[string]string{}
	var walk func(fs []Field)
	walk = func(fs []Field) {
		for _, f := range fs {
			if f.Kind == KindGroup {
				walk(f.Fields)
				continue
			}
			values[f.Pointer] = f.Value
		}
	}
	walk(form)
	return values
}

// checkRoundTrip checks that every revision's untouched form amounts to
// no options at all: an untouched form installs the defaults, exactly as
// the CLI without --options does.
func checkRoundTrip(t *testing.T, tree *repo.Tree) (revisions, controls int) {
	t.Helper()
	for _, p := range tree.Packages {
		for _, rev := range p.Revisions {
			if rev.Config == nil {
				continue
			}
			cfg, ok := rev.Config.Object()
			if !ok {
				continue
			}
			form := Form(cfg, rev.Config.Data)
			values := untouched(form)
			opts, errs := Options(form, values)
			if len(errs) > 0 || len(opts) > 0 {
				t.Errorf("%s/%d: Options(untouched form) = %v, %v; want no options and no errors", p.Name, rev.Release, opts, errs)
			}
			revisions++
			controls += len(values)
		}
	}
	return revisions, controls
}

func TestFormRoundTripBuiltin(t *testing.T) {
	if n, c := checkRoundTrip(t, builtinTree(t)); n < 20 || c < 100 {
		t.Errorf("checked %d revisions, %d controls; want the whole built-in repository", n, c)
	}
}

func TestFormRoundTripCorpus(t *testing.T) {
	tree, err := repo.Load(context.Background(), repo.DirFS(sharedtest.Corpus(t)))
	if err != nil {
		t.Fatal(err)
	}
	n, c := checkRoundTrip(t, tree)
	if n < 1000 {
		t.Errorf("checked %d revisions, want the corpus's", n)
	}
	t.Logf("%d revisions, %d controls", n, c)
}

func TestKeyOrder(t *testing.T) {
	got := keyOrder([]byte(`{"b":1,"a":{"z":[{"y":1,"x":2}],"c":3}}`))
	want := map[string][]string{"": {"b", "a"}, "/a": {"z", "c"}, "/a/z/0": {"y", "x"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keyOrder mismatch (-want +got):\n%s", diff)
	}
	if got := keyOrder([]byte(`{"b":1,"a":`)); !strings.Contains(strings.Join(got[""], ","), "b") {
		t.Errorf("keyOrder(truncated) = %v, want what was read", got)
	}
}

func TestViolationErrors(t *testing.T) {
	got := violationErrors([]render.OptionViolation{
		{Pointer: "/service", Keyword: "required", Message: `missing required property "a/b"`},
		{Pointer: "/service/cpus", Keyword: "minimum", Message: "0 is less than the minimum 0.1"},
	})
	want := []FieldError{
		{Pointer: "/service/a~1b", Message: "required: enter a value"},
		{Pointer: "/service/cpus", Message: "0 is less than the minimum 0.1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violationErrors mismatch (-want +got):\n%s", diff)
	}
}
