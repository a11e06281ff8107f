package index

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// This file holds the order-preserving JSON model the index is built from,
// and an encoder that writes exactly what Python's json.dump writes with its
// defaults (separators ", " and ": ", ensure_ascii, floats as repr), which is
// what the reference generator produces.

// Object is a JSON object that keeps its members in document order. As in
// Python, a duplicate key keeps the last value at the first key's position.
type Object struct {
	Keys []string
	Vals []any
}

// Number is a JSON number as written in the source document.
type Number string

// base64Bytes is encoded as the standard base64 string of its bytes,
// straight into the output.
type base64Bytes []byte

// Get returns the value of key k.
func (o *Object) Get(k string) (any, bool) {
	for i, key := range o.Keys {
		if key == k {
			return o.Vals[i], true
		}
	}
	return nil, false
}

// Set replaces the value of k where it is, or appends k.
func (o *Object) Set(k string, v any) {
	for i, key := range o.Keys {
		if key == k {
			o.Vals[i] = v
			return
		}
	}
	o.Keys = append(o.Keys, k)
	o.Vals = append(o.Vals, v)
}

// Delete removes k, keeping the order of the others.
func (o *Object) Delete(k string) {
	for i, key := range o.Keys {
		if key == k {
			o.Keys = append(o.Keys[:i:i], o.Keys[i+1:]...)
			o.Vals = append(o.Vals[:i:i], o.Vals[i+1:]...)
			return
		}
	}
}

// String returns the string value of k, or "".
func (o *Object) String(k string) string {
	v, _ := o.Get(k)
	s, _ := v.(string)
	return s
}

// Clone returns a shallow copy: its own key and value slices.
func (o *Object) Clone() *Object {
	return &Object{Keys: append([]string(nil), o.Keys...), Vals: append([]any(nil), o.Vals...)}
}

// deepCopy copies objects and arrays; strings, numbers and literals are
// immutable and shared.
func deepCopy(v any) any {
	switch v := v.(type) {
	case *Object:
		c := &Object{Keys: append([]string(nil), v.Keys...), Vals: make([]any, len(v.Vals))}
		for i, x := range v.Vals {
			c.Vals[i] = deepCopy(x)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = deepCopy(x)
		}
		return c
	}
	return v
}

// truthy is Python's truth value of a decoded JSON value.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return err != nil || f != 0
	case *Object:
		return len(v.Keys) > 0
	case []any:
		return len(v) > 0
	}
	return true
}

// ErrSyntax is wrapped by the errors of Parse.
var ErrSyntax = errors.New("invalid JSON")

// Parse decodes one JSON document into Object, []any, string, Number, bool
// and nil values. It returns an error wrapping ErrSyntax when data is not
// one valid JSON value.
func Parse(data []byte) (any, error) {
	return parse(data, false)
}

// parseAlias is Parse with strings that share data's memory instead of
// copying it; data must never change afterwards.
func parseAlias(data []byte) (any, error) {
	return parse(data, true)
}

func parse(data []byte, alias bool) (any, error) {
	p := parser{b: data, alias: alias}
	p.space()
	v := p.value(0)
	p.space()
	if p.err == nil && p.i != len(p.b) {
		p.fail("trailing data")
	}
	if p.err != nil {
		return nil, p.err
	}
	return v, nil
}

type parser struct {
	b     []byte
	i     int
	err   error
	alias bool
}

const maxDepth = 10000

func (p *parser) fail(msg string) {
	if p.err == nil {
		p.err = fmt.Errorf("%w: %s at offset %d", ErrSyntax, msg, p.i)
	}
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) any {
	if p.err != nil {
		return nil
	}
	if depth > maxDepth {
		p.fail(fmt.Sprintf("nesting deeper than the limit of %d", maxDepth))
		return nil
	}
	if p.i >= len(p.b) {
		p.fail("unexpected end")
		return nil
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == 't':
		return p.lit("true", true)
	case c == 'f':
		return p.lit("false", false)
	case c == 'n':
		return p.lit("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	p.fail("unexpected character")
	return nil
}

func (p *parser) lit(s string, v any) any {
	if !strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(s))]), s) {
		p.fail("invalid literal")
		return nil
	}
	p.i += len(s)
	return v
}

func (p *parser) object(depth int) any {
	p.i++
	o := &Object{}
	var seen map[string]int
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return o
	}
	for p.err == nil {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			p.fail("expected a key")
			return nil
		}
		k := p.str()
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			p.fail("expected ':'")
			return nil
		}
		p.i++
		p.space()
		v := p.value(depth + 1)
		// Duplicate keys: the last value at the first position.
		dup := -1
		if seen != nil {
			if j, ok := seen[k]; ok {
				dup = j
			}
		} else {
			for j, key := range o.Keys {
				if key == k {
					dup = j
					break
				}
			}
		}
		if dup >= 0 {
			o.Vals[dup] = v
		} else {
			o.Keys = append(o.Keys, k)
			o.Vals = append(o.Vals, v)
			if seen == nil && len(o.Keys) > 16 {
				seen = make(map[string]int, 32)
				for j, key := range o.Keys {
					seen[key] = j
				}
			} else if seen != nil {
				seen[k] = len(o.Keys) - 1
			}
		}
		p.space()
		if p.i >= len(p.b) {
			p.fail("unexpected end in object")
			return nil
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return o
		default:
			p.fail("expected ',' or '}'")
			return nil
		}
	}
	return nil
}

func (p *parser) array(depth int) any {
	p.i++
	a := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a
	}
	for p.err == nil {
		p.space()
		a = append(a, p.value(depth+1))
		p.space()
		if p.i >= len(p.b) {
			p.fail("unexpected end in array")
			return nil
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a
		default:
			p.fail("expected ',' or ']'")
			return nil
		}
	}
	return nil
}

func (p *parser) number() any {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		p.fail("invalid number")
		return nil
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			p.fail("invalid number")
			return nil
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			p.fail("invalid number")
			return nil
		}
	}
	return Number(p.b[start:p.i])
}

// str reads a string starting at the opening quote.
func (p *parser) str() string {
	p.i++
	start := p.i
	j := bytes.IndexByte(p.b[start:], '"')
	if j < 0 {
		p.i = len(p.b)
		p.fail("unterminated string")
		return ""
	}
	span := p.b[start : start+j]
	if k := bytes.IndexByte(span, '\\'); k >= 0 {
		p.i = start + k
		return p.strSlow(start)
	}
	for k, c := range span {
		if c < 0x20 {
			p.i = start + k
			p.fail("control character in string")
			return ""
		}
	}
	p.i = start + j + 1
	if p.alias {
		return unsafe.String(unsafe.SliceData(span), len(span))
	}
	return string(span)
}

func (p *parser) strSlow(start int) string {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf)
		case c < 0x20:
			p.fail("control character in string")
			return ""
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			break
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
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
			r, ok := p.hex4()
			if !ok {
				return ""
			}
			if utf16.IsSurrogate(r) {
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					r2, ok := p.hex4()
					if !ok {
						return ""
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						buf = utf8.AppendRune(buf, d)
						continue
					}
					p.i = save
				}
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.fail("invalid escape")
			return ""
		}
	}
	p.fail("unterminated string")
	return ""
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		p.fail("short \\u escape")
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		p.fail("invalid \\u escape")
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// Append appends v to b formatted as Python's json.dumps(v) with its
// defaults: ", " and ": " separators, ASCII only, floats as repr.
func Append(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		if v {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case string:
		return appendString(b, v)
	case base64Bytes:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, '"')
	case Number:
		return appendNumber(b, string(v))
	case *Object:
		if len(v.Keys) == 0 {
			return append(b, "{}"...)
		}
		b = append(b, '{')
		for i, k := range v.Keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendString(b, k)
			b = append(b, ": "...)
			b = Append(b, v.Vals[i])
		}
		return append(b, '}')
	case []any:
		if len(v) == 0 {
			return append(b, "[]"...)
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = Append(b, x)
		}
		return append(b, ']')
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	}
	panic(fmt.Sprintf("index: cannot encode %T", v))
}

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		default:
			if c < utf8.RuneSelf {
				b = appendU(b, rune(c))
				i++
				start = i
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				b = appendU(appendU(b, r1), r2)
			} else {
				b = appendU(b, r)
			}
			i += size
			start = i
			continue
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendNumber writes an integer as Python's int does (any size) and any
// other number as Python's float repr.
func appendNumber(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			return append(b, '0')
		}
		return append(b, s...)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return append(b, s...)
	}
	return appendPyFloat(b, f)
}

// appendPyFloat formats f as Python's float.__repr__ (and so json.dump):
// the shortest round-tripping digits, positional between 1e-4 and 1e16,
// with at least one fractional digit, and "1e+16" style otherwise.
func appendPyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case math.IsNaN(f):
		return append(b, "NaN"...)
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // [-]d[.ddd]e±XX
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		b = append(b, '-')
	}
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	if f == 0 {
		return append(b, "0.0"...)
	}
	decpt := exp + 1 // position of the decimal point after the first digit
	if -4 < decpt && decpt <= 16 {
		switch {
		case decpt <= 0:
			b = append(b, "0."...)
			b = append(b, strings.Repeat("0", -decpt)...)
			return append(b, digits...)
		case decpt >= len(digits):
			b = append(b, digits...)
			b = append(b, strings.Repeat("0", decpt-len(digits))...)
			return append(b, ".0"...)
		default:
			b = append(b, digits[:decpt]...)
			b = append(b, '.')
			return append(b, digits[decpt:]...)
		}
	}
	b = append(b, digits[0])
	if len(digits) > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b = append(b, '-')
		exp = -exp
	} else {
		b = append(b, '+')
	}
	if exp < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(exp), 10)
}
