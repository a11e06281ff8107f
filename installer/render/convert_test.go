package render

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEscapeJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`say "hi"`, `say \"hi\"`},
		{`C:\dir`, `C:\\dir`},
		{"a\nb\r\n", `a\nb\r\n`},
		{"a\tb", `a\tb`},
		{"\b\f", `\b\f`},
		{"\x01\x1f", `\u0001\u001f`},
		{"\x7f\u0085\u009f", `\u007f\u0085\u009f`},
		{"<VHOST> & more", "<VHOST> & more"},
		{"jdbc:mysql://h/db?a=1&b=2", "jdbc:mysql://h/db?a=1&b=2"},
		{"caf\u00e9 \u2019 \u00a0 日本", "caf\u00e9 \u2019 \u00a0 日本"},
		{"/slash/", "/slash/"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := escapeJSON(tt.in); got != tt.want {
			t.Errorf("escapeJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1", "1"},
		{"1.0", "1"},
		{"1.50e1", "15"},
		{"1e2", "100"},
		{"-0", "0"},
		{"-0.0", "0"},
		{"-42", "-42"},
		{"4200000000000000000", "4200000000000000000"},
		{"10737418240", "10737418240"},
		{"1.7976931348623157E308", "17976931348623157" + strings.Repeat("0", 292)},
		{"0.5", "0.5"},
		{"-2.25", "-2.25"},
		{"0.1", "0.1"},
		{"1e-7", "1.0E-7"},
		{"0.001", "0.001"},
		{"0.0001", "1.0E-4"},
		{"12345678.5", "1.23456785E7"},
		{"1234567.5", "1234567.5"},
		{"1.5e-400", "0.0"},
		{"1e1000000", "Infinity"}, // beyond circe's BigInt limit: a Double
	}
	for _, tt := range tests {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCosmosMode checks each rendering rule of cosmos-rendering.md §7 on a
// small template.
func TestCosmosMode(t *testing.T) {
	tests := []struct {
		name, template, data, want string
	}{
		{"no HTML escaping", `{{s}}|{{{s}}}|{{& s}}`, `{"s": "<a href='x'>&</a>"}`, `<a href='x'>&</a>|<a href='x'>&</a>|<a href='x'>&</a>`},
		{"strings JSON-escaped without quotes", `"{{s}}"`, `{"s": "say \"hi\"\n\tC:\\x"}`, `"say \"hi\"\n\tC:\\x"`},
		{"control characters", `{{s}}`, `{"s": "\u0001\u007f"}`, `\u0001\u007f`},
		{"non-ASCII as is", `{{s}}`, `{"s": "caf\u00e9"}`, "café"},
		{"whole numbers", `{{a}} {{b}} {{c}} {{d}}`, `{"a": 1, "b": 1.0, "c": 4200000000000000000, "d": 1e2}`, `1 1 4200000000000000000 100`},
		{"fractions as Java doubles", `{{a}} {{b}}`, `{"a": 0.5, "b": 1e-7}`, `0.5 1.0E-7`},
		{"booleans", `{{t}} {{f}}`, `{"t": true, "f": false}`, `true false`},
		{"null prints nothing", `[{{n}}]`, `{"n": null}`, `[]`},
		{"missing prints nothing", `"{{a.b.c}}"`, `{}`, `""`},
		{"array of strings", `{{a}}`, `{"a": ["x", "y"]}`, `["x", "y"]`},
		{"array of numbers", `{{a}}`, `{"a": [1, 2.5, 1.0]}`, `[1, 2.5, 1]`},
		{"nested arrays", `{{a}}`, `{"a": [["hostname", "UNIQUE"], [], [1, true, null]]}`, `[["hostname", "UNIQUE"], [], [1, true, null]]`},
		{"array element strings keep quotes", `{{#a}}"{{.}}",{{/a}}`, `{"a": ["x"]}`, `""x"",`},
		{"escaped array elements", `{{a}}`, `{"a": ["say \"hi\""]}`, `["say \"hi\""]`},
		{"sections over lists of objects", `{{#labels}}"{{key}}": "{{value}}",{{/labels}}`,
			`{"labels": [{"key": "a", "value": "1\""}, {"key": "b", "value": "2"}]}`, `"a": "1\"","b": "2",`},
		{"object prints as Java Map", `{{o}}`, `{"o": {"b": [1], "a": "x"}}`, `{a=x, b=[1]}`},
		{"object section pushes it", `{{#o}}{{a}}{{/o}}`, `{"o": {"a": "x"}}`, `x`},
		{"falsy: false", `{{^v}}F{{/v}}{{#v}}T{{/v}}`, `{"v": false}`, `F`},
		{"falsy: null", `{{^v}}F{{/v}}{{#v}}T{{/v}}`, `{"v": null}`, `F`},
		{"falsy: empty string", `{{^v}}F{{/v}}{{#v}}T{{/v}}`, `{"v": ""}`, `F`},
		{"falsy: empty list", `{{^v}}F{{/v}}{{#v}}T{{/v}}`, `{"v": []}`, `F`},
		{"falsy: missing", `{{^v}}F{{/v}}{{#v}}T{{/v}}`, `{}`, `F`},
		{"truthy: 0", `{{^v}}F{{/v}}{{#v}}T{{/v}}`, `{"v": 0}`, `T`},
		{"truthy: empty object", `{{^v}}F{{/v}}{{#v}}T{{/v}}`, `{"v": {}}`, `T`},
		{"truthy: blank string", `{{^v}}F{{/v}}{{#v}}T[{{.}}]{{/v}}`, `{"v": "  "}`, `T[  ]`},
		{"blank string prints", `[{{v}}]`, `{"v": "  "}`, `[  ]`},
		{".isEmpty on an empty list", `{{#v.isEmpty}}E{{/v.isEmpty}}{{^v.isEmpty}}N{{/v.isEmpty}}`, `{"v": []}`, `E`},
		{".isEmpty on a list", `{{#v.isEmpty}}E{{/v.isEmpty}}{{^v.isEmpty}}N{{/v.isEmpty}}`, `{"v": [1]}`, `N`},
		{".isEmpty on an empty map", `{{#v.isEmpty}}E{{/v.isEmpty}}`, `{"v": {}}`, `E`},
		{".isEmpty on a map", `{{^v.isEmpty}}N{{/v.isEmpty}}`, `{"v": {"a": 1}}`, `N`},
		{".isEmpty: a map key wins", `{{v.isEmpty}}`, `{"v": {"isEmpty": "key"}}`, `key`},
		{".isEmpty on a string", `{{#v.isEmpty}}E{{/v.isEmpty}}{{^w.isEmpty}}N{{/w.isEmpty}}`, `{"v": "", "w": "x"}`, `EN`},
		{".isEmpty on a number", `{{^v.isEmpty}}N{{/v.isEmpty}}`, `{"v": 3}`, `N`},
		{"dashes and leading digits", `{{a.b-c}} {{a.5_x}}`, `{"a": {"b-c": 1, "5_x": 2}}`, `1 2`},
		{"asJson: string raw", `{{#asJson}}j{{/asJson}}`, `{"j": "{\"a\": [1]}"}`, `{"a": [1]}`},
		{"asJson: not a string", `{{#asJson}}n{{/asJson}}`, `{"n": 5}`, `null`},
		{"asJson: missing", `{{#asJson}}nope{{/asJson}}`, `{}`, `null`},
		{"asJson: output is a template", `{{#asJson}}j{{/asJson}}`, `{"j": "{{k}}", "k": 7}`, `7`},
		{"asJson as a variable", `[{{asJson}}]`, `{}`, `[]`},
		{"comments", `a{{! ignore }}b`, `{}`, `ab`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := decodeJSON([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			got, err := cosmosRender(tt.template, data)
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.template, err)
			}
			if got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.template, got, tt.want)
			}
		})
	}
}

func TestPartialsRefused(t *testing.T) {
	_, err := cosmosRender(`{{> /etc/passwd}}`, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "partials are not supported") {
		t.Errorf("Render with a partial: error %v, want partials refused", err)
	}
}

func TestRewriteIsEmpty(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{{^a.isEmpty}}x{{/a.isEmpty}}`, `{{^a.CosmosIsEmpty}}x{{/a.CosmosIsEmpty}}`},
		{`{{{ a.isEmpty }}}`, `{{{ a.CosmosIsEmpty }}}`},
		{`isEmpty {{! a.isEmpty }} {{a.isEmptyish}}`, `isEmpty {{! a.isEmpty }} {{a.isEmptyish}}`},
		{`{{a}}`, `{{a}}`},
	}
	for _, tt := range tests {
		if got := rewriteIsEmpty(tt.in); got != tt.want {
			t.Errorf("rewriteIsEmpty(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var _ = json.Number("")
