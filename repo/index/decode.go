package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing/fstest"

	"github.com/universe-pm/universe/repo"
)

// Index is a decoded repository index: any of v3 to v6. Entries keep their
// raw bytes; only the fields needed to list, search and resolve packages
// are decoded, so decoding a 30 MB index is a single fast pass.
type Index struct {
	// Version is "v6" for a native index, "" for Cosmos files (their
	// version is in the media type, not the body).
	Version     string
	GeneratedAt string
	Digest      string
	Entries     []Entry
}

// Entry is one revision of a package in an index.
type Entry struct {
	Name             string
	Version          string
	Release          int
	PackagingVersion string
	Description      string
	Tags             []string
	Selected         bool
	Framework        bool
	// SHA256 is the digest of the entry's canonical content (native
	// indexes only).
	SHA256 string
	// Yanked marks a withdrawn revision (native indexes only): resolution
	// skips it unless its exact version is asked for.
	Yanked bool
	// Raw is the entry's JSON text as it appears in the index.
	Raw []byte
}

// MaxEntries bounds the package entries (revisions) of an index. The
// Universe corpus has 1,235 and its largest Cosmos file 1,075.
const MaxEntries = 100_000

// ErrTooManyEntries is wrapped by the error of Decode for an index with
// more than MaxEntries entries.
var ErrTooManyEntries = errors.New("too many index entries")

// ErrDigest is wrapped by the errors of Verify when an entry's content
// does not match its sha256.
var ErrDigest = errors.New("sha256 mismatch")

// Decode decodes an index document. It returns an error wrapping
// ErrSyntax when data is not a JSON object with a "packages" array of
// objects.
func Decode(data []byte) (*Index, error) {
	s := skimmer{b: data}
	ix := &Index{}
	s.space()
	if !s.expect('{') {
		return nil, s.error("expected an object")
	}
	seenPackages := false
	for first := true; ; first = false {
		s.space()
		if s.peek() == '}' && first {
			s.i++
			break
		}
		key, ok := s.key()
		if !ok {
			return nil, s.error("expected a key")
		}
		switch key {
		case "packages":
			if seenPackages {
				// encoding/json would keep the last array, this decoder
				// both: refuse rather than differ from other readers.
				return nil, s.error("a second \"packages\" member")
			}
			if err := s.entries(ix); err != nil {
				return nil, err
			}
			seenPackages = true
		case "version", "generatedAt", "digest":
			start := s.i
			if !s.skip() {
				return nil, s.error("invalid value")
			}
			v, _ := Parse(s.b[start:s.i])
			str, _ := v.(string)
			switch key {
			case "version":
				ix.Version = str
			case "generatedAt":
				ix.GeneratedAt = str
			default:
				ix.Digest = str
			}
		default:
			if !s.skip() {
				return nil, s.error("invalid value")
			}
		}
		s.space()
		if s.expect(',') {
			continue
		}
		if s.expect('}') {
			break
		}
		return nil, s.error("expected ',' or '}'")
	}
	s.space()
	if s.i != len(s.b) {
		return nil, s.error("trailing data")
	}
	if !seenPackages {
		return nil, fmt.Errorf("%w: no \"packages\" array", ErrSyntax)
	}
	return ix, nil
}

type skimmer struct {
	b []byte
	i int
}

func (s *skimmer) error(msg string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, msg, s.i)
}

func (s *skimmer) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *skimmer) expect(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *skimmer) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// key reads `"name":` and returns the decoded name.
func (s *skimmer) key() (string, bool) {
	start := s.i
	if !s.skipString() {
		return "", false
	}
	raw := s.b[start:s.i]
	var k string
	if bytes.IndexByte(raw, '\\') < 0 {
		k = string(raw[1 : len(raw)-1])
	} else {
		v, err := Parse(raw)
		if err != nil {
			return "", false
		}
		k = v.(string)
	}
	s.space()
	if !s.expect(':') {
		return "", false
	}
	s.space()
	return k, true
}

func (s *skimmer) skipString() bool {
	if !s.expect('"') {
		return false
	}
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			return false
		}
		s.i += j
		// The quote ends the string unless an odd number of backslashes
		// precede it.
		n := 0
		for k := s.i - 1; k >= 0 && s.b[k] == '\\'; k-- {
			n++
		}
		s.i++
		if n%2 == 0 {
			return true
		}
	}
}

// skip moves past one value without decoding it. Containers are skimmed
// by counting brackets outside strings; Parse validates what is kept.
func (s *skimmer) skip() bool {
	switch c := s.peek(); c {
	case '"':
		return s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			j := bytes.IndexAny(s.b[s.i:], "\"{}[]")
			if j < 0 {
				return false
			}
			s.i += j
			switch s.b[s.i] {
			case '"':
				if !s.skipString() {
					return false
				}
				continue
			case '{', '[':
				depth++
			default:
				depth--
			}
			s.i++
			if depth == 0 {
				return true
			}
		}
		return false
	case 0:
		return false
	default:
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return s.i > start
			}
			s.i++
		}
		return s.i > start
	}
}

func (s *skimmer) entries(ix *Index) error {
	if !s.expect('[') {
		return s.error("\"packages\" is not an array")
	}
	s.space()
	if s.expect(']') {
		return nil
	}
	for {
		s.space()
		start := s.i
		e, err := s.entry()
		if err != nil {
			return err
		}
		e.Raw = s.b[start:s.i]
		if len(ix.Entries) == MaxEntries {
			return fmt.Errorf("%w: more than %d package entries in the index (the limit)", ErrTooManyEntries, MaxEntries)
		}
		ix.Entries = append(ix.Entries, e)
		s.space()
		if s.expect(',') {
			continue
		}
		if s.expect(']') {
			return nil
		}
		return s.error("expected ',' or ']'")
	}
}

func (s *skimmer) entry() (Entry, error) {
	var e Entry
	if !s.expect('{') {
		return e, s.error("a package entry is not an object")
	}
	s.space()
	if s.expect('}') {
		return e, nil
	}
	for {
		s.space()
		k, ok := s.key()
		if !ok {
			return e, s.error("expected a key")
		}
		start := s.i
		if !s.skip() {
			return e, s.error("invalid value")
		}
		switch k {
		case "name", "version", "releaseVersion", "packagingVersion", "description", "tags", "selected", "framework", "sha256", "yanked":
			v, err := Parse(s.b[start:s.i])
			if err != nil {
				return e, fmt.Errorf("entry member %q: %w", k, err)
			}
			switch k {
			case "name":
				e.Name, _ = v.(string)
			case "version":
				e.Version, _ = v.(string)
			case "releaseVersion":
				n, _ := v.(Number)
				e.Release, _ = strconv.Atoi(string(n))
			case "packagingVersion":
				e.PackagingVersion, _ = v.(string)
			case "description":
				e.Description, _ = v.(string)
			case "tags":
				l, _ := v.([]any)
				for _, t := range l {
					if ts, ok := t.(string); ok {
						e.Tags = append(e.Tags, ts)
					}
				}
			case "selected":
				e.Selected, _ = v.(bool)
			case "framework":
				e.Framework, _ = v.(bool)
			case "sha256":
				e.SHA256, _ = v.(string)
			case "yanked":
				e.Yanked, _ = v.(bool)
			}
		}
		s.space()
		if s.expect(',') {
			continue
		}
		if s.expect('}') {
			return e, nil
		}
		return e, s.error("expected ',' or '}'")
	}
}

// Sum returns the sha256 of an entry's canonical content: the entry
// without its "sha256" and "yanked" members, formatted as Build writes it.
func Sum(raw []byte) (string, error) {
	v, err := Parse(raw)
	if err != nil {
		return "", err
	}
	o, ok := v.(*Object)
	if !ok {
		return "", fmt.Errorf("%w: entry is not an object", ErrSyntax)
	}
	o.Delete("sha256")
	o.Delete("yanked")
	s := sha256.Sum256(Append(nil, o))
	return hex.EncodeToString(s[:]), nil
}

// Verify checks the entry's content against its sha256 member; it returns
// an error wrapping ErrDigest when they differ or the entry has none.
func (e *Entry) Verify() error {
	if e.SHA256 == "" {
		return fmt.Errorf("%s release %d: %w: no sha256 in the index", e.Name, e.Release, ErrDigest)
	}
	// Fast path: the entry is as Build wrote it, canonical with its sha256
	// member last, so hashing the bytes before that member is enough.
	const tail = len(`, "sha256": "`) + 64 + len(`"}`)
	if n := len(e.Raw); n > tail && bytes.HasPrefix(e.Raw[n-tail:], []byte(`, "sha256": "`)) {
		h := sha256.New()
		h.Write(e.Raw[:n-tail])
		h.Write([]byte{'}'})
		if hex.EncodeToString(h.Sum(nil)) == e.SHA256 {
			return nil
		}
	}
	got, err := Sum(e.Raw)
	if err != nil {
		return fmt.Errorf("%s release %d: %w", e.Name, e.Release, err)
	}
	if got != e.SHA256 {
		return fmt.Errorf("%s release %d: %w: content has %s, index says %s", e.Name, e.Release, ErrDigest, got, e.SHA256)
	}
	return nil
}

// Package turns the entries of one package (any order) into a
// repo.Package, each entry becoming a Revision with the files it was
// built from: package.json, config.json, marathon.json.mustache,
// resource.json, command.json. The revisions are loaded with repo.Load, so
// they behave exactly like revisions read from a package tree.
func Package(ctx context.Context, name string, entries []Entry) (*repo.Package, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("package %s: no entries", name)
	}
	if name == "" {
		return nil, fmt.Errorf("%w: a package entry has no name", ErrSyntax)
	}
	fsys := fstest.MapFS{}
	letter := strings.ToUpper(name[:1])
	for _, e := range entries {
		v, err := Parse(e.Raw)
		if err != nil {
			return nil, fmt.Errorf("package %s release %d: %w", name, e.Release, err)
		}
		o, ok := v.(*Object)
		if !ok {
			return nil, fmt.Errorf("package %s release %d: %w: not an object", name, e.Release, ErrSyntax)
		}
		dir := letter + "/" + name + "/" + strconv.Itoa(e.Release) + "/"
		meta := o.Clone()
		for _, k := range []string{"releaseVersion", "resource", "marathon", "config", "command", "sha256", "yanked"} {
			meta.Delete(k)
		}
		fsys[dir+repo.PackageFile] = &fstest.MapFile{Data: Append(nil, meta)}
		if e.Yanked {
			fsys[dir+repo.YankedFile] = &fstest.MapFile{Data: []byte("{}")}
		}
		for k, file := range map[string]string{"resource": repo.ResourceFile, "config": repo.ConfigFile, "command": repo.CommandFile} {
			if v, ok := o.Get(k); ok {
				fsys[dir+file] = &fstest.MapFile{Data: Append(nil, v)}
			}
		}
		if m, ok := o.Get("marathon"); ok {
			mo, _ := m.(*Object)
			if mo != nil {
				tmpl, err := base64.StdEncoding.DecodeString(mo.String("v2AppMustacheTemplate"))
				if err != nil {
					return nil, fmt.Errorf("package %s release %d: template: %w", name, e.Release, err)
				}
				fsys[dir+repo.TemplateFile] = &fstest.MapFile{Data: tmpl}
			}
		}
	}
	tree, err := repo.Load(ctx, fsys)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", name, err)
	}
	p, ok := tree.Package(name)
	if !ok {
		return nil, fmt.Errorf("package %s: not loadable from its entries: %v", name, tree.Problems)
	}
	return p, nil
}
