package render

import (
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

// rootContext converts a scope into the engine's top-level context, with
// the asJson lambda (which wins over an option of that name). It is a plain
// map, methodless, for speed (see convertObject).
func rootContext(scope map[string]any) map[string]any {
	ctx := convertObject(scope)
	ctx["asJson"] = newAsJSON(scope, ctx)
	return ctx
}

func newAsJSON(raw map[string]any, scope map[string]any) asJSON {
	return func(key string, _ mustache.RenderFunc) (string, error) {
		s, ok := raw[key].(string)
		if !ok {
			return "null", nil
		}
		if !strings.Contains(s, "{{") {
			return s, nil
		}
		tmpl, err := compile(s)
		if err != nil {
			return "", fmt.Errorf("asJson %q: %w", key, err)
		}
		return tmpl.Render(scope)
	}
}
