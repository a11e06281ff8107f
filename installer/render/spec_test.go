package render

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cbroglie/mustache"
	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/sharedtest"
)

type specTest struct {
	Name     string            `json:"name"`
	Data     any               `json:"data"`
	Template string            `json:"template"`
	Expected string            `json:"expected"`
	Partials map[string]string `json:"partials"`
}

// coreSpecs are the mustache spec's required files (the optional ones
// start with "~").
var coreSpecs = []string{"comments", "delimiters", "interpolation", "inverted", "partials", "sections"}

func readSpec(t *testing.T, name string) []specTest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "mustache-spec"), name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Tests []specTest `json:"tests"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	return spec.Tests
}

// engineDeviations are the core spec tests the engine (cbroglie/mustache
// 1.4.2) fails on its own, and why. Cosmos mode does not depend on them.
var engineDeviations = map[string]string{
	// The engine prints a Go nil as "<nil>"; the spec wants nothing. Cosmos
	// mode converts null before the engine sees it (null{} prints nothing)
	// and passes these three.
	"interpolation/Basic Null Interpolation":           "nil prints <nil>",
	"interpolation/Triple Mustache Null Interpolation": "nil prints <nil>",
	"interpolation/Ampersand Null Interpolation":       "nil prints <nil>",
}

// specEscape is the HTML escaping the spec expects (&quot;, where the
// engine's default html/template escaper writes the equivalent &#34;).
var specEscape = strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;").Replace

// TestMustacheSpec runs the core mustache spec (136 tests) against the
// engine with standard HTML escaping and no value conversion: the engine
// itself follows the spec, except for engineDeviations.
func TestMustacheSpec(t *testing.T) {
	passed := 0
	for _, file := range coreSpecs {
		for _, tc := range readSpec(t, file) {
			id := file + "/" + tc.Name
			t.Run(id, func(t *testing.T) {
				tmpl, err := mustache.ParseStringPartials(tc.Template, &mustache.StaticProvider{Partials: tc.Partials})
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				tmpl.Escape(specEscape)
				got, err := tmpl.Render(tc.Data)
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				_, deviates := engineDeviations[id]
				switch {
				case got != tc.Expected && !deviates:
					t.Errorf("Render(%q) = %q, want %q", tc.Template, got, tc.Expected)
				case got == tc.Expected && deviates:
					t.Errorf("Render(%q) passes, but is listed in engineDeviations", tc.Template)
				case got == tc.Expected:
					passed++
				}
			})
		}
	}
	if passed != 136-len(engineDeviations) {
		t.Errorf("passed %d core spec tests, want %d", passed, 136-len(engineDeviations))
	}
}

// cosmosSpecDifferences are the core spec tests whose expectation Cosmos
// mode deliberately does not meet (cosmos-rendering.md §7.8), and why.
var cosmosSpecDifferences = map[string]string{
	// §7.1: encode() is overridden, values are never HTML-escaped, and
	// §7.2: strings are JSON-escaped (the data holds a '"').
	"interpolation/HTML Escaping":                        "no HTML escaping; the quote is JSON-escaped",
	"interpolation/Implicit Iterators - HTML Escaping":   "no HTML escaping; the quote is JSON-escaped",
	"sections/Implicit Iterator - HTML Escaping":         "no HTML escaping; list elements keep their quotes",
	"interpolation/Triple Mustache":                      "the quote is JSON-escaped (§7.2)",
	"interpolation/Ampersand":                            "the quote is JSON-escaped (§7.2)",
	"interpolation/Implicit Iterators - Triple Mustache": "the quote is JSON-escaped (§7.2)",
	"interpolation/Implicit Iterators - Ampersand":       "the quote is JSON-escaped (§7.2)",
	// §7.2: elements of arrays keep their JSON quotes (#733).
	"sections/Implicit Iterator - String":          "array elements print quoted",
	"sections/Implicit Iterator - Array":           "array elements print quoted",
	"sections/Implicit Iterator - Triple mustache": "array elements print quoted",
	"sections/Implicit Iterator - Ampersand":       "array elements print quoted",
	// Partials are refused: no Universe template uses them (§7.3), and a
	// template must never make the renderer read files.
	"delimiters/Partial Inheritence":            "partials are refused",
	"delimiters/Post-Partial Behavior":          "partials are refused",
	"partials/Basic Behavior":                   "partials are refused",
	"partials/Failed Lookup":                    "partials are refused",
	"partials/Context":                          "partials are refused",
	"partials/Recursion":                        "partials are refused",
	"partials/Nested":                           "partials are refused",
	"partials/Surrounding Whitespace":           "partials are refused",
	"partials/Inline Indentation":               "partials are refused",
	"partials/Standalone Line Endings":          "partials are refused",
	"partials/Standalone Without Previous Line": "partials are refused",
	"partials/Standalone Without Newline":       "partials are refused",
	"partials/Standalone Indentation":           "partials are refused",
	"partials/Padding Whitespace":               "partials are refused",
}

// TestMustacheSpecCosmosMode runs the same core spec through Cosmos mode
// (no escaping, Cosmos's value conversion, partials refused). Every test
// passes except those listed in cosmosSpecDifferences, which must fail.
func TestMustacheSpecCosmosMode(t *testing.T) {
	var failed []string
	for _, file := range coreSpecs {
		for _, tc := range readSpec(t, file) {
			id := file + "/" + tc.Name
			got, err := cosmosRender(tc.Template, tc.Data)
			if err != nil || got != tc.Expected {
				failed = append(failed, id)
				if _, ok := cosmosSpecDifferences[id]; !ok {
					t.Errorf("%s: Render(%q) = %q, %v; want %q", id, tc.Template, got, err, tc.Expected)
				}
			}
		}
	}
	var want []string
	for id := range cosmosSpecDifferences {
		want = append(want, id)
	}
	sort.Strings(want)
	sort.Strings(failed)
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("spec tests failing in Cosmos mode (-want +got):\n%s", diff)
	}
}

// cosmosRender renders a template with a spec test's data in Cosmos mode.
func cosmosRender(template string, data any) (string, error) {
	tmpl, err := compile(template)
	if err != nil {
		return "", err
	}
	var ctx any
	if m, ok := data.(map[string]any); ok {
		ctx = rootContext(toNumbers(m).(map[string]any), newBudget())
	} else {
		ctx = convert(toNumbers(data), false)
	}
	var b strings.Builder
	err = tmpl.FRender(&b, ctx)
	return b.String(), err
}

// toNumbers turns float64 into json.Number, as options are decoded.
func toNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = toNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = toNumbers(e)
		}
		return out
	case float64:
		b, _ := json.Marshal(v)
		return json.Number(b)
	}
	return v
}
