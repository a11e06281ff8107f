package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
)

// stdDecode is the reference: encoding/json with UseNumber, one value.
func stdDecode(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

var jsonSamples = []string{
	`{"a": [1, -2.5e+3, 0, 1E2, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x"], "b": {}, "c": [], "a": 2}`,
	`  "caf` + "\xc3\xa9 \xff" + `"  `, `-0`, `[1,]`, `{"a" 1}`, `{"a":1,}`, `01`, `1.`, `1e`, `-`, `"\u12"`, `"\x"`,
	"\"a\tb\"", `[`, `{`, `tru`, `nul`, `{"a":1} x`, `[1 2]`, `{1:2}`, "",
}

func TestParseJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		checkParseJSON(t, []byte(s))
	}
}

func checkParseJSON(t *testing.T, data []byte) {
	t.Helper()
	want, werr := stdDecode(data)
	got, gerr := parseJSON(data)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("parseJSON(%q): error %v, encoding/json: %v", data, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("parseJSON(%q) = %#v, encoding/json: %#v", data, got, want)
	}
	var je *jsonError
	if gerr != nil && (!errors.As(gerr, &je) || je.Offset < 0 || je.Offset > len(data)) {
		t.Fatalf("parseJSON(%q): error %v without a valid offset", data, gerr)
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(checkParseJSON)
}

func TestValueOffset(t *testing.T) {
	doc := []byte(`{"a": {"b": [10, {"c": "x"}]}, "d~/e": 1, "a": {"b": [20]}}`)
	tests := []struct {
		pointer string
		want    string // the text at the offset
		ok      bool
	}{
		{"", `{"a"`, true},
		{"/a/b/0", "20", true}, // the last "a" wins, as in decoding
		{"/d~0~1e", "1", true},
		{"/a/b/1", "", false},
		{"/x", "", false},
		{"/a/b/0/c", "", false},
	}
	for _, tt := range tests {
		off, ok := valueOffset(doc, tt.pointer)
		if ok != tt.ok || (ok && !bytes.HasPrefix(doc[off:], []byte(tt.want))) {
			t.Errorf("valueOffset(%q) = %d, %v; want %q, %v", tt.pointer, off, ok, tt.want, tt.ok)
		}
	}
}
