package render

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// This file is Cosmos's jsonToJava (cosmos-rendering.md §7.2): every JSON
// value of the scope is turned, before the mustache engine sees it, into a
// Go value that prints as mustache.java printed the Java value, and that
// the engine treats as truthy or falsy as mustache.java did. The engine
// prints values with fmt, so each type below prints itself through
// fmt.Formatter (a method the engine's name lookup never calls, as it takes
// arguments) rather than String (which a template could look up).

// isEmptyMethod is the exported name `.isEmpty` is rewritten to in
// templates (see rewriteIsEmpty): the engine resolves only exported Go
// methods, and mustache.java resolved Java's isEmpty().
const isEmptyMethod = "CosmosIsEmpty"

// jstring is a string that is not an element of an array: its JSON-escaped
// content without quotes, or, as an array element, its quoted JSON text.
// It prints as itself (a string kind needs no Format).
type jstring string

// CosmosIsEmpty is Java's String.isEmpty().
func (s jstring) CosmosIsEmpty() bool { return s == "" }

// blank is a non-empty string of only white space. The engine treats such
// strings as falsy, mustache.java only the empty string, so they travel as a
// one-element array: truthy, a section over it pushes the string, and it
// prints as the string.
type blank [1]string

func (b blank) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(b[0])) }

// CosmosIsEmpty is Java's String.isEmpty().
func (b blank) CosmosIsEmpty() bool { return false }

// null is JSON null: always "", so it prints as nothing and is falsy, and
// has no methods (as null has none in Java).
type null string

// list is a JSON array, a java.util.List.
type list []any

// Format prints List.toString(): "[a, b]", strings quoted.
func (l list) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(javaString(l))) }

// CosmosIsEmpty is List.isEmpty().
func (l list) CosmosIsEmpty() bool { return len(l) == 0 }

// object is a JSON object, a java.util.Map; see convertObject.
type object map[string]any

// Format prints Map.toString(): "{k=v, k2=v2}", keys sorted (Java's order
// depended on the map implementation; the text is not JSON either way).
func (o object) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(javaString(o))) }

// convert turns a decoded JSON value into its engine value; inArray says
// whether it is an element of an array (directly or nested), where strings
// keep their quotes.
func convert(v any, inArray bool) any {
	switch v := v.(type) {
	case nil:
		return null("")
	case bool:
		return v
	case string:
		if inArray {
			return jstring(quoteJSON(v))
		}
		s := escapeJSON(v)
		if s != "" && strings.TrimSpace(s) == "" {
			return blank{s}
		}
		return jstring(s)
	case json.Number:
		return formatNumber(string(v))
	case float64:
		return formatNumber(strconv.FormatFloat(v, 'g', -1, 64))
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case []any:
		l := make(list, len(v))
		for i, e := range v {
			l[i] = convert(e, true)
		}
		return l
	case map[string]any:
		return object(convertObject(v))
	}
	return jstring(escapeJSON(fmt.Sprint(v)))
}

// convertObject converts an object's values. The map also answers
// isEmpty (rewritten to isEmptyMethod) with Map.isEmpty(), unless it has a
// key "isEmpty": mustache.java looked up map keys before methods. A key
// rather than a method, because the engine tries every method of a value
// (reflect, allocating) before each map lookup, and maps are looked up for
// nearly every tag.
func convertObject(v map[string]any) map[string]any {
	o := make(map[string]any, len(v)+1)
	for k, e := range v {
		o[k] = convert(e, false)
	}
	if e, ok := o["isEmpty"]; ok {
		o[isEmptyMethod] = e
	} else {
		o[isEmptyMethod] = len(v) == 0
	}
	return o
}

// javaString is Java's toString() of a converted value.
func javaString(v any) string {
	switch v := v.(type) {
	case null:
		return "null"
	case list:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = javaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case object:
		keys := make([]string, 0, len(v))
		for k := range v {
			if k != isEmptyMethod {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaString(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case blank:
		return v[0]
	}
	return fmt.Sprint(v)
}

// escapeJSON is circe's string escaping (Printer.noSpaces) without the
// surrounding quotes: '"' and '\' backslashed, \b \f \n \r \t by name, other
// ISO control characters (U+0000–U+001F, U+007F–U+009F) as \u00xx with
// lower-case hex; everything else, non-ASCII and <>& included, as is.
func escapeJSON(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == 0x7f || c >= 0xc2 {
			break
		}
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r) // invalid UTF-8 becomes U+FFFD, as in a Java string
			}
		}
	}
	return b.String()
}

// quoteJSON is escapeJSON with the quotes: a string as an array element.
func quoteJSON(s string) string { return `"` + escapeJSON(s) + `"` }

// maxWholeDigits is where circe stops turning a whole number into a BigInt
// (BiggerDecimal.MaxBigIntegerDigits, 2^18); larger ones go to Double.
const maxWholeDigits = 1 << 18

// formatNumber prints a JSON number as Cosmos 0.6.2+ does: a whole number
// (1, 1.0, 1e2, 4200000000000000000) with all its digits and no point, any
// other as Java's Double.toString (0.5, 1.0E-7).
func formatNumber(text string) string {
	if digits, ok := wholeDigits(text); ok {
		return digits
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !isRangeErr(err) {
		return text
	}
	return javaDouble(f)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// wholeDigits returns the integer text of a JSON number that is whole, and
// false for fractions, malformed text and whole numbers too large for circe.
func wholeDigits(text string) (string, bool) {
	s := text
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			return "", false
		}
		exp = e
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	scale := len(frac) // value = digits × 10^(exp-scale)
	trimmed := strings.TrimRight(digits, "0")
	scale -= len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return "0", true
	}
	shift := exp - scale
	if shift < 0 {
		return "", false // a fraction
	}
	if shift > maxWholeDigits || len(digits)+shift > maxWholeDigits {
		return "", false
	}
	out := digits + strings.Repeat("0", shift)
	if neg {
		out = "-" + out
	}
	return out, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// javaDouble is Java's Double.toString: plain decimal notation with at least
// one fractional digit for 10^-3 <= |d| < 10^7, else computerized scientific
// notation "d.dddE±n"; the digits are the shortest that identify d.
func javaDouble(d float64) string {
	switch {
	case math.IsNaN(d):
		return "NaN"
	case math.IsInf(d, 1):
		return "Infinity"
	case math.IsInf(d, -1):
		return "-Infinity"
	case d == 0:
		if math.Signbit(d) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	e := strconv.FormatFloat(d, 'e', -1, 64) // d.ddde±xx
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	if d >= 1e-3 && d < 1e7 {
		var intPart, frac string
		if exp >= 0 {
			if len(digits) <= exp+1 {
				digits += strings.Repeat("0", exp+1-len(digits))
			}
			intPart, frac = digits[:exp+1], digits[exp+1:]
		} else {
			intPart, frac = "0", strings.Repeat("0", -exp-1)+digits
		}
		if frac == "" {
			frac = "0"
		}
		return sign + intPart + "." + frac
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}
