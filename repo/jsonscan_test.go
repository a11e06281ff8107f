package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// jsonScanCorpusDir is the Universe packages folder, relative to this
// package, that the corpus test and benchmark read when it is there.
const jsonScanCorpusDir = "../../shared/corpus/universe/packages"

// jsonScanValidDocs are well-formed documents, also the fuzz seeds.
var jsonScanValidDocs = []string{
	`{}`,
	`[]`,
	`null`,
	`true`,
	`false`,
	`0`,
	`-0`,
	`-12.5e+10`,
	`1E-7`,
	`123456789012345678901234567890`,
	`1e999`,
	`""`,
	` "x" `,
	"\t\r\n[1, 2 ,3]\r\n",
	`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
	`{"name":"hdfs","licenses":[{"name":"Apache"}],"licenses":[{"name":"MIT"}]}`,
	`["\"\\\/\b\f\n\r\t"]`,
	`["\u0041\u00e9\u20AC\ud83d\ude00"]`,
	`["\ud800", "\udc00", "\ud800\u0041", "\ud800\ud800", "\udbff\udfff"]`,
	"[\"caf\xc3\xa9\", \"\xe2\x82\xac\", \"\xf0\x9f\x98\x80\"]",
	"[\"bad \xff utf8\", \"\xed\xa0\x80\", \"\xc3\", \"\xe2\x82\"]",
	`{"":{"":[]}}`,
	`{"a/b":{"m~n":1}}`,
	`[[[[[[[[[[{"deep":[{}]}]]]]]]]]]]`,
	"\xEF\xBB\xBF{\"bom\":true}",
}

// jsonScanErrorCases are malformed documents with the error scanJSON must
// report.
var jsonScanErrorCases = []struct {
	name string
	in   string
	want jsonSyntaxError
}{
	{"empty", ``, jsonSyntaxError{jsonPos{1, 1}, 0, jsonMsgEOF}},
	{"only space", "  \n ", jsonSyntaxError{jsonPos{2, 2}, 4, jsonMsgEOF}},
	{"unclosed object", "{\"a\":1", jsonSyntaxError{jsonPos{1, 7}, 6, jsonMsgEOF}},
	{"unclosed array", "[1,\n", jsonSyntaxError{jsonPos{2, 1}, 4, jsonMsgEOF}},
	{"unclosed string", `"abc`, jsonSyntaxError{jsonPos{1, 5}, 4, jsonMsgEOF}},
	{"cut escape", `"\`, jsonSyntaxError{jsonPos{1, 3}, 2, jsonMsgEOF}},
	{"cut hex escape", `"\u12`, jsonSyntaxError{jsonPos{1, 6}, 5, jsonMsgEOF}},
	{"cut number", `-`, jsonSyntaxError{jsonPos{1, 2}, 1, jsonMsgEOF}},
	{"cut exponent", `1e+`, jsonSyntaxError{jsonPos{1, 4}, 3, jsonMsgEOF}},
	{"cut literal", `tru`, jsonSyntaxError{jsonPos{1, 4}, 3, jsonMsgEOF}},
	{"trailing comma in object", "{\"a\":1,\n}", jsonSyntaxError{jsonPos{1, 7}, 6, "trailing comma in object"}},
	{"trailing comma in array", "[1, ]", jsonSyntaxError{jsonPos{1, 3}, 2, "trailing comma in array"}},
	{"missing colon", `{"a" 1}`, jsonSyntaxError{jsonPos{1, 6}, 5, "invalid character '1' after object key"}},
	{"missing comma in object", `{"a":1 "b":2}`, jsonSyntaxError{jsonPos{1, 8}, 7, `invalid character '"' after object key:value pair`}},
	{"missing comma in array", `[1 2]`, jsonSyntaxError{jsonPos{1, 4}, 3, "invalid character '2' after array element"}},
	{"bad key", `{1:2}`, jsonSyntaxError{jsonPos{1, 2}, 1, "invalid character '1' looking for beginning of object key string"}},
	{"single quotes", `{'a':1}`, jsonSyntaxError{jsonPos{1, 2}, 1, `invalid character '\'' looking for beginning of object key string`}},
	{"missing value", `{"a":}`, jsonSyntaxError{jsonPos{1, 6}, 5, "invalid character '}' looking for beginning of value"}},
	{"leading comma", `[,1]`, jsonSyntaxError{jsonPos{1, 2}, 1, "invalid character ',' looking for beginning of value"}},
	{"extra close", `{"a":1}}`, jsonSyntaxError{jsonPos{1, 8}, 7, "invalid character '}' after top-level value"}},
	{"two values", "1\n2", jsonSyntaxError{jsonPos{2, 1}, 2, "invalid character '2' after top-level value"}},
	{"tab in string", "\"a\tb\"", jsonSyntaxError{jsonPos{1, 3}, 2, `invalid character '\t' in string literal`}},
	{"newline in string", "[\"a\nb\"]", jsonSyntaxError{jsonPos{1, 4}, 3, `invalid character '\n' in string literal`}},
	{"bad escape", `"\x"`, jsonSyntaxError{jsonPos{1, 3}, 2, "invalid character 'x' in string escape code"}},
	{"quote escape", `"\'"`, jsonSyntaxError{jsonPos{1, 3}, 2, `invalid character '\'' in string escape code`}},
	{"bad hex", `"\u12g4"`, jsonSyntaxError{jsonPos{1, 6}, 5, `invalid character 'g' in \u hexadecimal character escape`}},
	{"bad minus", `-a`, jsonSyntaxError{jsonPos{1, 2}, 1, "invalid character 'a' in numeric literal"}},
	{"plus", `+1`, jsonSyntaxError{jsonPos{1, 1}, 0, "invalid character '+' looking for beginning of value"}},
	{"leading zero", `01`, jsonSyntaxError{jsonPos{1, 2}, 1, "invalid character '1' after top-level value"}},
	{"bare point", `1.e3`, jsonSyntaxError{jsonPos{1, 3}, 2, "invalid character 'e' after decimal point in numeric literal"}},
	{"bad exponent", `[1ex]`, jsonSyntaxError{jsonPos{1, 4}, 3, "invalid character 'x' in exponent of numeric literal"}},
	{"bad true", `trUe`, jsonSyntaxError{jsonPos{1, 3}, 2, "invalid character 'U' in literal true (expecting 'u')"}},
	{"bad false", `[fals]`, jsonSyntaxError{jsonPos{1, 6}, 5, "invalid character ']' in literal false (expecting 'e')"}},
	{"bad null", `nul1`, jsonSyntaxError{jsonPos{1, 4}, 3, "invalid character '1' in literal null (expecting 'l')"}},
	{"NaN", `NaN`, jsonSyntaxError{jsonPos{1, 1}, 0, "invalid character 'N' looking for beginning of value"}},
	{"comment", "{\n  // no\n}", jsonSyntaxError{jsonPos{2, 3}, 4, "invalid character '/' looking for beginning of object key string"}},
	{"multi-line", "{\n  \"a\": 1,\n  \"b\" 2\n}", jsonSyntaxError{jsonPos{3, 7}, 18, "invalid character '2' after object key"}},
	{"CRLF lines", "{\r\n\"a\":x}", jsonSyntaxError{jsonPos{2, 5}, 7, "invalid character 'x' looking for beginning of value"}},
	{"column in runes", "{\"\xc3\xa9\xe2\x82\xac\": 1 x}", jsonSyntaxError{jsonPos{1, 10}, 12, "invalid character 'x' after object key:value pair"}},
	{"NUL", "\x00", jsonSyntaxError{jsonPos{1, 1}, 0, `invalid character '\x00' looking for beginning of value`}},
	{"non-ASCII outside string", "\xff", jsonSyntaxError{jsonPos{1, 1}, 0, "invalid character 'ÿ' looking for beginning of value"}},
	{"C1 byte", "[\x85]", jsonSyntaxError{jsonPos{1, 2}, 1, `invalid character '\u0085' looking for beginning of value`}},
	{"BOM then error", "\xEF\xBB\xBF[1,]", jsonSyntaxError{jsonPos{1, 3}, 5, "trailing comma in array"}},
	{"BOM only", "\xEF\xBB\xBF", jsonSyntaxError{jsonPos{1, 1}, 3, jsonMsgEOF}},
	{"half BOM", "\xEF\xBB{}", jsonSyntaxError{jsonPos{1, 1}, 0, "invalid character 'ï' looking for beginning of value"}},
	{"second BOM", "\xEF\xBB\xBF\xEF\xBB\xBF{}", jsonSyntaxError{jsonPos{1, 1}, 3, "invalid character 'ï' looking for beginning of value"}},
	{"too deep", strings.Repeat("[", jsonMaxDepth+1), jsonSyntaxError{jsonPos{1, jsonMaxDepth + 1}, jsonMaxDepth, "exceeded max nesting depth 10000"}},
	{"too deep objects", strings.Repeat(`{"a":`, jsonMaxDepth+1), jsonSyntaxError{jsonPos{1, 5*jsonMaxDepth + 1}, 5 * jsonMaxDepth, "exceeded max nesting depth 10000"}},
}

// TestScanJSONValid checks that well-formed documents scan without error to
// the value encoding/json decodes, with every value found by its pointer.
func TestScanJSONValid(t *testing.T) {
	for _, in := range jsonScanValidDocs {
		if s := jsonScanCheck(t, []byte(in)); s == nil {
			t.Errorf("scanJSON(%.40q) failed, want no error", in)
		}
	}
	// As deep as encoding/json goes. Looking up every value by pointer
	// would take time quadratic in the depth, so only the deepest.
	deep := []struct {
		in, deepest string
		want        jsonPos
	}{
		{
			strings.Repeat("[", jsonMaxDepth) + strings.Repeat("]", jsonMaxDepth),
			strings.Repeat("/0", jsonMaxDepth-1),
			jsonPos{Line: 1, Col: jsonMaxDepth},
		},
		{
			strings.Repeat(`{"a":`, jsonMaxDepth-1) + "[null]" + strings.Repeat("}", jsonMaxDepth-1),
			strings.Repeat("/a", jsonMaxDepth-1) + "/0",
			jsonPos{Line: 1, Col: 5*(jsonMaxDepth-1) + 2},
		},
	}
	for _, tt := range deep {
		got, err := scanJSON([]byte(tt.in))
		if err != nil {
			t.Fatalf("scanJSON(%.40q) = %v, want no error", tt.in, err)
		}
		want, err := jsonScanStdlibValue([]byte(tt.in))
		if err != nil {
			t.Fatalf("encoding/json rejects %.40q: %v", tt.in, err)
		}
		if diff := jsonScanDiff(want, got.Value); diff != "" {
			t.Errorf("scanJSON(%.40q).Value mismatch (-want +got):\n%s", tt.in, diff)
		}
		if pos, ok := got.Pos(tt.deepest); pos != tt.want || !ok {
			t.Errorf("scanJSON(%.40q).Pos(%.20q...) = %v, %v, want %v, true", tt.in, tt.deepest, pos, ok, tt.want)
		}
	}
}

// TestScanJSONValue spells out decoded values for the cases that matter
// most, rather than only agreeing with encoding/json.
func TestScanJSONValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`{"a":1,"a":2}`, map[string]any{"a": json.Number("2")}},
		{`[1.50, -0, 1E+2]`, []any{json.Number("1.50"), json.Number("-0"), json.Number("1E+2")}},
		{`{"e":[],"o":{}}`, map[string]any{"e": []any{}, "o": map[string]any{}}},
		{`["\u00e9\ud83d\ude00", "\ud800x", "\udc00\ud800"]`, []any{"é😀", "\uFFFDx", "\uFFFD\uFFFD"}},
		{"\"a\xffb\xed\xa0\x80\"", "a\uFFFDb\uFFFD\uFFFD\uFFFD"},
		{`[true, false, null]`, []any{true, false, nil}},
	}
	for _, tt := range tests {
		got, err := scanJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("scanJSON(%q) = %v, want no error", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got.Value); diff != "" {
			t.Errorf("scanJSON(%q).Value mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestScanJSONSyntaxError checks the position and message of each class of
// syntax error.
func TestScanJSONSyntaxError(t *testing.T) {
	for _, tt := range jsonScanErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanJSON([]byte(tt.in))
			if got != nil {
				t.Errorf("scanJSON(%.40q) returned a scan with an error", tt.in)
			}
			var serr *jsonSyntaxError
			if !errors.As(err, &serr) {
				t.Fatalf("scanJSON(%.40q) = %v, want a *jsonSyntaxError", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, *serr); diff != "" {
				t.Errorf("scanJSON(%.40q) error mismatch (-want +got):\n%s", tt.in, diff)
			}
			jsonScanCheck(t, []byte(tt.in)) // agrees with encoding/json
		})
	}
}

// TestScanJSONSyntaxErrorString checks the form of the error text.
func TestScanJSONSyntaxErrorString(t *testing.T) {
	_, err := scanJSON([]byte("{\n  \"a\": 1,\n  \"b\" 2\n}"))
	want := "line 3, column 7: invalid character '2' after object key"
	if err == nil || err.Error() != want {
		t.Errorf("scanJSON(...).Error() = %v, want %q", err, want)
	}
}

// TestScanJSONDups checks duplicate keys: every later occurrence, nested,
// in arrays, with pointers needing escapes, and not across sibling objects.
func TestScanJSONDups(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []jsonDup
	}{
		{"none", `{"a":1,"b":2}`, nil},
		{"top level", `{"a":1,"a":2}`, []jsonDup{{"", "a", jsonPos{1, 2}, jsonPos{1, 8}}}},
		{"three times", "{\n\"a\":1,\n\"b\":2,\n\"a\":3,\n\"a\":4}", []jsonDup{
			{"", "a", jsonPos{2, 1}, jsonPos{4, 1}},
			{"", "a", jsonPos{2, 1}, jsonPos{5, 1}},
		}},
		{"nested", `{"x":{"y":{"b":1,"b":2}}}`, []jsonDup{{"/x/y", "b", jsonPos{1, 12}, jsonPos{1, 18}}}},
		{"in array of objects", `[{"k":1},{"k":1,"k":2}]`, []jsonDup{{"/1", "k", jsonPos{1, 11}, jsonPos{1, 17}}}},
		{"escaped pointer", `{"a/b":{"m~n":{"q":1,"q":2}}}`, []jsonDup{{"/a~1b/m~0n", "q", jsonPos{1, 16}, jsonPos{1, 22}}}},
		{"same key once escaped", `{"a":1,"\u0061":2}`, []jsonDup{{"", "a", jsonPos{1, 2}, jsonPos{1, 8}}}},
		{"sibling objects", `{"x":{"a":1},"y":{"a":1},"z":[{"a":1},{"a":1}]}`, nil},
		{"same key at other levels", `{"a":{"a":{"a":1}}}`, nil},
		{"document order", `{"a":{"b":1,"b":2},"a":3}`, []jsonDup{
			{"/a", "b", jsonPos{1, 7}, jsonPos{1, 13}},
			{"", "a", jsonPos{1, 2}, jsonPos{1, 20}},
		}},
		{"empty key", `{"":1,"":2}`, []jsonDup{{"", "", jsonPos{1, 2}, jsonPos{1, 7}}}},
		{"non-ASCII columns", "{\"\xc3\xa9\":1,\"\xc3\xa9\":2}", []jsonDup{{"", "é", jsonPos{1, 2}, jsonPos{1, 8}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanJSON([]byte(tt.in))
			if err != nil {
				t.Fatalf("scanJSON(%q) = %v, want no error", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got.Dups); diff != "" {
				t.Errorf("scanJSON(%q).Dups mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestScanJSONFlags checks the lint flags: CRLF, non-ASCII, \u escapes and
// BOM.
func TestScanJSONFlags(t *testing.T) {
	type flags struct {
		CRLF, FirstCRLF    int
		NonASCII           int
		FirstNonASCII      jsonPos
		UnicodeEscapes     int
		FirstUnicodeEscape jsonPos
		BOM                bool
	}
	tests := []struct {
		name string
		in   string
		want flags
	}{
		{"plain", "{\n  \"a\": 1\n}\n", flags{}},
		{"all CRLF", "{\r\n\"a\": 1\r\n}\r\n", flags{CRLF: 3, FirstCRLF: 1}},
		{"some CRLF", "{\n\"a\": 1,\n\"b\": 2\r\n}", flags{CRLF: 1, FirstCRLF: 3}},
		{"lone CR", "{\r\"a\": 1\r}", flags{}},
		{"non-ASCII", "{\n  \"a\": \"x\xc3\xa9\xe2\x82\xac\"\n}", flags{NonASCII: 2, FirstNonASCII: jsonPos{2, 10}}},
		{"non-ASCII key", "{\"\xf0\x9f\x98\x80\": 1}", flags{NonASCII: 1, FirstNonASCII: jsonPos{1, 3}}},
		{"invalid UTF-8", "[\"a\xff\xfe\"]", flags{NonASCII: 2, FirstNonASCII: jsonPos{1, 4}}},
		{"escapes", "[\"ok\",\n \"\\u00e9\", \"\\ud83d\\ude00\", \"\\n\"]", flags{UnicodeEscapes: 3, FirstUnicodeEscape: jsonPos{2, 3}}},
		{"escape in key", `{"\u0041":1}`, flags{UnicodeEscapes: 1, FirstUnicodeEscape: jsonPos{1, 3}}},
		{"BOM", "\xEF\xBB\xBF{\"a\": \"\xc3\xa9\"}", flags{NonASCII: 1, FirstNonASCII: jsonPos{1, 8}, BOM: true}},
		{"everything", "\xEF\xBB\xBF[\r\n\"\\u0041\xc3\xa9\"]", flags{CRLF: 1, FirstCRLF: 1, NonASCII: 1, FirstNonASCII: jsonPos{2, 8}, UnicodeEscapes: 1, FirstUnicodeEscape: jsonPos{2, 2}, BOM: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scanJSON([]byte(tt.in))
			if err != nil {
				t.Fatalf("scanJSON(%q) = %v, want no error", tt.in, err)
			}
			got := flags{s.CRLF, s.FirstCRLF, s.NonASCII, s.FirstNonASCII, s.UnicodeEscapes, s.FirstUnicodeEscape, s.BOM}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scanJSON(%q) flags mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// jsonScanPosDoc is the document TestScanJSONPos looks positions up in.
const jsonScanPosDoc = "{\n" + // line 1
	"  \"name\": \"hdfs\",\n" + // line 2
	"  \"tags\": [\"a\", {\"x\": null}],\n" + // line 3
	"  \"a/b\": {\"m~n\": true},\n" + // line 4
	"  \"\xc3\xa9t\xc3\xa9\": \"\xc3\xa9\", \"n\": -1.5,\n" + // line 5
	"  \"\": 0,\n" + // line 6
	"  \"d\": [1, 2, 3], \"d\": [9]\n" + // line 7
	"}\n"

// TestScanJSONPos checks value and key positions by pointer, and the
// fallback to the nearest existing ancestor.
func TestScanJSONPos(t *testing.T) {
	s, err := scanJSON([]byte(jsonScanPosDoc))
	if err != nil {
		t.Fatalf("scanJSON(jsonScanPosDoc) = %v, want no error", err)
	}
	tests := []struct {
		pointer string
		pos     jsonPos
		ok      bool
		keyPos  jsonPos
		keyOK   bool
	}{
		{"", jsonPos{1, 1}, true, jsonPos{1, 1}, false},
		{"/name", jsonPos{2, 11}, true, jsonPos{2, 3}, true},
		{"/tags", jsonPos{3, 11}, true, jsonPos{3, 3}, true},
		{"/tags/0", jsonPos{3, 12}, true, jsonPos{3, 12}, false},
		{"/tags/1", jsonPos{3, 17}, true, jsonPos{3, 17}, false},
		{"/tags/1/x", jsonPos{3, 23}, true, jsonPos{3, 18}, true},
		{"/a~1b", jsonPos{4, 10}, true, jsonPos{4, 3}, true},
		{"/a~1b/m~0n", jsonPos{4, 18}, true, jsonPos{4, 11}, true},
		{"/été", jsonPos{5, 10}, true, jsonPos{5, 3}, true},
		{"/n", jsonPos{5, 20}, true, jsonPos{5, 15}, true},
		{"/", jsonPos{6, 7}, true, jsonPos{6, 3}, true},
		// The later "d" wins, as in the decoded value: its first
		// occurrence's elements are gone.
		{"/d", jsonPos{7, 24}, true, jsonPos{7, 19}, true},
		{"/d/0", jsonPos{7, 25}, true, jsonPos{7, 25}, false},
		{"/d/1", jsonPos{7, 24}, false, jsonPos{7, 24}, false},
		// Missing: the nearest existing ancestor.
		{"/missing", jsonPos{1, 1}, false, jsonPos{1, 1}, false},
		{"/tags/1/y", jsonPos{3, 17}, false, jsonPos{3, 17}, false},
		{"/tags/7/z", jsonPos{3, 11}, false, jsonPos{3, 11}, false},
		{"/a~1b/m~0n/deeper", jsonPos{4, 18}, false, jsonPos{4, 18}, false},
		{"/a/b", jsonPos{1, 1}, false, jsonPos{1, 1}, false},
		{"/tags/01", jsonPos{3, 11}, false, jsonPos{3, 11}, false},
		{"no-slash", jsonPos{1, 1}, false, jsonPos{1, 1}, false},
	}
	for _, tt := range tests {
		if pos, ok := s.Pos(tt.pointer); pos != tt.pos || ok != tt.ok {
			t.Errorf("Pos(%q) = %v, %v, want %v, %v", tt.pointer, pos, ok, tt.pos, tt.ok)
		}
		if pos, ok := s.KeyPos(tt.pointer); pos != tt.keyPos || ok != tt.keyOK {
			t.Errorf("KeyPos(%q) = %v, %v, want %v, %v", tt.pointer, pos, ok, tt.keyPos, tt.keyOK)
		}
	}
}

// TestScanJSONPosConcurrent checks that concurrent lookups may race to lay
// out the lazy position tape (run with -race).
func TestScanJSONPosConcurrent(t *testing.T) {
	s, err := scanJSON([]byte(jsonScanPosDoc))
	if err != nil {
		t.Fatalf("scanJSON(jsonScanPosDoc) = %v, want no error", err)
	}
	want := jsonPos{Line: 3, Col: 23}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, ok := s.Pos("/tags/1/x"); got != want || !ok {
				t.Errorf("Pos(%q) = %v, %v, want %v, true", "/tags/1/x", got, ok, want)
			}
		})
	}
	wg.Wait()
}

// TestScanJSONPosBOMAndScalars checks positions in a document with a BOM
// and in one that is a single scalar.
func TestScanJSONPosBOMAndScalars(t *testing.T) {
	tests := []struct {
		in      string
		pointer string
		want    jsonPos
	}{
		{"\xEF\xBB\xBF{\"a\":1}", "/a", jsonPos{1, 6}},
		{"\xEF\xBB\xBF{\"a\":1}", "", jsonPos{1, 1}},
		{"\n\n   42 ", "", jsonPos{3, 4}},
		{"\r\n\t\"s\"", "", jsonPos{2, 2}},
	}
	for _, tt := range tests {
		s, err := scanJSON([]byte(tt.in))
		if err != nil {
			t.Fatalf("scanJSON(%q) = %v, want no error", tt.in, err)
		}
		if got, ok := s.Pos(tt.pointer); got != tt.want || !ok {
			t.Errorf("scanJSON(%q).Pos(%q) = %v, %v, want %v, true", tt.in, tt.pointer, got, ok, tt.want)
		}
	}
}

// TestScanJSONCorpus scans every manifest of the Universe corpus: exactly
// the known files have duplicate keys, and every file agrees with
// encoding/json.
func TestScanJSONCorpus(t *testing.T) {
	files := jsonScanLoadCorpus(t)
	want := map[string][]string{
		// Two keys repeat in these two (Python's json module agrees).
		"A/arangodb3/8/config.json":         {"arangodb-storage-engine", "arangodb-encryption-keyfile"},
		"A/arangodb3/9/config.json":         {"arangodb-storage-engine", "arangodb-encryption-keyfile"},
		"H/hdfs/2/package.json":             {"licenses"},
		"H/hdfs/3/package.json":             {"licenses"},
		"H/hdfs/4/package.json":             {"licenses"},
		"H/hdfs/5/package.json":             {"licenses"},
		"H/hdfs/6/package.json":             {"licenses"},
		"H/hdfs/7/package.json":             {"licenses"},
		"M/mysql-admin/1/package.json":      {"postInstallNotes"},
		"P/postgresql-admin/1/package.json": {"postInstallNotes"},
		"R/redis/0/package.json":            {"website"},
		"R/redis/1/package.json":            {"website"},
		"R/redis/2/package.json":            {"website"},
	}
	got := make(map[string][]string)
	for _, f := range files {
		s := jsonScanCheck(t, f.data)
		if s == nil {
			t.Errorf("%s: scanJSON failed", f.name)
			continue
		}
		for _, d := range s.Dups {
			got[f.name] = append(got[f.name], d.Key)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files with duplicate keys mismatch (-want +got):\n%s", diff)
	}
}

// TestScanJSONCorpusDupPositions spells out one real duplicate.
func TestScanJSONCorpusDupPositions(t *testing.T) {
	name := filepath.Join(jsonScanCorpusDir, "H/hdfs/2/package.json")
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("Universe corpus not found at %s; skipping", jsonScanCorpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := scanJSON(data)
	if err != nil {
		t.Fatalf("scanJSON(%s) = %v", name, err)
	}
	if len(s.Dups) != 1 {
		t.Fatalf("scanJSON(%s).Dups = %v, want 1 duplicate", name, s.Dups)
	}
	d := s.Dups[0]
	// The positions must point at the opening quote of "licenses".
	lines := strings.Split(string(data), "\n")
	for _, p := range []jsonPos{d.First, d.Dup} {
		line := lines[p.Line-1]
		if !strings.HasPrefix(line[p.Col-1:], `"licenses"`) {
			t.Errorf("duplicate at %v, which holds %q, want \"licenses\"", p, line)
		}
	}
	if d.Pointer != "" || d.First.Line >= d.Dup.Line {
		t.Errorf("Dups[0] = %+v, want top-level, first before duplicate", d)
	}
}

// FuzzScanJSON checks that scanJSON never panics, accepts exactly what
// encoding/json accepts, decodes to the same value, reports errors at the
// same place, and finds every value by its pointer.
func FuzzScanJSON(f *testing.F) {
	for _, in := range jsonScanValidDocs {
		f.Add([]byte(in))
	}
	for _, tt := range jsonScanErrorCases {
		if len(tt.in) < 1000 {
			f.Add([]byte(tt.in))
		}
	}
	f.Add([]byte(jsonScanPosDoc))
	f.Fuzz(func(t *testing.T, data []byte) {
		jsonScanCheck(t, data)
	})
}

// jsonScanCheck scans data and checks the result against encoding/json and
// against itself; it returns the scan, or nil for malformed data.
func jsonScanCheck(t testing.TB, data []byte) *jsonScan {
	t.Helper()
	s, err := scanJSON(data)
	bom := 0
	if bytes.HasPrefix(data, []byte(jsonBOM)) {
		bom = len(jsonBOM)
	}
	std := data[bom:]
	want, stdErr := jsonScanStdlibValue(std)
	if (err == nil) != (stdErr == nil) {
		t.Fatalf("scanJSON(%q) = %v, but encoding/json says %v", data, err, stdErr)
	}
	if err != nil {
		jsonScanCheckError(t, data, bom, err, stdErr)
		return nil
	}
	if diff := jsonScanDiff(want, s.Value); diff != "" {
		t.Fatalf("scanJSON(%q).Value mismatch (-want +got):\n%s", data, diff)
	}
	jsonScanCheckPos(t, data, s)
	return s
}

// jsonScanCheckError checks a syntax error against encoding/json's for the
// same data (less any BOM) and its position against the offset.
func jsonScanCheckError(t testing.TB, data []byte, bom int, err, stdErr error) {
	t.Helper()
	var got *jsonSyntaxError
	var want *json.SyntaxError
	if !errors.As(err, &got) || !errors.As(stdErr, &want) {
		t.Fatalf("scanJSON(%q) = %v, encoding/json %v: want both syntax errors", data, err, stdErr)
	}
	std := data[bom:]
	off := got.Offset - bom // in std
	switch {
	case got.Msg == jsonMsgEOF:
		// encoding/json words some early ends as the invalid character ' '.
		if want.Offset != int64(len(std)) || off != len(std) {
			t.Fatalf("scanJSON(%q) = %v at %d, encoding/json %v at %d", data, got, got.Offset, want, want.Offset)
		}
	case strings.HasPrefix(got.Msg, "trailing comma"):
		// encoding/json complains at the bracket; we point at the comma.
		end := int(want.Offset) - 1
		if off < 0 || off >= end || std[off] != ',' || !bytes.ContainsAny(std[end:end+1], "]}") ||
			len(bytes.TrimLeft(std[off+1:end], " \t\r\n")) != 0 {
			t.Fatalf("scanJSON(%q) = %v at %d, encoding/json %v at %d", data, got, got.Offset, want, want.Offset)
		}
	case strings.HasPrefix(got.Msg, "exceeded max nesting depth"):
		if !strings.HasSuffix(want.Error(), "exceeded max depth") || want.Offset != int64(off+1) {
			t.Fatalf("scanJSON(%q) = %v at %d, encoding/json %v at %d", data, got, got.Offset, want, want.Offset)
		}
	default:
		if got.Msg != want.Error() || want.Offset != int64(off+1) {
			t.Fatalf("scanJSON(%q) = %v at %d, encoding/json %v at %d", data, got, got.Offset, want, want.Offset)
		}
	}
	if wantPos := jsonScanNaivePos(data, bom)[got.Offset]; got.Pos != wantPos {
		t.Fatalf("scanJSON(%q) error at offset %d is at %v, want %v", data, got.Offset, got.Pos, wantPos)
	}
}

// jsonScanCheckPos checks that every value of s.Value can be found by
// its pointer, at the text of that very value (the last one for a duplicate
// key), with its key where it should be and a position that agrees with the
// offset.
func jsonScanCheckPos(t testing.TB, data []byte, s *jsonScan) {
	t.Helper()
	if _, ok := s.Pos(""); !ok {
		t.Fatalf("scanJSON(%q).Pos(\"\") not found", data)
	}
	if len(s.tape) != s.values {
		t.Fatalf("scanJSON(%q): tape has %d values, scan counted %d", data, len(s.tape), s.values)
	}
	src := s.text.src
	naive := jsonScanNaivePos(data, len(data)-len(bytes.TrimPrefix(data, []byte(jsonBOM))))
	var walk func(ptr string, v any, key string, member bool)
	walk = func(ptr string, v any, key string, member bool) {
		n, ok := s.node(ptr)
		if !ok {
			t.Fatalf("scanJSON(%q): no value at %q", data, ptr)
		}
		var children []string // decoded keys, or "" for elements
		for c := s.tapeIndex(n) + 1; c < n.next; c = s.tape[c].next {
			if s.tape[c].key >= 0 {
				children = append(children, jsonKeyAt(src, s.tape[c].key))
			} else {
				children = append(children, "")
			}
		}
		var ok2 bool
		switch v := v.(type) {
		case map[string]any:
			keys := make(map[string]bool)
			for _, k := range children {
				keys[k] = true
			}
			ok2 = src[n.val] == '{' && len(keys) == len(v)
			for k, c := range v {
				ok2 = ok2 && keys[k]
				walk(string(jsonAppendToken([]byte(ptr+"/"), k)), c, k, true)
			}
		case []any:
			ok2 = src[n.val] == '[' && len(children) == len(v)
			for i, c := range v {
				walk(fmt.Sprintf("%s/%d", ptr, i), c, "", false)
			}
		case string:
			ok2 = src[n.val] == '"' && jsonKeyAt(src, n.val) == v
		case json.Number:
			ok2 = strings.HasPrefix(src[n.val:], string(v)) &&
				(n.val+len(v) == len(src) || strings.IndexByte(",]} \t\r\n", src[n.val+len(v)]) >= 0)
		case bool:
			ok2 = strings.HasPrefix(src[n.val:], fmt.Sprint(v))
		case nil:
			ok2 = strings.HasPrefix(src[n.val:], "null")
		}
		if !ok2 {
			t.Fatalf("scanJSON(%q): %q is at offset %d (%.20q), which does not hold %#v", data, ptr, n.val, src[n.val:], v)
		}
		if member != (n.key >= 0) || member && jsonKeyAt(src, n.key) != key {
			t.Fatalf("scanJSON(%q): %q has key offset %d, want key %q", data, ptr, n.key, key)
		}
		if got, want := s.text.posAt(n.val), naive[n.val]; got != want {
			t.Fatalf("scanJSON(%q): %q at %v, want %v", data, ptr, got, want)
		}
		// A missing child falls back to this value.
		missing := "no such key"
		m, _ := v.(map[string]any)
		if _, has := m[missing]; !has {
			p := ptr + "/" + missing + "/deeper"
			if got, ok := s.Pos(p); ok || got != naive[n.val] {
				t.Fatalf("scanJSON(%q).Pos(%q) = %v, %v, want %v, false", data, p, got, ok, naive[n.val])
			}
		}
	}
	walk("", s.Value, "", false)
}

// tapeIndex returns the index of n on the tape, for tests.
func (s *jsonScan) tapeIndex(n jsonNode) int {
	return sort.Search(len(s.tape), func(i int) bool { return s.tape[i].val >= n.val })
}

// jsonScanDiff returns cmp.Diff(want, got) for decoded values, or "" if
// they are deeply equal. It asks reflect.DeepEqual first because cmp.Diff
// takes time exponential in the nesting depth of slices, and documents may
// nest 10,000 deep.
func jsonScanDiff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	if diff := cmp.Diff(want, got); diff != "" {
		return diff
	}
	return fmt.Sprintf("not deeply equal: %#v != %#v", want, got)
}

// jsonScanNaivePos computes the line and column of every offset of data,
// up to and including len(data), the plain way.
func jsonScanNaivePos(data []byte, bom int) []jsonPos {
	pos := make([]jsonPos, len(data)+1)
	line, col := 1, 1
	for i := bom; i < len(data); {
		_, size := utf8.DecodeRune(data[i:])
		for k := i; k < i+size; k++ {
			pos[k] = jsonPos{Line: line, Col: col}
		}
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	for i := 0; i < bom; i++ {
		pos[i] = jsonPos{Line: 1, Col: 1}
	}
	pos[len(data)] = jsonPos{Line: line, Col: col}
	return pos
}

// jsonScanStdlibValue decodes data as encoding/json does with UseNumber,
// returning Unmarshal's error for malformed data.
func jsonScanStdlibValue(data []byte) (any, error) {
	// Unmarshal checks the syntax before decoding; into a RawMessage it
	// does no more, so numbers cannot fail to convert.
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// jsonScanFile is one corpus file.
type jsonScanFile struct {
	name string // path below jsonScanCorpusDir, with forward slashes
	data []byte
}

// jsonScanLoadCorpus reads every *.json file of the corpus, skipping the
// test if the corpus is absent.
func jsonScanLoadCorpus(tb testing.TB) []jsonScanFile {
	tb.Helper()
	if _, err := os.Stat(jsonScanCorpusDir); errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("Universe corpus not found at %s; skipping", jsonScanCorpusDir)
	}
	var files []jsonScanFile
	err := fs.WalkDir(os.DirFS(jsonScanCorpusDir), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".json") {
			return err
		}
		data, err := os.ReadFile(filepath.Join(jsonScanCorpusDir, name))
		files = append(files, jsonScanFile{name: name, data: data})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no *.json files in %s", jsonScanCorpusDir)
	}
	return files
}

// BenchmarkScanJSONCorpus measures scanJSON over the whole corpus, with and
// without a first Pos lookup (which lays out the position tape), against
// encoding/json.
func BenchmarkScanJSONCorpus(b *testing.B) {
	files := jsonScanLoadCorpus(b)
	size := int64(0)
	for _, f := range files {
		size += int64(len(f.data))
	}
	b.Run("scanJSON", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range files {
				if _, err := scanJSON(f.data); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("scanJSON+Pos", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range files {
				s, err := scanJSON(f.data)
				if err != nil {
					b.Fatal(err)
				}
				s.Pos("/name")
			}
		}
	})
	b.Run("encoding-json-UseNumber", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range files {
				d := json.NewDecoder(bytes.NewReader(f.data))
				d.UseNumber()
				var v any
				if err := d.Decode(&v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-json-Valid", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range files {
				if !json.Valid(f.data) {
					b.Fatal("invalid")
				}
			}
		}
	})
}

// Example_scanJSON shows a duplicate key and a position looked up by
// pointer.
func Example_scanJSON() {
	s, err := scanJSON([]byte("{\n  \"name\": \"redis\",\n  \"website\": \"a\",\n  \"website\": \"b\"\n}\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range s.Dups {
		fmt.Printf("duplicate key %q at %d:%d, first at %d:%d\n", d.Key, d.Dup.Line, d.Dup.Col, d.First.Line, d.First.Col)
	}
	pos, _ := s.Pos("/website")
	fmt.Printf("/website = %v at %d:%d\n", s.Value.(map[string]any)["website"], pos.Line, pos.Col)
	_, err = scanJSON([]byte(`{"a": 1,}`))
	fmt.Println(err)
	// Output:
	// duplicate key "website" at 4:3, first at 3:3
	// /website = b at 4:14
	// line 1, column 8: trailing comma in object
}
