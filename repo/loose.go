package repo

import (
	"math"
	"strconv"
	"strings"
)

// CompareLoose compares two DC/OS release versions the way Python's
// distutils LooseVersion does, which is how Universe filters packages by
// minDcosReleaseVersion: the strings are split into runs of digits and other
// runs (dots separate them), numbers compare as
// numbers and the lists compare element by element, so "1.9.0" > "1.9" and
// "1.14" < "2.0". As in Python, lower-case letters form words and any other
// run of characters but dots is a word of its own. Python raises an error comparing a number with a word; here
// a number sorts before a word. It returns -1, 0 or +1.
func CompareLoose(a, b string) int {
	as, bs := looseParts(a), looseParts(b)
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := as[i].compare(bs[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(as) < len(bs):
		return -1
	case len(as) > len(bs):
		return 1
	}
	return 0
}

type loosePart struct {
	num   int
	word  string
	isNum bool
}

func (p loosePart) compare(q loosePart) int {
	switch {
	case p.isNum && q.isNum:
		return cmpInt(p.num, q.num)
	case p.isNum:
		return -1
	case q.isNum:
		return 1
	}
	return strings.Compare(p.word, q.word)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func looseParts(s string) []loosePart {
	var parts []loosePart
	class := func(c byte) int {
		switch {
		case c >= '0' && c <= '9':
			return 1
		case c >= 'a' && c <= 'z':
			return 2
		case c == '.':
			return 3
		}
		return 4
	}
	for i := 0; i < len(s); {
		k := class(s[i])
		j := i + 1
		if k != 3 {
			for j < len(s) && class(s[j]) == k {
				j++
			}
		}
		switch k {
		case 1:
			n, err := strconv.Atoi(s[i:j])
			if err != nil {
				n = math.MaxInt // a run of digits too long for an int
			}
			parts = append(parts, loosePart{num: n, isNum: true})
		case 2, 4:
			parts = append(parts, loosePart{word: s[i:j]})
		}
		i = j
	}
	return parts
}
