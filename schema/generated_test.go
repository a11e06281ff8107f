package schema

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

var (
	mutationStep  = flag.Int("mutation-step", 100, "TestGeneratedMutations mutates every `n`th corpus revision")
	mutationNodes = flag.Int("mutation-nodes", 16, "TestGeneratedMutations mutates at most `n` nodes per document (0: all)")
)

// replacements are the values every node of a document is replaced with in
// TestGeneratedMutations: one of each JSON type, and a few edge values.
var replacements = []string{
	`null`, `true`, `0`, `-1`, `1.5`, `""`, `"x y"`, `"1.0"`, `"http://x"`, `[]`, `["a", "a"]`, `[1]`, `{}`, `{"a": 1}`,
}

// TestGeneratedMutations replaces, one at a time, nodes of a sample of corpus
// documents with each of the replacements, deletes them, and adds an unknown
// member to objects; ours and Universe's schemas must agree on every verdict.
// By default it samples; -mutation-step=1 -mutation-nodes=0 mutates every
// node of every revision (millions of documents, many minutes).
func TestGeneratedMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; -short")
	}
	revs := loadCorpus(t)
	u := loadUniverse(t)
	step, maxNodes := max(*mutationStep, 1), *mutationNodes
	checked := 0
	for i := 0; i < len(revs); i += step {
		rev := revs[i]
		pv := rev.packagingVersion()
		for _, name := range []string{"package.json", "config.json", "resource.json", "command.json"} {
			doc, ok := rev.files[name]
			if !ok {
				continue
			}
			ours, theirs := schemasFor(t, u, name, pv)
			ptrs := spread(nodes(doc, ""), maxNodes)
			for _, p := range ptrs {
				var variants [][]edit
				for _, r := range replacements {
					variants = append(variants, []edit{set(p.ptr, r)})
				}
				if p.ptr != "" && p.inObject {
					variants = append(variants, []edit{del(p.ptr)})
				}
				if p.isObject {
					variants = append(variants, []edit{set(p.ptr+"/zz-unknown", `"x"`)})
				}
				for _, edits := range variants {
					mutated := apply(t, doc, edits...)
					compareVerdicts(t, fmt.Sprintf("%s/%s %v", rev.dir, name, edits), ours, theirs, mutated)
					checked++
				}
			}
		}
	}
	t.Logf("%d mutated documents compared", checked)
}

func compareVerdicts(t *testing.T, what string, ours *Schema, theirs *gojsonschema.Schema, doc any) {
	t.Helper()
	got := mustValidate(t, ours, doc)
	checkPointers(t, what, doc, got)
	universeOK, msgs := universeValid(t, theirs, doc)
	if (len(got) == 0) != universeOK {
		if ours.Name() != "config.json" && isResourceNonObject(ours, doc) {
			return // a deliberate difference, see TestDeliberateDifferences
		}
		t.Errorf("%s: ours (%s) valid = %v%s; Universe's valid = %v %s", what, ours.Name(), len(got) == 0, join(got), universeOK, strings.Join(msgs, "; "))
	}
}

func isResourceNonObject(s *Schema, doc any) bool {
	_, isObject := doc.(map[string]any)
	return strings.HasPrefix(s.Name(), "resource-") && !isObject
}

// spread returns at most n of ns (all when n is 0), evenly spaced.
func spread(ns []node, n int) []node {
	if n == 0 || len(ns) <= n {
		return ns
	}
	out := make([]node, 0, n)
	for i := range n {
		out = append(out, ns[i*len(ns)/n])
	}
	return out
}

type node struct {
	ptr      string
	inObject bool // the node is an object member
	isObject bool
}

// nodes lists the nodes of a document in a deterministic order.
func nodes(v any, ptr string) []node {
	_, isObject := v.(map[string]any)
	out := []node{{ptr: ptr, isObject: isObject}}
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := nodes(v[k], ptr+"/"+escape(k))
			sub[0].inObject = true
			out = append(out, sub...)
		}
	case []any:
		for i, e := range v {
			out = append(out, nodes(e, fmt.Sprintf("%s/%d", ptr, i))...)
		}
	}
	return out
}
