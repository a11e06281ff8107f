package render

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cbroglie/mustache"
)

// parseErrorLine extracts the line of a mustache parse error.
func parseErrorLine(err error) (int, string, bool) {
	var pe mustache.ParseError
	if !errors.As(err, &pe) {
		return 0, "", false
	}
	return pe.Line, strings.TrimPrefix(pe.Error(), fmt.Sprintf("line %d: ", pe.Line)), true
}

// lineCol returns the 1-based line and column (in bytes) of offset in text.
func lineCol(text []byte, offset int) (int, int) {
	offset = max(0, min(offset, len(text)))
	line := 1 + bytes.Count(text[:offset], []byte("\n"))
	start := bytes.LastIndexByte(text[:offset], '\n') + 1
	return line, offset - start + 1
}

// snippet shows the rendered line holding offset with a caret under it,
// shortened around the caret when the line is long.
func snippet(text []byte, offset int) string {
	offset = max(0, min(offset, len(text)))
	start := bytes.LastIndexByte(text[:offset], '\n') + 1
	end := bytes.IndexByte(text[offset:], '\n')
	if end < 0 {
		end = len(text)
	} else {
		end += offset
	}
	line := strings.TrimRight(string(text[start:end]), "\r")
	col := offset - start
	const width = 100
	prefix := ""
	if col > width {
		cut := col - width/2
		line, col, prefix = line[cut:], col-cut, "..."
	}
	if len(line) > col+width {
		line = line[:col+width] + "..."
	}
	line = prefix + line
	col += len(prefix)
	ln, _ := lineCol(text, offset)
	gutter := fmt.Sprintf("  %d | ", ln)
	pad := strings.Map(func(r rune) rune {
		if r == '\t' {
			return '\t'
		}
		return ' '
	}, line[:min(col, len(line))])
	return gutter + line + "\n" + strings.Repeat(" ", len(gutter)) + pad + "^"
}

// location is where in the template a JSON error comes from.
type location struct {
	line, col int
	hint      string
}

// The markers locate renders a template with: one at the start of every
// template line, so that each byte of the output can be traced to the
// template line that produced it.
const (
	markOpen  = "\x00\x01"
	markClose = "\x01\x00"
)

// locate finds the template line and column behind a JSON error at offset
// in out (see traced). Only white space differs between out and the
// traced render (markers keep standalone tags from swallowing their
// lines), so the JSON error is at the same token.
func locate(text string, scope map[string]any, offset int, out []byte) (location, bool) {
	tr, ok := traced(text, scope)
	if !ok {
		return location{}, false
	}
	off := jsonErrorOffset([]byte(tr.plain))
	if off < 0 {
		return location{}, false
	}
	if backOff([]byte(tr.plain), off) {
		for off > 0 && isSpace(tr.plain[off-1]) {
			off--
		}
	}
	return tr.at(text, off)
}

// locateValue finds the template line and column of the value a JSON
// pointer names in the rendered document.
func locateValue(text string, scope map[string]any, pointer string) (location, bool) {
	tr, ok := traced(text, scope)
	if !ok {
		return location{}, false
	}
	off, ok := valueOffset([]byte(tr.plain), pointer)
	if !ok {
		return location{}, false
	}
	loc, ok := tr.at(text, off)
	loc.hint = ""
	return loc, ok
}

// trace is a render in which every byte is traced to its template line.
type trace struct {
	plain string
	lines []int // template line of each byte of plain
}

// traced renders the template again with a marker at the start of every
// line (sections repeat or drop markers as they do lines) and takes the
// markers out, remembering the template line of every byte.
func traced(text string, scope map[string]any) (*trace, bool) {
	if strings.Contains(text, "{{=") || strings.Contains(text, "\x00") {
		return nil, false
	}
	tmpl, err := compile(markLines(text))
	if err != nil {
		return nil, false
	}
	rendered, err := tmpl.Render(rootContext(scope, newBudget()))
	if err != nil {
		return nil, false
	}
	var plain strings.Builder
	var lines []int
	cur := 0
	for rest := rendered; rest != ""; {
		i := strings.Index(rest, markOpen)
		if i < 0 {
			plain.WriteString(rest)
			lines = appendN(lines, cur, len(rest))
			break
		}
		plain.WriteString(rest[:i])
		lines = appendN(lines, cur, i)
		j := strings.Index(rest[i:], markClose)
		if j < 0 {
			return nil, false
		}
		n, err := strconv.Atoi(rest[i+len(markOpen) : i+j])
		if err != nil {
			return nil, false
		}
		cur = n
		rest = rest[i+j+len(markClose):]
	}
	return &trace{plain: plain.String(), lines: lines}, true
}

// at maps an offset of the traced render to a template position.
func (tr *trace) at(text string, off int) (location, bool) {
	p, lines := tr.plain, tr.lines
	if len(lines) == 0 || off < 0 {
		return location{}, false
	}
	off = min(off, len(lines)-1)
	tline := lines[off]
	if tline == 0 {
		return location{}, false
	}
	// The rendered text of this template line up to the offset.
	start := off
	for start > 0 && lines[start-1] == tline && p[start-1] != '\n' {
		start--
	}
	tl := strings.Split(text, "\n")[tline-1]
	rl := p[start:]
	if nl := strings.IndexByte(rl, '\n'); nl >= 0 && nl >= off-start {
		rl = rl[:nl]
	}
	col, hint := matchColumn(strings.TrimRight(tl, "\r"), strings.TrimRight(rl, "\r"), off-start)
	return location{line: tline, col: col, hint: hint}, true
}

func appendN(s []int, v, n int) []int {
	for range n {
		s = append(s, v)
	}
	return s
}

// markLines puts a marker at the start of every line that does not begin
// inside a tag.
func markLines(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 16*strings.Count(text, "\n"))
	inTag := false
	line := 1
	b.WriteString(markOpen + "1" + markClose)
	for i := 0; i < len(text); i++ {
		switch {
		case !inTag && strings.HasPrefix(text[i:], "{{"):
			inTag = true
		case inTag && strings.HasPrefix(text[i:], "}}"):
			inTag = false
		}
		b.WriteByte(text[i])
		if text[i] == '\n' {
			line++
			if !inTag {
				b.WriteString(markOpen + strconv.Itoa(line) + markClose)
			}
		}
	}
	return b.String()
}

// backOff reports whether a JSON error at offset in out is a missing value
// ("size": followed by white space and , } ] or the end): it is then
// reported at the gap after the last token, which may be on an earlier
// line than the next one. The marked render of locate does the same.
func backOff(out []byte, offset int) bool {
	if offset < 0 || offset > len(out) || offset == 0 || !isSpace(out[offset-1]) {
		return false
	}
	return offset == len(out) || out[offset] == ',' || out[offset] == '}' || out[offset] == ']'
}

// jsonErrorOffset is the offset of the first JSON error in data, or -1.
func jsonErrorOffset(data []byte) int {
	_, err := parseJSON(data)
	var je *jsonError
	if !errors.As(err, &je) {
		return -1
	}
	return je.Offset
}

// matchColumn walks a template line's literal text and tags along its
// rendered text and returns the template column of the rendered byte at
// errAt and, when that byte is produced by (or follows) a tag, a hint about
// the tag's output.
func matchColumn(tline, rendered string, errAt int) (int, string) {
	pos := 0
	i := 0
	for i < len(tline) {
		j := strings.Index(tline[i:], "{{")
		if j != 0 {
			lit := tline[i:]
			if j > 0 {
				lit = tline[i : i+j]
			}
			for k := 0; k < len(lit); k++ {
				if pos >= len(rendered) || rendered[pos] != lit[k] {
					if pos >= errAt {
						return i + k + 1, ""
					}
					return 0, ""
				}
				if pos == errAt {
					if strings.TrimSpace(lit[k:]) != "" || j < 0 {
						return i + k + 1, ""
					}
					// Only white space before a tag: the tag is at fault.
					errAt += len(lit) - k
				}
				pos++
			}
			i += len(lit)
			continue
		}
		end := strings.Index(tline[i:], "}}")
		if end < 0 {
			return 0, ""
		}
		end += i + 2
		if end < len(tline) && tline[end] == '}' {
			end++
		}
		tag := tline[i:end]
		// The tag's output runs up to the next literal text.
		next := tline[end:]
		if k := strings.Index(next, "{{"); k >= 0 {
			next = next[:k]
		}
		var stop int
		if next == "" {
			stop = len(rendered)
		} else if k := strings.Index(rendered[pos:], next); k >= 0 {
			stop = pos + k
		} else {
			stop = len(rendered)
		}
		if errAt >= pos && errAt <= stop && !strings.HasPrefix(tag, "{{#") && !strings.HasPrefix(tag, "{{^") &&
			!strings.HasPrefix(tag, "{{/") && !strings.HasPrefix(tag, "{{!") {
			out := rendered[pos:stop]
			if strings.TrimSpace(out) == "" {
				return i + 1, fmt.Sprintf("%s rendered empty: the option has no value (no default); set it with --set or --options", tag)
			}
			if len(out) > 80 {
				out = out[:77] + "..."
			}
			return i + 1, fmt.Sprintf("%s rendered as %s", tag, out)
		}
		if errAt < stop {
			return i + 1, ""
		}
		pos = stop
		i = end
	}
	return 0, ""
}
