package repo

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a single-pass scanner for manifest JSON. In one pass over
// the bytes it checks the syntax strictly (agreeing with encoding/json on what
// is valid), decodes the value exactly as encoding/json with UseNumber would,
// finds duplicate keys, and notes the things lint warns about (CRLF line ends,
// non-ASCII text, \u escapes, a byte order mark). What Pos and KeyPos need to
// map a JSON pointer to a line and column is built lazily, on the first call,
// because most documents never need it.
//
// Positions are 1-based. Columns count runes (UTF-8 sequences; a byte that is
// not valid UTF-8 counts as one column, a tab counts as one), and on line 1
// a byte order mark takes no column. Lines end at '\n'.

// jsonMaxDepth is the deepest nesting of objects and arrays scanJSON accepts.
// It is the limit of encoding/json, so both accept the same documents.
const jsonMaxDepth = 10000

// jsonMsgEOF is the message for a document that ends too early.
const jsonMsgEOF = "unexpected end of JSON input"

// jsonBOM is the UTF-8 encoding of U+FEFF, the byte order mark.
const jsonBOM = "\xEF\xBB\xBF"

// jsonPos is a 1-based line and column.
type jsonPos struct{ Line, Col int }

// jsonDup is a key that occurs more than once in one object.
type jsonDup struct {
	Pointer string  // pointer of the object holding the key
	Key     string  // the key, decoded
	First   jsonPos // position of the first occurrence of the key
	Dup     jsonPos // position of this later occurrence
}

// jsonSyntaxError is a malformed document.
type jsonSyntaxError struct {
	Pos    jsonPos // where the error is; for an early end, just past the last byte
	Offset int     // 0-based byte offset of Pos in the data (len(data) for an early end)
	Msg    string  // what is wrong, in encoding/json's words where it has them
}

// Error returns the message prefixed with the line and column, as
// "line 3, column 7: invalid character ...".
func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// jsonScan is the result of scanning one document.
//
// It keeps a private copy of the document's text: Value's strings share it,
// and Pos and KeyPos read it. All methods are safe for concurrent use.
type jsonScan struct {
	// Value is the decoded document, exactly as encoding/json decodes it into
	// an any with UseNumber: map[string]any, []any, json.Number (the source
	// text), string, bool or nil. For a duplicate key the last value wins.
	Value any

	// Dups lists every later occurrence of a key already seen in the same
	// object, in document order.
	Dups []jsonDup

	CRLF      int // number of lines ending in "\r\n"
	FirstCRLF int // line of the first of them, 0 if none

	NonASCII      int     // number of non-ASCII runes in strings; each byte of invalid UTF-8 counts as one
	FirstNonASCII jsonPos // position of the first, zero if none

	UnicodeEscapes     int     // number of \uXXXX escapes in strings; a surrogate pair counts two
	FirstUnicodeEscape jsonPos // position of the backslash of the first, zero if none

	BOM bool // whether the data starts with a UTF-8 byte order mark, which is skipped

	text     jsonText   // the document's text and line starts
	values   int        // number of values in the text, duplicates' included
	tapeOnce sync.Once  // guards the lazy build of tape
	tape     []jsonNode // every value in text order, built by buildTape
}

// jsonNode is one value of the document on the tape Pos and KeyPos walk.
// The values inside an object or array follow it on the tape, so its
// children are at i+1, tape[i+1].next, and so on, up to its own next.
type jsonNode struct {
	val  int // offset of the value's first byte
	key  int // offset of the opening quote of its key, -1 if not an object member
	next int // tape index just past this value and everything inside it
}

// scanJSON checks and decodes one JSON document in a single pass, and finds
// its duplicate keys and the things lint warns about.
//
// It accepts exactly the documents encoding/json accepts, except that a
// leading UTF-8 byte order mark is skipped and reported in BOM rather than
// rejected. For malformed input it returns a nil scan and a *jsonSyntaxError.
func scanJSON(data []byte) (*jsonScan, error) {
	s := jsonScannerPool.Get().(*jsonScanner)
	defer s.release()
	s.reset(data)
	if strings.HasPrefix(s.src, jsonBOM) {
		s.i = len(jsonBOM)
	}
	bomLen := s.i
	v := s.value(0)
	if s.err == nil {
		s.skipSpace()
		if s.i < len(s.src) {
			s.failChar(s.i, "after top-level value")
		}
	}
	if s.err != nil {
		t := jsonText{src: s.src}
		t.buildLines(bomLen)
		s.err.Pos = t.posAt(s.err.Offset)
		return nil, s.err
	}

	// Outside strings, a valid document is ASCII.
	res := &jsonScan{Value: v, BOM: bomLen > 0, text: jsonText{src: s.src, ascii: s.nonASCII == 0}}
	src := s.src
	needLines := s.nonASCII > 0 || s.escapes > 0 || len(s.dups) > 0
	if needLines {
		res.text.buildLines(bomLen)
	}
	// Raw CR and LF cannot occur inside a valid document's strings, so every
	// "\r\n" in the text is a line end.
	if first := strings.Index(src, "\r\n"); first >= 0 {
		res.CRLF = strings.Count(src[first:], "\r\n")
		res.FirstCRLF = strings.Count(src[:first], "\n") + 1
	}
	if s.nonASCII > 0 {
		res.NonASCII = s.nonASCII
		res.FirstNonASCII = res.text.posAt(s.firstNonASCII)
	}
	if s.escapes > 0 {
		res.UnicodeEscapes = s.escapes
		res.FirstUnicodeEscape = res.text.posAt(s.firstEscape)
	}
	if len(s.dups) > 0 {
		// Inner objects end first; report in the order of the text.
		sort.SliceStable(s.dups, func(a, b int) bool { return s.dups[a].dup < s.dups[b].dup })
		res.Dups = make([]jsonDup, len(s.dups))
		for k, d := range s.dups {
			res.Dups[k] = jsonDup{Pointer: d.pointer, Key: d.key, First: res.text.posAt(d.first), Dup: res.text.posAt(d.dup)}
		}
	}
	res.values = s.values
	return res, nil
}

// Pos returns the position where the value at pointer (RFC 6901) starts.
// If there is no such value, it returns the position of the nearest ancestor
// that exists (at worst the root) and ok=false, so that a "missing property"
// finding at an object still points at that object.
func (s *jsonScan) Pos(pointer string) (pos jsonPos, ok bool) {
	n, ok := s.node(pointer)
	return s.text.posAt(n.val), ok
}

// KeyPos returns the position of the key of the object member at pointer.
// If pointer names no object member (it is the root, an array element or
// absent), it returns what Pos returns, with ok=false.
func (s *jsonScan) KeyPos(pointer string) (pos jsonPos, ok bool) {
	n, ok := s.node(pointer)
	if !ok || n.key < 0 {
		return s.text.posAt(n.val), false
	}
	return s.text.posAt(n.key), true
}

// jsonPointerUnescaper decodes the ~1 and ~0 escapes of a JSON pointer's
// reference tokens, in one pass so that "~01" is "~1".
var jsonPointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// node finds the value at pointer or, failing that, its nearest existing
// ancestor, reporting which. It walks down the tape, so a lookup costs the
// number of members and elements before the ones on the path, and for a
// duplicate key it takes the last occurrence, as Value does.
func (s *jsonScan) node(pointer string) (jsonNode, bool) {
	s.tapeOnce.Do(s.buildTape)
	tape, src := s.tape, s.text.src
	cur := 0 // the root
	if pointer == "" {
		return tape[cur], true
	}
	if pointer[0] != '/' {
		return tape[cur], false
	}
	rest := pointer[1:]
	for {
		tok, after, more := strings.Cut(rest, "/")
		if strings.IndexByte(tok, '~') >= 0 {
			tok = jsonPointerUnescaper.Replace(tok)
		}
		n, child := tape[cur], -1
		switch src[n.val] {
		case '{':
			for c := cur + 1; c < n.next; c = tape[c].next {
				if jsonKeyAt(src, tape[c].key) == tok {
					child = c
				}
			}
		case '[':
			if idx, ok := jsonArrayIndex(tok); ok {
				c := cur + 1
				for ; c < n.next && idx > 0; idx-- {
					c = tape[c].next
				}
				if c < n.next {
					child = c
				}
			}
		}
		if child < 0 {
			return n, false
		}
		cur = child
		if !more {
			return tape[cur], true
		}
		rest = after
	}
}

// jsonArrayIndex parses an RFC 6901 array index: 0, or digits without a
// leading zero.
func jsonArrayIndex(tok string) (int, bool) {
	if tok == "" || len(tok) > 9 || (tok[0] == '0' && len(tok) > 1) {
		return 0, false
	}
	n := 0
	for k := 0; k < len(tok); k++ {
		c := tok[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// jsonKeyAt decodes the string whose opening quote is at off in a valid
// document; a key with no escapes is returned without copying.
func jsonKeyAt(src string, off int) string {
	start := off + 1
	i := start
	for i < len(src) && jsonPlain[src[i]] {
		i++
	}
	if i < len(src) && src[i] == '"' {
		return src[start:i]
	}
	sc := jsonScanner{src: src}
	return sc.stringSlow(start, i)
}

// buildTape lays out every value of the document, known to be valid, on
// the tape, and finds where its lines start.
func (s *jsonScan) buildTape() {
	bom := 0
	if s.BOM {
		bom = len(jsonBOM)
	}
	if s.text.lines == nil {
		s.text.buildLines(bom)
	}
	b := jsonTapeBuilder{src: s.text.src, i: bom, tape: make([]jsonNode, 0, s.values)}
	b.value(-1)
	s.tape = b.tape
}

// jsonText converts byte offsets in a document to lines and columns.
type jsonText struct {
	src   string // the document
	lines []int  // offset where each line starts; lines[0] is past any BOM
	ascii bool   // whether src is ASCII past any BOM, so columns count bytes
}

// buildLines records where each line of the text starts.
func (t *jsonText) buildLines(bomLen int) {
	lines := make([]int, 1, strings.Count(t.src, "\n")+1)
	lines[0] = bomLen
	for i := 0; ; {
		j := strings.IndexByte(t.src[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		lines = append(lines, i)
	}
	t.lines = lines
}

// posAt returns the line and column of the byte at off; buildLines must have
// run.
func (t *jsonText) posAt(off int) jsonPos {
	k := sort.SearchInts(t.lines, off+1) - 1 // last line starting at or before off
	if k < 0 {
		return jsonPos{Line: 1, Col: 1} // inside the BOM
	}
	if t.ascii {
		// A long minified line is not counted over for each position.
		return jsonPos{Line: k + 1, Col: off - t.lines[k] + 1}
	}
	return jsonPos{Line: k + 1, Col: utf8.RuneCountInString(t.src[t.lines[k]:off]) + 1}
}

// jsonScanner is the state of one pass over a document. Its methods report
// the first error in err and then return zero values; callers check err
// after each call that can fail.
type jsonScanner struct {
	src  string           // the document; decoded strings are substrings of it where possible
	data []byte           // the same bytes as src, for reading 8 at a time
	i    int              // offset of the next byte to read
	err  *jsonSyntaxError // the first error, nil while there is none

	members []jsonMember // stack of the members of the objects being scanned
	elems   []any        // stack of the elements of the arrays being scanned
	path    []jsonStep   // path[d] is the step into the value at depth d+1
	buf     []byte       // scratch for unescaping strings

	values        int          // number of values seen
	nonASCII      int          // number of non-ASCII runes seen
	firstNonASCII int          // offset of the first
	escapes       int          // number of \u escapes seen
	firstEscape   int          // offset of the first
	dups          []jsonDupOff // duplicate keys, as objects end
}

// jsonScannerPool holds scanners between documents, so that their stacks
// need not grow again for each one.
var jsonScannerPool = sync.Pool{New: func() any { return new(jsonScanner) }}

// jsonPoolMax is the largest stack, in elements, a pooled scanner keeps.
const jsonPoolMax = 1 << 12

// reset prepares s to scan data, keeping the stacks' memory.
func (s *jsonScanner) reset(data []byte) {
	*s = jsonScanner{
		src:     string(data),
		data:    data,
		members: s.members[:0],
		elems:   s.elems[:0],
		path:    s.path[:0],
		buf:     s.buf[:0],
	}
}

// release returns s to jsonScannerPool, dropping its references to the
// document and its values, and any stack a pathological document grew large.
func (s *jsonScanner) release() {
	clear(s.members[:cap(s.members)])
	clear(s.elems[:cap(s.elems)])
	clear(s.path[:cap(s.path)])
	if cap(s.members) > jsonPoolMax || cap(s.elems) > jsonPoolMax || cap(s.path) > jsonPoolMax || cap(s.buf) > 16*jsonPoolMax {
		return
	}
	*s = jsonScanner{members: s.members, elems: s.elems, path: s.path, buf: s.buf}
	jsonScannerPool.Put(s)
}

// jsonMember is one member of an object being scanned.
type jsonMember struct {
	key    string // decoded
	val    any    // decoded
	keyOff int    // offset of the key's opening quote
}

// jsonStep is one step of a JSON pointer.
type jsonStep struct {
	key string // the object key, when idx is -1
	idx int    // the array index, or -1
}

// jsonDupOff is a duplicate key with byte offsets rather than positions.
type jsonDupOff struct {
	pointer    string // of the object
	key        string // decoded
	first, dup int    // offsets of the keys' opening quotes
}

// Constants for looking at 8 bytes at a time (SWAR).
const (
	jsonOnes   = 0x0101010101010101 // 0x01 in each byte
	jsonHighs  = 0x8080808080808080 // 0x80 in each byte
	jsonSpaces = 0x2020202020202020 // ' ' in each byte
)

// jsonPlain marks the bytes that can stand for themselves in a string and
// need no further look: printable ASCII except '"' and '\\'.
var jsonPlain = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// fail records an error at off, unless one was recorded already.
func (s *jsonScanner) fail(off int, msg string) {
	if s.err == nil {
		s.err = &jsonSyntaxError{Offset: off, Msg: msg}
	}
}

// failChar records an error about the byte at off, worded as encoding/json
// words it: "invalid character 'x' " + context.
func (s *jsonScanner) failChar(off int, context string) {
	s.fail(off, "invalid character "+jsonQuoteChar(s.src[off])+" "+context)
}

// failEOF records that the document ended too early.
func (s *jsonScanner) failEOF() {
	s.fail(len(s.src), jsonMsgEOF)
}

// jsonQuoteChar formats c for an error message exactly as encoding/json does.
func jsonQuoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

// skipSpace advances past JSON whitespace.
func (s *jsonScanner) skipSpace() {
	i, src := s.i, s.data
	// Indentation comes in runs of spaces.
	for i+8 <= len(src) && binary.LittleEndian.Uint64(src[i:]) == jsonSpaces {
		i += 8
	}
	for i < len(src) {
		c := src[i]
		if c > ' ' || (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
			break
		}
		i++
	}
	s.i = i
}

// value scans the value that starts after any whitespace at s.i; depth is
// the nesting of the object or array holding it.
func (s *jsonScanner) value(depth int) any {
	s.values++
	s.skipSpace()
	if s.i >= len(s.src) {
		s.failEOF()
		return nil
	}
	switch c := s.src[s.i]; c {
	case '{':
		return s.object(depth + 1)
	case '[':
		return s.array(depth + 1)
	case '"':
		return jsonBox(s.string())
	case 't':
		return s.literal("true", true)
	case 'f':
		return s.literal("false", false)
	case 'n':
		return s.literal("null", nil)
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			return s.number()
		}
		s.failChar(s.i, "looking for beginning of value")
		return nil
	}
}

// jsonBoxed holds the JSON Schema type names, the commonest string values
// of manifests (a quarter of all strings in the Universe corpus), already
// stored in interfaces.
var jsonBoxed = [...]any{"string", "integer", "boolean", "object", "number", "array"}

// jsonBox returns v as an interface value. Putting a string in an interface
// allocates, so the commonest strings come from jsonBoxed instead; sharing
// them is safe as strings are immutable.
func jsonBox(v string) any {
	switch len(v) {
	case 5, 6, 7:
		for _, b := range jsonBoxed {
			if b.(string) == v {
				return b
			}
		}
	}
	return v
}

// enter checks that an object or array at depth may start at s.i and makes
// room for its step in path.
func (s *jsonScanner) enter(depth int) bool {
	if depth > jsonMaxDepth {
		s.fail(s.i, fmt.Sprintf("exceeded max nesting depth %d", jsonMaxDepth))
		return false
	}
	if len(s.path) < depth {
		s.path = append(s.path, jsonStep{})
	}
	return true
}

// object scans the object at s.i, which is at depth.
func (s *jsonScanner) object(depth int) any {
	if !s.enter(depth) {
		return nil
	}
	src := s.src
	s.i++ // '{'
	s.skipSpace()
	if s.i >= len(src) {
		s.failEOF()
		return nil
	}
	if src[s.i] == '}' {
		s.i++
		return map[string]any{}
	}
	base := len(s.members)
	for {
		if src[s.i] != '"' {
			s.failChar(s.i, "looking for beginning of object key string")
			return nil
		}
		keyOff := s.i
		key := s.string()
		if s.err != nil {
			return nil
		}
		s.skipSpace()
		if s.i >= len(src) {
			s.failEOF()
			return nil
		}
		if src[s.i] != ':' {
			s.failChar(s.i, "after object key")
			return nil
		}
		s.i++
		s.path[depth-1] = jsonStep{key: key, idx: -1}
		v := s.value(depth)
		if s.err != nil {
			return nil
		}
		s.members = append(s.members, jsonMember{key: key, val: v, keyOff: keyOff})
		s.skipSpace()
		if s.i >= len(src) {
			s.failEOF()
			return nil
		}
		switch src[s.i] {
		case ',':
			comma := s.i
			s.i++
			s.skipSpace()
			if s.i >= len(src) {
				s.failEOF()
				return nil
			}
			if src[s.i] == '}' {
				s.fail(comma, "trailing comma in object")
				return nil
			}
			continue
		case '}':
			s.i++
		default:
			s.failChar(s.i, "after object key:value pair")
			return nil
		}
		break
	}
	members := s.members[base:]
	m := make(map[string]any, len(members))
	for _, kv := range members {
		m[kv.key] = kv.val
	}
	if len(m) != len(members) {
		s.noteDups(depth, members)
	}
	s.members = s.members[:base]
	return m
}

// noteDups records the duplicate keys among the members of the object at
// depth.
func (s *jsonScanner) noteDups(depth int, members []jsonMember) {
	first := make(map[string]int, len(members))
	var ptr string
	for _, kv := range members {
		off, seen := first[kv.key]
		if !seen {
			first[kv.key] = kv.keyOff
			continue
		}
		if ptr == "" && depth > 1 {
			ptr = jsonPointer(s.path[:depth-1])
		}
		s.dups = append(s.dups, jsonDupOff{pointer: ptr, key: kv.key, first: off, dup: kv.keyOff})
	}
}

// jsonPointer formats a path as an RFC 6901 JSON pointer.
func jsonPointer(path []jsonStep) string {
	var b []byte
	for _, st := range path {
		b = append(b, '/')
		if st.idx >= 0 {
			b = strconv.AppendInt(b, int64(st.idx), 10)
		} else {
			b = jsonAppendToken(b, st.key)
		}
	}
	return string(b)
}

// jsonAppendToken appends key to b escaped as a JSON pointer reference token:
// '~' as "~0" and '/' as "~1".
func jsonAppendToken(b []byte, key string) []byte {
	if !strings.ContainsAny(key, "~/") {
		return append(b, key...)
	}
	for k := 0; k < len(key); k++ {
		switch c := key[k]; c {
		case '~':
			b = append(b, '~', '0')
		case '/':
			b = append(b, '~', '1')
		default:
			b = append(b, c)
		}
	}
	return b
}

// array scans the array at s.i, which is at depth.
func (s *jsonScanner) array(depth int) any {
	if !s.enter(depth) {
		return nil
	}
	src := s.src
	s.i++ // '['
	s.skipSpace()
	if s.i >= len(src) {
		s.failEOF()
		return nil
	}
	if src[s.i] == ']' {
		s.i++
		return []any{}
	}
	base := len(s.elems)
	for n := 0; ; n++ {
		s.path[depth-1] = jsonStep{idx: n}
		v := s.value(depth)
		if s.err != nil {
			return nil
		}
		s.elems = append(s.elems, v)
		s.skipSpace()
		if s.i >= len(src) {
			s.failEOF()
			return nil
		}
		switch src[s.i] {
		case ',':
			comma := s.i
			s.i++
			s.skipSpace()
			if s.i < len(src) && src[s.i] == ']' {
				s.fail(comma, "trailing comma in array")
				return nil
			}
			continue
		case ']':
			s.i++
		default:
			s.failChar(s.i, "after array element")
			return nil
		}
		break
	}
	a := make([]any, len(s.elems)-base)
	copy(a, s.elems[base:])
	s.elems = s.elems[:base]
	return a
}

// literal scans true, false or null at s.i, which starts with lit[0].
func (s *jsonScanner) literal(lit string, v any) any {
	i, src := s.i, s.src
	for k := 1; k < len(lit); k++ {
		if i+k >= len(src) {
			s.failEOF()
			return nil
		}
		if src[i+k] != lit[k] {
			s.failChar(i+k, "in literal "+lit+" (expecting '"+lit[k:k+1]+"')")
			return nil
		}
	}
	s.i = i + len(lit)
	return v
}

// number scans the number at s.i and returns its text as a json.Number.
func (s *jsonScanner) number() any {
	src := s.src
	start, i := s.i, s.i
	if src[i] == '-' {
		i++
		if i >= len(src) {
			s.failEOF()
			return nil
		}
	}
	switch c := src[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i++
		for i < len(src) && '0' <= src[i] && src[i] <= '9' {
			i++
		}
	default:
		s.failChar(i, "in numeric literal")
		return nil
	}
	if i < len(src) && src[i] == '.' {
		i++
		if i >= len(src) {
			s.failEOF()
			return nil
		}
		if c := src[i]; c < '0' || c > '9' {
			s.failChar(i, "after decimal point in numeric literal")
			return nil
		}
		for i < len(src) && '0' <= src[i] && src[i] <= '9' {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= len(src) {
			s.failEOF()
			return nil
		}
		if c := src[i]; c < '0' || c > '9' {
			s.failChar(i, "in exponent of numeric literal")
			return nil
		}
		for i < len(src) && '0' <= src[i] && src[i] <= '9' {
			i++
		}
	}
	s.i = i
	return json.Number(src[start:i])
}

// string scans the string at s.i and returns it decoded. A string that needs
// no decoding is returned as a substring of the document, without copying.
func (s *jsonScanner) string() string {
	data := s.data
	start := s.i + 1
	i := start
	for i+8 <= len(data) {
		// Mark the bytes that are '"', '\\', control or non-ASCII. Each
		// term marks its first such byte exactly (and maybe some after
		// it), so the lowest mark is the first byte that is not plain.
		x := binary.LittleEndian.Uint64(data[i:])
		q := x ^ ('"' * jsonOnes)
		b := x ^ ('\\' * jsonOnes)
		m := ((q - jsonOnes) &^ q) | ((b - jsonOnes) &^ b) | ((x - ' '*jsonOnes) &^ x) | x
		if m &= jsonHighs; m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	for i < len(data) && jsonPlain[data[i]] {
		i++
	}
	if i < len(data) && data[i] == '"' {
		s.i = i + 1
		return s.src[start:i]
	}
	return s.stringSlow(start, i)
}

// stringSlow finishes scanning a string whose content starts at start, from
// i, the first byte that is not plain ASCII. It decodes exactly as
// encoding/json does: escapes, surrogate pairs, and U+FFFD for invalid UTF-8
// and for unpaired surrogates.
func (s *jsonScanner) stringSlow(start, i int) string {
	src := s.src
	var buf []byte
	decoded := false // whether the string differs from its text, and buf holds it
	for {
		if i >= len(src) {
			s.failEOF()
			return ""
		}
		c := src[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(src[i:])
			s.nonASCII++
			if s.nonASCII == 1 {
				s.firstNonASCII = i
			}
			if r == utf8.RuneError && size == 1 {
				if !decoded {
					buf, decoded = append(s.buf[:0], src[start:i]...), true
				}
				buf = utf8.AppendRune(buf, r)
			} else if decoded {
				buf = append(buf, src[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			s.i = i + 1
			if !decoded {
				return src[start:i]
			}
			s.buf = buf
			return string(buf)
		case c == '\\':
			if !decoded {
				buf, decoded = append(s.buf[:0], src[start:i]...), true
			}
			i++
			if i >= len(src) {
				s.failEOF()
				return ""
			}
			switch e := src[i]; e {
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
				r := s.hex4(i + 1)
				if r < 0 {
					return ""
				}
				s.noteEscape(i - 1)
				i += 4
				if utf16.IsSurrogate(r) {
					if r2 := jsonGetu4(src, i+1); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							s.noteEscape(i + 1)
							i += 6
							buf = utf8.AppendRune(buf, dec)
							break
						}
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				s.failChar(i, "in string escape code")
				return ""
			}
			i++
		case c < ' ':
			s.failChar(i, "in string literal")
			return ""
		default:
			if decoded {
				buf = append(buf, c)
			}
			i++
		}
	}
}

// noteEscape counts a \u escape whose backslash is at off.
func (s *jsonScanner) noteEscape(off int) {
	s.escapes++
	if s.escapes == 1 {
		s.firstEscape = off
	}
}

// hex4 reads the four hex digits of a \u escape at i, reporting an error and
// returning -1 if they are not there.
func (s *jsonScanner) hex4(i int) rune {
	var r rune
	for k := i; k < i+4; k++ {
		if k >= len(s.src) {
			s.failEOF()
			return -1
		}
		d := jsonHexVal(s.src[k])
		if d < 0 {
			s.failChar(k, "in \\u hexadecimal character escape")
			return -1
		}
		r = r<<4 | d
	}
	return r
}

// jsonGetu4 decodes a \uXXXX escape at src[i:], or returns -1 if there is
// none.
func jsonGetu4(src string, i int) rune {
	if i+6 > len(src) || src[i] != '\\' || src[i+1] != 'u' {
		return -1
	}
	var r rune
	for k := i + 2; k < i+6; k++ {
		d := jsonHexVal(src[k])
		if d < 0 {
			return -1
		}
		r = r<<4 | d
	}
	return r
}

// jsonHexVal returns the value of the hex digit c, or -1.
func jsonHexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// jsonTapeBuilder lays out a document already known to be valid on a tape
// of jsonNode.
type jsonTapeBuilder struct {
	src  string     // the document
	i    int        // offset of the next byte to read
	tape []jsonNode // the values laid out so far
}

// skipSpace advances past JSON whitespace.
func (b *jsonTapeBuilder) skipSpace() {
	for b.i < len(b.src) {
		switch b.src[b.i] {
		case ' ', '\t', '\n', '\r':
			b.i++
			continue
		}
		return
	}
}

// skipString advances past the string whose opening quote is at b.i.
func (b *jsonTapeBuilder) skipString() {
	i := b.i + 1
	for {
		j := strings.IndexByte(b.src[i:], '"')
		if j < 0 { // cannot happen in a valid document
			b.i = len(b.src)
			return
		}
		i += j
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		k := i
		for k > b.i && b.src[k-1] == '\\' {
			k--
		}
		i++
		if (i-1-k)%2 == 0 {
			b.i = i
			return
		}
	}
}

// value lays out the value after any whitespace at b.i, whose key is at
// keyOff (-1 if it is not an object member).
func (b *jsonTapeBuilder) value(keyOff int) {
	b.skipSpace()
	src := b.src
	at := len(b.tape)
	b.tape = append(b.tape, jsonNode{val: b.i, key: keyOff})
	switch src[b.i] {
	case '{':
		b.i++
		b.skipSpace()
		if src[b.i] == '}' {
			b.i++
			break
		}
		for {
			b.skipSpace()
			key := b.i
			b.skipString()
			b.skipSpace()
			b.i++ // ':'
			b.value(key)
			b.skipSpace()
			b.i++ // ',' or '}'
			if src[b.i-1] == '}' {
				break
			}
		}
	case '[':
		b.i++
		b.skipSpace()
		if src[b.i] == ']' {
			b.i++
			break
		}
		for {
			b.value(-1)
			b.skipSpace()
			b.i++ // ',' or ']'
			if src[b.i-1] == ']' {
				break
			}
		}
	case '"':
		b.skipString()
	default: // number or literal
		for b.i < len(src) {
			switch src[b.i] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				b.tape[at].next = len(b.tape)
				return
			}
			b.i++
		}
	}
	b.tape[at].next = len(b.tape)
}
