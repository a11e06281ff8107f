package render

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/cbroglie/mustache"
)

// noPartials refuses every partial: Universe templates use none, and a
// template must never make the renderer read files from the machine it runs
// on (the engine's default provider reads the working directory).
type noPartials struct{}

func (noPartials) Get(name string) (string, error) {
	return "", fmt.Errorf("partial %q: partials are not supported in package templates", name)
}

// noEscape replaces the engine's HTML escaping: Cosmos's mustache.java
// encode() wrote values unchanged, so {{x}}, {{{x}}} and {{& x}} are one.
func noEscape(s string) string { return s }

// compile parses a template the Cosmos way: `.isEmpty` made resolvable,
// partials refused, no escaping.
func compile(text string) (*mustache.Template, error) {
	tmpl, err := mustache.ParseStringPartials(rewriteIsEmpty(text), noPartials{})
	if err != nil {
		return nil, err
	}
	tmpl.Escape(noEscape)
	return tmpl, nil
}

// rewriteIsEmpty renames the name segment isEmpty in tags to isEmptyMethod.
// mustache.java called Java's isEmpty() on lists, maps and strings
// (`{{^x.isEmpty}}`, 31 Universe templates); the engine resolves Go methods
// only when they are exported. Tags are found with the default delimiters;
// a template that changes them (no Universe template does) is rewritten
// only up to the change.
func rewriteIsEmpty(text string) string {
	if !strings.Contains(text, "isEmpty") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 64)
	rest := text
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			break
		}
		tag := rest[i+2 : i+2+j]
		if strings.HasPrefix(tag, "=") {
			break // delimiters change: leave the rest alone
		}
		b.WriteString(rest[:i+2])
		if strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, ">") || !strings.Contains(tag, "isEmpty") {
			b.WriteString(tag)
		} else {
			b.WriteString(renameSegments(tag))
		}
		rest = rest[i+2+j:]
	}
	b.WriteString(rest)
	return b.String()
}

// renameSegments rewrites the isEmpty segments of the name in one tag body
// ("#x.isEmpty", "{x.isEmpty}", "^ isEmpty ").
func renameSegments(tag string) string {
	start := strings.IndexFunc(tag, func(r rune) bool { return !strings.ContainsRune("#^/&{ \t", r) })
	if start < 0 {
		return tag
	}
	end := len(strings.TrimRight(tag, "} \t"))
	if end <= start {
		return tag
	}
	segs := strings.Split(tag[start:end], ".")
	for i, s := range segs {
		if s == "isEmpty" {
			segs[i] = isEmptyMethod
		}
	}
	return tag[:start] + strings.Join(segs, ".") + tag[end:]
}

// asJSON is Cosmos's asJson lambda (#786, v0.6.3): `{{#asJson}}key{{/asJson}}`
// emits the top-level key's string value raw (not escaped, no quotes), and
// anything else, a missing key included, as null. mustache.java rendered the
// returned text as a template; it is rendered here against the top-level
// scope (never with the engine's own lambda renderer, which would read
// partials from disk and HTML-escape).
type asJSON func(text string, render mustache.RenderFunc) (string, error)

// Format prints a lambda used as a variable as nothing (mustache.java
// printed the Java object's identity).
func (asJSON) Format(fmt.State, rune) {}

// MaxOutputSize bounds the text one template renders to, asJson lambdas
// included. The largest corpus template renders to about 60 KB; sections
// over long option lists could otherwise fill the memory.
const MaxOutputSize = 16 << 20

// maxAsJSONDepth bounds how deeply asJson lambdas may render option values
// that call asJson again (a value that names itself would recurse until the
// stack overflows).
const maxAsJSONDepth = 16

// ErrOutputTooLarge is wrapped by the *Error of a template whose output
// exceeds MaxOutputSize.
var ErrOutputTooLarge = errors.New("rendered output too large")

// budget is what is left of MaxOutputSize for one render, shared by the
// template and its asJson lambdas.
type budget struct {
	left  int
	over  bool // a write was refused
	depth int  // asJson lambdas being rendered
}

func newBudget() *budget { return &budget{left: MaxOutputSize} }

// limitedBuffer is a buffer that refuses writes past its budget. The engine
// stops at a refused write of text, but ignores one of a variable: over
// records it.
type limitedBuffer struct {
	buf bytes.Buffer
	b   *budget
}

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if len(p) > w.b.left {
		w.b.left, w.b.over = 0, true
		return 0, ErrOutputTooLarge
	}
	w.b.left -= len(p)
	return w.buf.Write(p)
}

// rootContext converts a scope into the engine's top-level context, with
// the asJson lambda (which wins over an option of that name). It is a plain
// map, methodless, for speed (see convertObject). The lambda's output
// counts against b.
func rootContext(scope map[string]any, b *budget) map[string]any {
	ctx := convertObject(scope)
	ctx["asJson"] = newAsJSON(scope, ctx, b)
	return ctx
}

func newAsJSON(raw map[string]any, scope map[string]any, b *budget) asJSON {
	return func(key string, _ mustache.RenderFunc) (string, error) {
		s, ok := raw[key].(string)
		if !ok {
			return "null", nil
		}
		if !strings.Contains(s, "{{") {
			return s, nil
		}
		if b.depth >= maxAsJSONDepth {
			return "", fmt.Errorf("asJson %q: nested more than %d deep", key, maxAsJSONDepth)
		}
		tmpl, err := compile(s)
		if err != nil {
			return "", fmt.Errorf("asJson %q: %w", key, err)
		}
		b.depth++
		defer func() { b.depth-- }()
		w := &limitedBuffer{b: b}
		err = tmpl.FRender(w, scope)
		if b.over {
			err = ErrOutputTooLarge
		}
		if err != nil {
			return "", fmt.Errorf("asJson %q: %w", key, err)
		}
		// The engine writes the result again where the lambda stands: count
		// it there.
		b.left += w.buf.Len()
		return w.buf.String(), nil
	}
}
