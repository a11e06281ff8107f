package index

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/universe-pm/universe/repo"
)

// MediaTypePrefix is the media type of a repository index without its
// version; MediaType appends "v3" … "v6".
const MediaTypePrefix = "application/vnd.dcos.universe.repo+json;charset=utf-8;version="

// MediaType returns the media type of index version n (3 to 6).
func MediaType(n int) string { return MediaTypePrefix + "v" + strconv.Itoa(n) }

// DCOSVersions are the DC/OS releases the Cosmos-compatible files are
// written for, oldest first, as the reference generator writes them.
var DCOSVersions = []string{"1.8", "1.9", "1.10", "1.11", "1.12", "1.13", "2.0"}

// MediaVersionFor returns the highest index version a DC/OS release can
// read: 3 up to 1.9, 4 up to 1.11 and 5 after, compared as LooseVersion.
func MediaVersionFor(dcos string) int {
	switch {
	case repo.CompareLoose(dcos, "1.9") <= 0:
		return 3
	case repo.CompareLoose(dcos, "1.11") <= 0:
		return 4
	}
	return 5
}

// Names of the files Build writes, relative to the output directory.
const (
	UniverseFile = "universe.json"
	EmptyFile    = "repo-empty-v3.json"
	NativeFile   = "index.json"
	// NativeDir holds the native index's split files: NativeDir/package/<name>.json.
	NativeDir = "v6"
)

// RepoFile returns the name of the file for DC/OS release dcos.
func RepoFile(dcos string) string { return "repo-up-to-" + dcos + ".json" }

// SplitFile returns the name of the split file of package name inside the
// directory dir (a DC/OS release, or NativeDir).
func SplitFile(dir, name string) string { return dir + "/package/" + name + ".json" }

// ContentTypeFile returns the name of the .content_type file beside the
// index file name.
func ContentTypeFile(name string) string {
	return name[:len(name)-len(filepath.Ext(name))] + ".content_type"
}

// Options adjust Build.
type Options struct {
	// Now is the clock for the native index's generation time; time.Now
	// when nil.
	Now func() time.Time
	// Finish, when set, is called with the temporary directory once every
	// file is written and before it replaces the output (to sign it, so
	// that the output is never served unsigned); its error abandons the
	// build.
	Finish func(ctx context.Context, dir string) error
}

// Result says what Build wrote.
type Result struct {
	Dir       string
	Files     int
	Bytes     int64
	Packages  int
	Revisions int
	// Skipped lists revisions left out because a file did not parse
	// (possible only with an invalid tree).
	Skipped []string
	// Digest is the native index's top-level digest.
	Digest string
}

// revOut is one revision's serialised entry in each form the files need.
type revOut struct {
	name    string
	rel     int
	minDcos string
	// v5 is the entry as universe.json and the files from 1.10 hold it; for a
	// 6.0 package it is the 5.0 downgrade.
	v5 []byte
	// v4 differs from v5 only for 6.0 packages (downgraded to 4.0).
	v4 []byte
	// v3 is the entry of the files below 1.10: quotes escaped, downgraded.
	v3 []byte
	// native is the entry with dependencies, without its sha256 member;
	// nil when it equals v5.
	native []byte
	sum    string
	// yanked is carried by the native entry outside its digest.
	yanked bool
}

func (r *revOut) nativeBytes() []byte {
	if r.native != nil {
		return r.native
	}
	return r.v5
}

// Build writes every index file for tree into the directory out: into a
// temporary directory beside it that is renamed into place at the end, so
// a failure leaves a previous output untouched. Entries are ordered by
// (name, releaseVersion). Revisions whose JSON does not parse are skipped
// and listed in the Result; callers refuse invalid trees before.
func Build(ctx context.Context, tree *repo.Tree, out string, opts Options) (*Result, error) {
	revs := tree.Revisions()
	dirs := make([]string, len(revs))
	for i, r := range revs {
		dirs[i] = r.Dir
	}
	return build(ctx, dirs, func(i int) (*repo.Revision, error) { return revs[i], nil }, out, opts)
}

// BuildFS is Build reading the package tree at the root of fsys one
// revision at a time instead of from a loaded tree, so that only the
// output stays in memory. The layout is the loader's:
// <LETTER>/<name>/<release>/, hidden entries ignored.
func BuildFS(ctx context.Context, fsys fs.FS, out string, opts Options) (*Result, error) {
	type ref struct {
		pkg, dir string
		rel      int
	}
	var refs []ref
	letters, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("reading package tree: %w", err)
	}
	for _, l := range letters {
		if !l.IsDir() || strings.HasPrefix(l.Name(), ".") {
			continue
		}
		pkgs, err := fs.ReadDir(fsys, l.Name())
		if err != nil {
			return nil, fmt.Errorf("reading package tree: %w", err)
		}
		for _, p := range pkgs {
			if !p.IsDir() || strings.HasPrefix(p.Name(), ".") {
				continue
			}
			pdir := l.Name() + "/" + p.Name()
			rels, err := fs.ReadDir(fsys, pdir)
			if err != nil {
				return nil, fmt.Errorf("reading package tree: %w", err)
			}
			for _, r := range rels {
				n, err := strconv.Atoi(r.Name())
				if !r.IsDir() || err != nil || n < 0 {
					continue
				}
				refs = append(refs, ref{pkg: p.Name(), dir: pdir + "/" + r.Name(), rel: n})
			}
		}
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if c := strings.Compare(a.pkg, b.pkg); c != 0 {
			return c
		}
		return a.rel - b.rel
	})
	dirs := make([]string, len(refs))
	for i, r := range refs {
		dirs[i] = r.dir
	}
	get := func(i int) (*repo.Revision, error) {
		r := refs[i]
		rev := &repo.Revision{Package: r.pkg, Release: r.rel, Dir: r.dir}
		for _, f := range []struct {
			name string
			dst  **repo.File
		}{{repo.PackageFile, &rev.PackageJSON}, {repo.ConfigFile, &rev.Config}, {repo.TemplateFile, &rev.Template},
			{repo.ResourceFile, &rev.Resource}, {repo.CommandFile, &rev.Command}} {
			p := r.dir + "/" + f.name
			data, err := fs.ReadFile(fsys, p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			*f.dst = &repo.File{Path: p, Data: data}
		}
		if _, err := fs.Stat(fsys, r.dir+"/"+repo.YankedFile); err == nil {
			rev.Yanked = true
		}
		return rev, nil
	}
	return build(ctx, dirs, get, out, opts)
}

func build(ctx context.Context, dirs []string, get func(int) (*repo.Revision, error), out string, opts Options) (*Result, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	res := &Result{Dir: out}
	outs := make([]*revOut, len(dirs))
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), max(len(dirs), 1)) {
		wg.Go(func() {
			var scratch []byte
			for i := range next {
				rev, err := get(i)
				if err != nil {
					errs[i] = err
					continue
				}
				outs[i], errs[i] = entryOf(rev, &scratch)
			}
		})
	}
feed:
	for i := range dirs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	kept := outs[:0]
	for i, o := range outs {
		if errs[i] != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s: %v", dirs[i], errs[i]))
			continue
		}
		kept = append(kept, o)
	}
	outs = kept
	res.Revisions = len(outs)

	files := plan(outs, now().UTC(), res)
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("creating temporary output: %w", err)
	}
	if err := writeAll(ctx, tmp, files); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("building index: %w", err)
	}
	if opts.Finish != nil {
		if err := opts.Finish(ctx, tmp); err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
	}
	for _, f := range files {
		res.Files++
		for _, p := range f.parts {
			res.Bytes += int64(len(p))
		}
	}
	if err := replaceDir(tmp, out); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return res, nil
}

// replaceDir moves tmp to out, moving an existing out aside first and
// removing it only once tmp is in place.
func replaceDir(tmp, out string) error {
	old := ""
	if _, err := os.Lstat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("replacing %s: %w", out, err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		return fmt.Errorf("replacing %s: %w", out, err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("removing the previous output: %w", err)
		}
	}
	return nil
}

type outFile struct {
	name  string
	parts [][]byte
	// link names an earlier file with the same content: this one is
	// written as a hard link to it (split files repeat across DC/OS
	// releases).
	link string
}

var (
	listOpen  = []byte(`{"packages": [`)
	listClose = []byte(`]}`)
	listSep   = []byte(`, `)
)

// listFile lays out {"packages": [e1, e2, ...]}, each entry given as one
// or more slices.
func listFile(name string, prefix []byte, entries [][][]byte) outFile {
	parts := make([][]byte, 0, 3*len(entries)+2)
	if prefix != nil {
		parts = append(parts, prefix)
	} else {
		parts = append(parts, listOpen)
	}
	for i, e := range entries {
		if i > 0 {
			parts = append(parts, listSep)
		}
		parts = append(parts, e...)
	}
	return outFile{name: name, parts: append(parts, listClose)}
}

func one(b []byte) [][]byte { return [][]byte{b} }

func textFile(name, s string) outFile { return outFile{name: name, parts: [][]byte{[]byte(s)}} }

// plan lays out every output file as a list of byte slices shared between
// files, so each entry is serialised once per form.
func plan(outs []*revOut, now time.Time, res *Result) []outFile {
	var files []outFile
	all := make([][][]byte, len(outs))
	for i, o := range outs {
		all[i] = one(o.v5)
	}
	files = append(files,
		listFile(UniverseFile, nil, all), textFile(ContentTypeFile(UniverseFile), MediaType(5)),
		listFile(EmptyFile, nil, nil), textFile(ContentTypeFile(EmptyFile), MediaType(3)))
	for _, dcos := range DCOSVersions {
		mv := MediaVersionFor(dcos)
		var sel []*revOut
		for _, o := range outs {
			min := o.minDcos
			if min == "" {
				min = "0.0"
			}
			if repo.CompareLoose(min, dcos) <= 0 {
				sel = append(sel, o)
			}
		}
		form := func(o *revOut) [][]byte {
			switch mv {
			case 3:
				return one(o.v3)
			case 4:
				return one(o.v4)
			}
			return one(o.v5)
		}
		entries := make([][][]byte, len(sel))
		for i, o := range sel {
			entries[i] = form(o)
		}
		files = append(files, listFile(RepoFile(dcos), nil, entries), textFile(ContentTypeFile(RepoFile(dcos)), MediaType(mv)))
		files = append(files, splitFiles(dcos, sel, form, nil)...)
	}
	linkSame(files)

	// The native index: every revision, with its sha256.
	native := make([][][]byte, len(outs))
	h := sha256.New()
	names := map[string]bool{}
	for i, o := range outs {
		native[i] = withSum(o)
		fmt.Fprintf(h, "%s\t%d\t%s\n", o.name, o.rel, o.sum)
		names[o.name] = true
	}
	res.Packages = len(names)
	res.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	head := fmt.Appendf(nil, `{"version": "v6", "generatedAt": %q, "digest": %q, "packages": [`,
		now.Format(time.RFC3339), res.Digest)
	files = append(files, listFile(NativeFile, head, native), textFile(ContentTypeFile(NativeFile), MediaType(6)))
	files = append(files, splitFiles(NativeDir, outs, withSum, []byte(`{"version": "v6", "packages": [`))...)
	return files
}

// withSum returns the native entry with its "sha256" member appended
// (after "yanked": true for a yanked revision, which is status, not
// content, and so outside the digest), as two slices so that the entry's
// bytes are not copied.
func withSum(o *revOut) [][]byte {
	n := o.nativeBytes()
	if o.yanked {
		return [][]byte{n[:len(n)-1], []byte(`, "yanked": true, "sha256": "` + o.sum + `"}`)}
	}
	return [][]byte{n[:len(n)-1], []byte(`, "sha256": "` + o.sum + `"}`)}
}

// linkSame marks each split file whose parts are the very same slices as
// an earlier file's as a link to that file.
func linkSame(files []outFile) {
	seen := map[string]string{}
	var key []byte
	for i := range files {
		f := &files[i]
		if !strings.Contains(f.name, "/package/") {
			continue
		}
		key = key[:0]
		for _, p := range f.parts {
			key = fmt.Appendf(key, "%p:%d,", unsafe.SliceData(p), len(p))
		}
		if first, ok := seen[string(key)]; ok {
			f.link = first
			continue
		}
		seen[string(key)] = f.name
	}
}

// splitFiles groups entries by package name, in order of first appearance
// as the reference generator does.
func splitFiles(dir string, sel []*revOut, form func(*revOut) [][]byte, prefix []byte) []outFile {
	var files []outFile
	for i := 0; i < len(sel); {
		j := i
		var entries [][][]byte
		for j < len(sel) && sel[j].name == sel[i].name {
			entries = append(entries, form(sel[j]))
			j++
		}
		files = append(files, listFile(SplitFile(dir, sel[i].name), prefix, entries))
		i = j
	}
	return files
}

func writeAll(ctx context.Context, dir string, files []outFile) error {
	dirs := map[string]bool{}
	for _, f := range files {
		d := filepath.Dir(filepath.Join(dir, f.name))
		if !dirs[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("building index: %w", err)
			}
			dirs[d] = true
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan outFile)
	for range min(runtime.GOMAXPROCS(0)+1, len(files)) {
		wg.Go(func() {
			w := bufio.NewWriterSize(nil, 256<<10)
			for f := range next {
				if err := writeFile(w, filepath.Join(dir, f.name), f.parts); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		if f.link == "" {
			next <- f
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("building index: %w", err)
	}
	if first != nil {
		return first
	}
	for _, f := range files {
		if f.link == "" {
			continue
		}
		p := filepath.Join(dir, f.name)
		if err := os.Link(filepath.Join(dir, f.link), p); err != nil {
			// No hard links on this file system: write a copy.
			if err := writeFile(bufio.NewWriter(nil), p, f.parts); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeFile writes the parts to path through w, a buffer reused across
// files.
func writeFile(w *bufio.Writer, path string, parts [][]byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	w.Reset(f)
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// errNotObject is returned for a package.json that is not an object.
var errNotObject = errors.New("package.json is not a JSON object")

// entryOf builds a revision's index entry the way the reference generator
// does (package.json members in file order, then releaseVersion, resource,
// marathon, config, command when their files are non-empty) and
// serialises it in every form the outputs need.
func entryOf(rev *repo.Revision, scratch *[]byte) (*revOut, error) {
	e, err := entryObject(rev)
	if err != nil {
		return nil, err
	}
	o := &revOut{name: e.String("name"), minDcos: e.String("minDcosReleaseVersion")}
	if o.name == "" {
		o.name = rev.Package
	}
	o.rel = rev.Release
	o.yanked = rev.Yanked
	// Encode into the worker's scratch buffer and keep an exact copy.
	enc := func(v any) []byte {
		*scratch = Append((*scratch)[:0], v)
		return bytes.Clone(*scratch)
	}
	is6 := e.String("packagingVersion") == "6.0"
	if is6 {
		o.native = enc(e)
		o.v5 = enc(downgrade(e, 5))
		o.v4 = enc(downgrade(e, 4))
	} else {
		o.v5 = enc(e)
		o.v4 = o.v5
	}
	if v3 := below110(e, is6); v3 != e {
		o.v3 = enc(v3)
	} else {
		o.v3 = o.v5
	}
	s := sha256.Sum256(o.nativeBytes())
	o.sum = hex.EncodeToString(s[:])
	return o, nil
}

// entryObject is a revision's native index entry, without its sha256.
func entryObject(rev *repo.Revision) (*Object, error) {
	if rev.PackageJSON == nil {
		return nil, errors.New("no package.json")
	}
	pv, err := parseAlias(rev.PackageJSON.Data)
	if err != nil {
		return nil, fmt.Errorf("package.json: %w", err)
	}
	pkg, ok := pv.(*Object)
	if !ok {
		return nil, errNotObject
	}
	e := pkg.Clone()
	e.Set("releaseVersion", Number(strconv.Itoa(rev.Release)))
	for _, f := range []struct {
		key  string
		file *repo.File
	}{{"resource", rev.Resource}, {"marathon", rev.Template}, {"config", rev.Config}, {"command", rev.Command}} {
		if f.file == nil {
			continue
		}
		if f.key == "marathon" {
			if len(f.file.Data) > 0 {
				e.Set("marathon", &Object{Keys: []string{"v2AppMustacheTemplate"},
					Vals: []any{base64Bytes(f.file.Data)}})
			}
			continue
		}
		v, err := parseAlias(f.file.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f.file.Path), err)
		}
		if truthy(v) {
			e.Set(f.key, v)
		}
	}
	return e, nil
}

// nativeSum is the sha256 Build records for a revision: that of its
// native entry.
func nativeSum(rev *repo.Revision, scratch *[]byte) (string, error) {
	e, err := entryObject(rev)
	if err != nil {
		return "", err
	}
	*scratch = Append((*scratch)[:0], e)
	s := sha256.Sum256(*scratch)
	return hex.EncodeToString(s[:]), nil
}

// downgrade returns a 6.0 entry as a packagingVersion n.0 entry: without
// dependencies (and, below 4.0, without upgradesFrom/downgradesTo).
func downgrade(e *Object, n int) *Object {
	c := e.Clone()
	c.Delete("dependencies")
	if n < 4 {
		c.Delete("upgradesFrom")
		c.Delete("downgradesTo")
	}
	c.Set("packagingVersion", strconv.Itoa(n)+".0")
	return c
}

// below110 is the form of the files for DC/OS before 1.10: quotes in
// config descriptions and string defaults escaped once more, then 4.0 and
// later packages downgraded to 3.0 (our 6.0 ones lose their dependencies).
func below110(e *Object, is6 bool) *Object {
	c := e.Clone()
	changed := false
	if cv, ok := c.Get("config"); ok {
		if cfg, ok := cv.(*Object); ok {
			if props, ok := cfg.Get("properties"); ok {
				cp := deepCopy(props)
				if escapeProps(cp) {
					cfg = cfg.Clone()
					cfg.Set("properties", cp)
					c.Set("config", cfg)
					changed = true
				}
			}
		}
	}
	switch c.String("packagingVersion") {
	case "2.0", "3.0":
		if !changed {
			return e
		}
		return c
	}
	if is6 {
		c.Delete("dependencies")
	}
	c.Delete("upgradesFrom")
	c.Delete("downgradesTo")
	c.Set("packagingVersion", "3.0")
	return c
}

// escapeProps is the reference's json_escape_compatibility, applied in
// place to a copy of config.properties. It reports whether a string changed.
func escapeProps(v any) bool {
	props, ok := v.(*Object)
	if !ok {
		return false
	}
	changed := false
	set := func(p *Object, k, s string) {
		if e := escapeQuotes(s); e != s {
			p.Set(k, e)
			changed = true
		}
	}
	for _, pv := range props.Vals {
		p, ok := pv.(*Object)
		if !ok {
			continue
		}
		if d, ok := p.Get("description"); ok {
			if s, ok := d.(string); ok {
				set(p, "description", s)
			}
		}
		if t, ok := p.Get("type"); ok {
			switch t {
			case "string":
				if d, ok := p.Get("default"); ok {
					if s, ok := d.(string); ok {
						set(p, "default", s)
					}
				}
			case "object":
				if sub, ok := p.Get("properties"); ok {
					if escapeProps(sub) {
						changed = true
					}
				}
			}
		}
	}
	return changed
}

// escapeQuotes is re.sub(r'([^\\])"', r'\1\"', s): a backslash before each
// quote that follows a character other than a backslash, matches not
// overlapping (so of two adjacent quotes only the first is escaped).
func escapeQuotes(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		if i+1 < len(s) && s[i] != '\\' && s[i+1] == '"' {
			if b == nil {
				b = append(make([]byte, 0, len(s)+8), s[:i]...)
			}
			b = append(b, s[i], '\\', '"')
			i += 2
			continue
		}
		if b != nil {
			b = append(b, s[i])
		}
		i++
	}
	if b == nil {
		return s
	}
	return string(b)
}
