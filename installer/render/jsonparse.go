package render

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON decodes one JSON document as encoding/json's Decoder with
// UseNumber does (objects as map[string]any, the last of duplicate keys
// winning, numbers as json.Number, invalid UTF-8 as U+FFFD), about three
// times faster: the rendered template is parsed once per render and
// encoding/json scanned it twice. Only white space may follow the value.
// A syntax error is a *jsonError with the offset of the offending byte
// and encoding/json's wording.
func parseJSON(data []byte) (any, error) {
	p := &jsonParser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.data) {
		return nil, &jsonError{Offset: p.i, Msg: "unexpected data after the JSON value", trailing: true}
	}
	return v, nil
}

// jsonError is a syntax error at a byte offset of the document.
type jsonError struct {
	Offset   int
	Msg      string
	trailing bool // a complete value followed by more
}

func (e *jsonError) Error() string { return e.Msg }

const maxJSONDepth = 10000

type jsonParser struct {
	data []byte
	i    int
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) errorf(context string) error {
	if p.i >= len(p.data) {
		return &jsonError{Offset: len(p.data), Msg: "unexpected end of JSON input"}
	}
	return &jsonError{Offset: p.i, Msg: fmt.Sprintf("invalid character %s %s", quoteChar(p.data[p.i]), context)}
}

// quoteChar formats a byte as encoding/json's errors do.
func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func (p *jsonParser) value(depth int) (any, error) {
	if p.i >= len(p.data) {
		return nil, p.errorf("")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		if depth >= maxJSONDepth {
			return nil, &jsonError{Offset: p.i, Msg: "exceeded max depth"}
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= maxJSONDepth {
			return nil, &jsonError{Offset: p.i, Msg: "exceeded max depth"}
		}
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.errorf("looking for beginning of value")
}

func (p *jsonParser) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if p.i >= len(p.data) {
			return p.errorf("")
		}
		if p.data[p.i] != word[k] {
			return p.errorf("in literal " + word + " (expecting " + quoteChar(word[k]) + ")")
		}
		p.i++
	}
	return nil
}

func (p *jsonParser) object(depth int) (any, error) {
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.errorf("looking for beginning of object key string")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.errorf("after object key")
		}
		p.i++
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[k.(string)] = v
		p.space()
		if p.i >= len(p.data) {
			return nil, p.errorf("")
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.errorf("after object key:value pair")
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	p.i++ // [
	l := []any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return l, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		p.space()
		if p.i >= len(p.data) {
			return nil, p.errorf("")
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case ']':
			p.i++
			return l, nil
		default:
			return nil, p.errorf("after array element")
		}
	}
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.data[p.i] == '-' {
		p.i++
	}
	if p.i >= len(p.data) {
		return nil, p.errorf("")
	}
	switch c := p.data[p.i]; {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		digits()
	default:
		return nil, p.errorf("in numeric literal")
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.errorf("after decimal point in numeric literal")
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errorf("in exponent of numeric literal")
		}
	}
	return json.Number(p.data[start:p.i]), nil
}

// str reads a string at p.i (a '"').
func (p *jsonParser) str() (any, error) {
	p.i++
	start := p.i
	ascii := true
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			s := p.data[start:p.i]
			p.i++
			if ascii || utf8.Valid(s) {
				return string(s), nil
			}
			return string([]rune(string(s))), nil // invalid UTF-8 as U+FFFD
		case c == '\\':
			return p.slowStr(start)
		case c < 0x20:
			return nil, p.errorf("in string literal")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return nil, p.errorf("")
}

// slowStr reads a string with escapes, from start (after the quote).
func (p *jsonParser) slowStr(start int) (any, error) {
	buf := make([]byte, 0, p.i-start+16)
	buf = append(buf, p.data[start:p.i]...)
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return string([]rune(string(buf))), nil
			}
			return string(buf), nil
		case c < 0x20:
			return nil, p.errorf("in string literal")
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++ // backslash
		if p.i >= len(p.data) {
			return nil, p.errorf("")
		}
		switch e := p.data[p.i]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4(p.i + 1)
			if !ok {
				return nil, p.badEscape()
			}
			p.i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := p.hex4(p.i + 3); ok && p.i+2 < len(p.data) && p.data[p.i+1] == '\\' && p.data[p.i+2] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						p.i += 6
						buf = utf8.AppendRune(buf, dec)
						break
					}
				}
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return nil, p.errorf("in string escape code")
		}
		p.i++
	}
	return nil, p.errorf("")
}

// badEscape positions an error at the first non-hex byte of a \u escape.
func (p *jsonParser) badEscape() error {
	for k := 1; k <= 4; k++ {
		if p.i+k >= len(p.data) {
			p.i = len(p.data)
			return p.errorf("")
		}
		if !isHex(p.data[p.i+k]) {
			p.i += k
			return p.errorf("in \\u hexadecimal character escape")
		}
	}
	return p.errorf("in \\u hexadecimal character escape")
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[at : at+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// valueOffset returns the offset in data, a valid JSON document, of the
// value a JSON pointer names (of its last occurrence when a key repeats,
// as decoding keeps the last).
func valueOffset(data []byte, pointer string) (int, bool) {
	p := &jsonParser{data: data}
	p.space()
	if pointer == "" {
		return p.i, true
	}
	for _, tok := range splitPointer(pointer) {
		if p.i >= len(p.data) {
			return 0, false
		}
		switch p.data[p.i] {
		case '{':
			at, ok := p.findKey(tok)
			if !ok {
				return 0, false
			}
			p.i = at
		case '[':
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 {
				return 0, false
			}
			at, ok := p.findIndex(n)
			if !ok {
				return 0, false
			}
			p.i = at
		default:
			return 0, false
		}
	}
	return p.i, true
}

// findKey returns the offset of the value of the last member named key
// of the object at p.i.
func (p *jsonParser) findKey(key string) (int, bool) {
	p.i++
	found := -1
	for {
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return found, found >= 0
		}
		k, err := p.str()
		if err != nil {
			return 0, false
		}
		p.space()
		p.i++ // ':'
		p.space()
		if k == key {
			found = p.i
		}
		if _, err := p.value(0); err != nil {
			return 0, false
		}
		p.space()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			p.i++
			continue
		}
		return found, found >= 0
	}
}

// findIndex returns the offset of element n of the array at p.i.
func (p *jsonParser) findIndex(n int) (int, bool) {
	p.i++
	for k := 0; ; k++ {
		p.space()
		if p.i >= len(p.data) || p.data[p.i] == ']' {
			return 0, false
		}
		if k == n {
			return p.i, true
		}
		if _, err := p.value(0); err != nil {
			return 0, false
		}
		p.space()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			p.i++
		}
	}
}

func splitPointer(pointer string) []string {
	toks := strings.Split(pointer[1:], "/")
	for i, t := range toks {
		toks[i] = unescapeToken(t)
	}
	return toks
}
