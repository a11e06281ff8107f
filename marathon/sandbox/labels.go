package sandbox

import (
	"fmt"
	"strings"
)

// selector is a parsed label selector: an AND of terms.
type selector []term

type term struct {
	key, op string // op: exists, ==, !=, in, notin
	values  []string
}

func isTermChar(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parseSelector parses Marathon's label selector syntax
// (api/v2/LabelSelector.scala): k, k==v, k!=v, k in (a,b), k notin (a,b),
// joined by commas, '\' escaping any character.
func parseSelector(q string) (selector, error) {
	p := &selParser{s: q}
	var out selector
	for {
		p.space()
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		p.space()
		if p.i == len(p.s) {
			return out, nil
		}
		if p.s[p.i] != ',' {
			return nil, fmt.Errorf("`,' expected but `%c' found", p.s[p.i])
		}
		p.i++
	}
}

type selParser struct {
	s string
	i int
}

func (p *selParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *selParser) word() (string, error) {
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '\\' && p.i+1 < len(p.s) {
			b.WriteByte(p.s[p.i+1])
			p.i += 2
			continue
		}
		if !isTermChar(c) {
			break
		}
		b.WriteByte(c)
		p.i++
	}
	if b.Len() == 0 {
		if p.i < len(p.s) {
			return "", fmt.Errorf("string matching regex `(\\\\.|[-A-Za-z0-9_.])+' expected but `%c' found", p.s[p.i])
		}
		return "", fmt.Errorf("string matching regex `(\\\\.|[-A-Za-z0-9_.])+' expected but end of source found")
	}
	return b.String(), nil
}

func (p *selParser) term() (term, error) {
	k, err := p.word()
	if err != nil {
		return term{}, err
	}
	p.space()
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, "=="), strings.HasPrefix(rest, "!="):
		op := rest[:2]
		p.i += 2
		p.space()
		v, err := p.word()
		if err != nil {
			return term{}, err
		}
		return term{key: k, op: op, values: []string{v}}, nil
	case strings.HasPrefix(rest, "in"), strings.HasPrefix(rest, "notin"):
		op := "in"
		if strings.HasPrefix(rest, "notin") {
			op = "notin"
		}
		p.i += len(op)
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '(' {
			return term{}, fmt.Errorf("`(' expected")
		}
		p.i++
		var vals []string
		for {
			p.space()
			v, err := p.word()
			if err != nil {
				return term{}, err
			}
			vals = append(vals, v)
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ')' {
				p.i++
				break
			}
			return term{}, fmt.Errorf("`)' expected")
		}
		return term{key: k, op: op, values: vals}, nil
	}
	return term{key: k, op: "exists"}, nil
}

func (sel selector) matches(labels map[string]any) bool {
	for _, t := range sel {
		v, ok := labels[t.key].(string)
		if !ok {
			return false
		}
		switch t.op {
		case "==":
			if v != t.values[0] {
				return false
			}
		case "!=":
			if v == t.values[0] {
				return false
			}
		case "in", "notin":
			found := false
			for _, x := range t.values {
				found = found || x == v
			}
			if found != (t.op == "in") {
				return false
			}
		}
	}
	return true
}
