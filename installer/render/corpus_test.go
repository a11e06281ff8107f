package render

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/golden"
	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo"
)

var corpusOnce struct {
	sync.Once
	tree *repo.Tree
	err  error
}

// loadCorpus loads the Universe corpus once per test binary.
func loadCorpus(t testing.TB) *repo.Tree {
	t.Helper()
	dir := sharedtest.Corpus(t)
	corpusOnce.Do(func() {
		corpusOnce.tree, corpusOnce.err = repo.Load(context.Background(), os.DirFS(dir))
	})
	if corpusOnce.err != nil {
		t.Fatal(corpusOnce.err)
	}
	return corpusOnce.tree
}

// readReferenceRenders reads <prefix><L>/<pkg>/<rev>.json from the
// reference archive, keyed "<L>/<pkg>/<rev>", without extracting it.
func readReferenceRenders(t testing.TB, prefix string) map[string][]byte {
	t.Helper()
	path := filepath.Join(sharedtest.Dir(t, "corpus", "universe-index"), "reference-renders.tar.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || !strings.HasPrefix(h.Name, prefix) || !strings.HasSuffix(h.Name, ".json") {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(strings.TrimPrefix(h.Name, prefix), ".json")] = data
	}
	return out
}

func revKey(r *repo.Revision) string { return strings.TrimSuffix(r.Dir, "/") }

// renderDefaults renders a corpus revision with its defaults as the
// reference emulation did: no option validation (Cosmos validates the
// merged defaults too, and the emulation does not), no Marathon rules.
func renderDefaults(r *repo.Revision) (*Result, error) {
	return Render(context.Background(), Request{Revision: r, SkipValidation: true, SkipMarathon: true,
		Source: "https://universe.mesosphere.com/repo"})
}

// TestCorpusConformance renders all 1,164 templates of the Universe corpus
// with their defaults and compares them with the reference emulation
// (rendered/cosmos/ in reference-renders.tar.gz) as JSON values: the same
// 1,153 render, the same 11 fail, and every difference is explained by a
// rule of cosmos-rendering.md, listed per value in
// testdata/corpus-differences.golden (rewrite with -update).
func TestCorpusConformance(t *testing.T) {
	tree := loadCorpus(t)
	refs := readReferenceRenders(t, "rendered/cosmos/")
	scopes := readReferenceRenders(t, "rendered/scope/")
	var templates int
	failures := map[string]string{}
	var explained []string
	for _, r := range tree.Revisions() {
		if r.Template == nil {
			continue
		}
		templates++
		key := revKey(r)
		res, err := renderDefaults(r)
		if err != nil {
			var re *Error
			if !errors.As(err, &re) {
				t.Errorf("%s: error is not a *render.Error: %v", key, err)
			}
			failures[key] = err.Error()
			continue
		}
		ref, ok := refs[key]
		if !ok {
			t.Errorf("%s: no reference render", key)
			continue
		}
		want, err := decodeJSON(ref)
		if err != nil {
			t.Errorf("%s: renders, but the reference does not parse: %v", key, err)
			continue
		}
		got, _ := decodeJSON(res.Rendered)
		var diffs []leafDiff
		leafDiffs("", want, got, &diffs)
		for _, d := range diffs {
			rule := explain(r, scopes[key], d)
			if rule == "" {
				t.Errorf("%s: %s differs from the reference render, unexplained: want %s, got %s",
					key, d.pointer, show(d.want), show(d.got))
				continue
			}
			explained = append(explained, fmt.Sprintf("%s %s: %s", key, d.pointer, rule))
		}
	}
	if templates != 1164 {
		t.Errorf("templates = %d, want 1164", templates)
	}
	var failed []string
	for k := range failures {
		failed = append(failed, k)
	}
	sort.Strings(failed)
	wantFailed := []string{
		"L/linkerd/10", "L/linkerd/4", "L/linkerd/5", "L/linkerd/6", "L/linkerd/7", "L/linkerd/8", "L/linkerd/9",
		"M/minio/5", "N/namerd/4", "W/weavescope-probe/0", "W/weavescope-probe/1",
	}
	if diff := cmp.Diff(wantFailed, failed); diff != "" {
		t.Errorf("failing renders (-want +got):\n%s", diff)
	}
	if got := templates - len(failures); got != 1153 {
		t.Errorf("valid renders = %d, want 1153", got)
	}
	// Each failure says why: the stage, the template position and the
	// offending rendered line.
	for _, k := range failed {
		msg := failures[k]
		if !strings.HasPrefix(msg, "json: "+k+"/marathon.json.mustache:") || !strings.Contains(msg, "^") {
			t.Errorf("%s: unclear error %q", k, msg)
		}
		explained = append(explained, fmt.Sprintf("%s fails: %s", k, msg))
	}
	sort.Strings(explained)
	golden.Check(t, "corpus-differences.golden", []byte(strings.Join(explained, "\n")+"\n"))
}

// The rules of cosmos-rendering.md that explain where our renders differ
// from the reference emulation's (which §15.1 says it does not model).
const (
	ruleWholeNumbers = "§7.2 whole numbers print in full since Cosmos 0.6.2 (the emulation printed those beyond int32 as Java doubles, §15.1)"
	ruleArrayQuotes  = "§7.2 array elements keep their quotes ({{.}} over [\"10514\"] prints \"10514\"; the emulation printed 10514)"
	ruleIsEmpty      = "§7.3 .isEmpty calls List.isEmpty() (the emulation's pystache cannot, so {{^x.isEmpty}} always rendered)"
	ruleEmptyDefault = "§3 defaults drop empty objects since Cosmos 0.6.0, #723 (the emulation kept {}, which is truthy in a section)"
)

type leafDiff struct {
	pointer   string
	want, got any
}

// missing marks a value absent on one side.
type missingValue struct{}

var missing = missingValue{}

func leafDiffs(p string, want, got any, out *[]leafDiff) {
	if reflect.DeepEqual(want, got) {
		return
	}
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		keys := map[string]bool{}
		for k := range wm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		for k := range keys {
			w, ok := wm[k]
			if !ok {
				w = missing
			}
			g, ok := gm[k]
			if !ok {
				g = missing
			}
			leafDiffs(p+"/"+escapeToken(k), w, g, out)
		}
		return
	}
	wl, wok := want.([]any)
	gl, gok := got.([]any)
	if wok && gok && len(wl) == len(gl) {
		for i := range wl {
			leafDiffs(fmt.Sprintf("%s/%d", p, i), wl[i], gl[i], out)
		}
		return
	}
	*out = append(*out, leafDiff{p, want, got})
}

func show(v any) string {
	if v == missing {
		return "(missing)"
	}
	return compactJSON(v)
}

// explain returns the rule behind one difference, or "".
func explain(r *repo.Revision, refScope []byte, d leafDiff) string {
	ws, wIsStr := d.want.(string)
	gs, gIsStr := d.got.(string)
	if wn, ok := d.want.(json.Number); ok && gIsStr && string(wn) == gs {
		return ruleArrayQuotes
	}
	if wIsStr && gIsStr && strings.Contains(ws, "E") && allDigits(gs) {
		wf, _, err1 := big.ParseFloat(ws, 10, 2000, big.ToNearestEven)
		gf, _, err2 := big.ParseFloat(gs, 10, 2000, big.ToNearestEven)
		if err1 == nil && err2 == nil && wf.Cmp(gf) == 0 {
			return ruleWholeNumbers
		}
	}
	if d.want == missing || d.got == missing {
		// Render again from the emulation's own scope: if the value then
		// matches, the scopes made the difference, else the engine did.
		if droppedEmptyObjects(r, refScope) && sameWithScope(r, refScope, d) {
			return ruleEmptyDefault
		}
		if strings.Contains(string(r.Template.Data), ".isEmpty") {
			return ruleIsEmpty
		}
	}
	return ""
}

// sameWithScope reports whether rendering r from the given scope gives
// the reference's value at d.pointer.
func sameWithScope(r *repo.Revision, scope []byte, d leafDiff) bool {
	v, err := decodeJSON(scope)
	m, ok := v.(map[string]any)
	if err != nil || !ok {
		return false
	}
	out, err := renderTemplate(r.Template, m)
	if err != nil {
		return false
	}
	doc, err := decodeJSON(out)
	if err != nil {
		return false
	}
	got, ok := lookupPointer(doc, d.pointer)
	if !ok {
		return d.want == missing
	}
	return reflect.DeepEqual(got, d.want)
}

// droppedEmptyObjects reports whether the emulation's scope differs from
// ours only by empty objects, and does differ.
func droppedEmptyObjects(r *repo.Revision, refScope []byte) bool {
	v, err := decodeJSON(refScope)
	ref, ok := v.(map[string]any)
	if err != nil || !ok {
		return false
	}
	delete(ref, "resource")
	config, _ := r.Config.Object()
	ours := Defaults(config)
	pruned := pruneEmpty(ref).(map[string]any)
	return !reflect.DeepEqual(ref, ours) && reflect.DeepEqual(normalize(pruned), normalize(ours))
}

func pruneEmpty(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		e = pruneEmpty(e)
		if em, ok := e.(map[string]any); ok && len(em) == 0 {
			if _, isObj := m[k].(map[string]any); isObj {
				continue
			}
		}
		out[k] = e
	}
	return out
}

// normalize compares numbers by value (the scope files are pretty-printed
// by Python, which writes 2.0 for 2.0 but may respell others).
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case json.Number:
		f, _ := v.Float64()
		return f
	}
	return v
}
