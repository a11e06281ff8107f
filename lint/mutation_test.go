package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/internal/sharedtest"
	"github.com/universe-pm/universe/repo"
)

// A mutation test takes real revisions from the Universe corpus, breaks a
// copy in one way and checks that exactly the rule for that breakage fires,
// at the right file and JSON pointer, compared with the unbroken copy.

// key identifies a finding for comparison.
type key struct {
	Rule, File, Pointer string
}

// tree is a package tree under construction: tree-relative path → content.
type tree map[string][]byte

// copyRevision copies the corpus revision src (e.g. "K/kubernetes/3610") to
// dst in the tree.
func (tr tree) copyRevision(t *testing.T, corpus, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(path.Join(corpus, src))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(path.Join(corpus, src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		tr[dst+"/"+e.Name()] = data
	}
}

// editJSON decodes a file of the tree, lets edit change it and encodes it
// again (two-space indented).
func (tr tree) editJSON(t *testing.T, file string, edit func(m map[string]any)) {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(tr[file])))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", file, err)
	}
	edit(m)
	var out strings.Builder
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	tr[file] = []byte(out.String())
}

func (tr tree) fs() fstest.MapFS {
	m := fstest.MapFS{}
	for p, data := range tr {
		if data == nil {
			m[p] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
			continue
		}
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

func (tr tree) clone() tree {
	c := tree{}
	for k, v := range tr {
		c[k] = append([]byte(nil), v...)
		if v == nil {
			c[k] = nil
		}
	}
	return c
}

func lintTree(t *testing.T, tr tree) *Report {
	t.Helper()
	loaded, err := repo.Load(context.Background(), tr.fs())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), loaded)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func keys(fs []repo.Finding) map[key]repo.Finding {
	m := map[key]repo.Finding{}
	for _, f := range fs {
		m[key{f.Rule, f.File, f.Pointer}] = f
	}
	return m
}

// as6 turns a copied 4.0 revision into a 6.0 one with the given version and
// dependencies.
func (tr tree) as6(t *testing.T, dir, version string, deps ...map[string]any) {
	t.Helper()
	tr.editJSON(t, dir+"/package.json", func(m map[string]any) {
		m["packagingVersion"] = "6.0"
		m["version"] = version
		m["name"] = strings.Split(dir, "/")[1]
		if len(deps) > 0 {
			l := make([]any, len(deps))
			for i, d := range deps {
				l[i] = d
			}
			m["dependencies"] = l
		}
	})
}

func dep(name, rng string) map[string]any { return map[string]any{"name": name, "version": rng} }

func TestMutations(t *testing.T) {
	corpus := sharedtest.Corpus(t)
	const k8s = "K/kubernetes/3610" // packagingVersion 4.0
	const arango = "A/arangodb3/0"  // 3.0 with command.json and a CLI
	const avi = "A/avi/0"           // 2.0
	base := tree{}
	base.copyRevision(t, corpus, k8s, k8s)
	base.copyRevision(t, corpus, arango, arango)
	base.copyRevision(t, corpus, avi, avi)

	tests := []struct {
		name   string
		mutate func(t *testing.T, tr tree)
		want   []key
	}{
		{"letter directory", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "kk/kubernetes/1")
		}, []key{{repo.RuleLetterDir, "kk", ""}}},
		{"package directory pattern", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "K/Kubernetes_2/1")
		}, []key{{repo.RulePackageDir, "K/Kubernetes_2", ""}}},
		{"letter mismatch", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "M/kubernetes-b/1")
			tr.editJSON(t, "M/kubernetes-b/1/package.json", func(m map[string]any) { m["name"] = "kubernetes-b" })
		}, []key{{repo.RuleLetterMismatch, "M/kubernetes-b", ""}}},
		{"duplicate package", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "L/kubernetes/1")
		}, []key{{repo.RuleLetterMismatch, "L/kubernetes", ""}, {repo.RuleDuplicatePkg, "L/kubernetes", ""}}},
		{"revision directory", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "K/kubernetes/v2")
		}, []key{{repo.RuleRevisionDir, "K/kubernetes/v2", ""}}},
		{"leading zero revision", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "K/kubernetes/0100")
		}, []key{{repo.RuleRevisionDir, "K/kubernetes/0100", ""}}},
		{"missing package.json", func(t *testing.T, tr tree) {
			delete(tr, k8s+"/package.json")
		}, []key{{repo.RuleMissingPackage, k8s + "/package.json", ""}}},
		{"unexpected file", func(t *testing.T, tr tree) {
			tr[k8s+"/notes.txt"] = []byte("hello")
		}, []key{{repo.RuleUnexpectedEntry, k8s + "/notes.txt", ""}}},
		{"package without revisions", func(t *testing.T, tr tree) {
			tr["E/empty"] = nil
		}, []key{{repo.RuleNoRevisions, "E/empty", ""}}},
		{"file too large", func(t *testing.T, tr tree) {
			tr[k8s+"/config.json"] = []byte(`{"description": "` + strings.Repeat("x", repo.MaxFileSize) + `"}`)
		}, []key{{repo.RuleRead, k8s + "/config.json", ""}}},
		{"json syntax", func(t *testing.T, tr tree) {
			tr[k8s+"/config.json"] = []byte("{\n  \"type\": \"object\",\n}\n")
		}, []key{{repo.RuleJSONSyntax, k8s + "/config.json", ""}}},
		{"duplicate key", func(t *testing.T, tr tree) {
			tr[k8s+"/package.json"] = []byte(strings.Replace(string(tr[k8s+"/package.json"]),
				`"name": "kubernetes",`, `"name": "kubernetes", "name": "kubernetes",`, 1))
		}, []key{{repo.RuleDuplicateKey, k8s + "/package.json", "/name"}}},
		{"byte order mark", func(t *testing.T, tr tree) {
			tr[k8s+"/resource.json"] = append([]byte("\xef\xbb\xbf"), tr[k8s+"/resource.json"]...)
		}, []key{{repo.RuleBOM, k8s + "/resource.json", ""}}},
		{"unicode escape", func(t *testing.T, tr tree) {
			tr[k8s+"/package.json"] = []byte(strings.Replace(string(tr[k8s+"/package.json"]),
				`"Mesosphere Kubernetes Engine"`, `"Mesosphere Kubernetes Engine\u00e9"`, 1))
		}, []key{{repo.RuleUnicodeEscape, k8s + "/package.json", ""}}},
		{"non-ASCII", func(t *testing.T, tr tree) {
			tr[k8s+"/package.json"] = []byte(strings.Replace(string(tr[k8s+"/package.json"]),
				`"Mesosphere Kubernetes Engine"`, `"Mesosphère Kubernetes Engine"`, 1))
		}, []key{{repo.RuleNonASCII, k8s + "/package.json", ""}}},
		{"CRLF", func(t *testing.T, tr tree) {
			tr[k8s+"/marathon.json.mustache"] = []byte(strings.ReplaceAll(string(tr[k8s+"/marathon.json.mustache"]), "\n", "\r\n"))
		}, []key{{repo.RuleCRLF, k8s + "/marathon.json.mustache", ""}}},
		{"name mismatch", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/package.json", func(m map[string]any) { m["name"] = "kube" })
		}, []key{{RuleNameMismatch, k8s + "/package.json", "/name"}}},
		{"unknown packagingVersion", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/package.json", func(m map[string]any) { m["packagingVersion"] = "7.0" })
		}, []key{{RulePackagingVersion, k8s + "/package.json", "/packagingVersion"}}},
		{"missing packagingVersion", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/package.json", func(m map[string]any) { delete(m, "packagingVersion") })
		}, []key{{RulePackagingVersion, k8s + "/package.json", ""}}},
		{"schema: missing maintainer", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/package.json", func(m map[string]any) { delete(m, "maintainer") })
		}, []key{{RulePackageSchema, k8s + "/package.json", ""}}},
		{"schema: manager in 4.0", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/package.json", func(m map[string]any) { m["manager"] = map[string]any{"packageName": "x"} })
		}, []key{{RulePackageSchema, k8s + "/package.json", "/manager"}}},
		{"schema: tag with space", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/package.json", func(m map[string]any) { m["tags"] = []any{"kubernetes", "two words"} })
		}, []key{{RulePackageSchema, k8s + "/package.json", "/tags/1"}}},
		{"6.0: not semver", func(t *testing.T, tr tree) {
			tr.as6(t, k8s, "2.8")
		}, []key{{RuleSemver, k8s + "/package.json", "/version"}}},
		{"6.0: duplicate version", func(t *testing.T, tr tree) {
			tr.as6(t, k8s, "2.8.1")
			tr.copyRevision(t, corpus, k8s, "K/kubernetes/3700")
			tr.as6(t, "K/kubernetes/3700", "2.8.1")
		}, []key{{RuleDuplicateVersion, "K/kubernetes/3700/package.json", "/version"}}},
		{"command.json in 4.0", func(t *testing.T, tr tree) {
			tr[k8s+"/command.json"] = []byte(`{"pip": []}`)
		}, []key{{RuleCommandNotAllow, k8s + "/command.json", ""}}},
		{"command schema", func(t *testing.T, tr tree) {
			tr[arango+"/command.json"] = []byte(`{"pip": "arangodb"}`)
		}, []key{{RuleCommandSchema, arango + "/command.json", "/pip"}}},
		{"config schema", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/config.json", func(m map[string]any) { m["required"] = []any{} })
		}, []key{{RuleConfigSchema, k8s + "/config.json", "/required"}}},
		{"config default of the wrong type", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/config.json", func(m map[string]any) {
				svc := m["properties"].(map[string]any)["service"].(map[string]any)
				svc["properties"].(map[string]any)["port"] = map[string]any{"type": "integer", "default": "3306"}
			})
		}, []key{{RuleConfigDefault, k8s + "/config.json", "/properties/service/properties/port/default"}}},
		{"config secret not a boolean", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/config.json", func(m map[string]any) {
				svc := m["properties"].(map[string]any)["service"].(map[string]any)
				svc["properties"].(map[string]any)["token"] = map[string]any{"type": "string", "secret": "yes"}
			})
		}, []key{{RuleConfigSchema, k8s + "/config.json", "/properties/service/properties/token/secret"}}},
		{"config secret and media are known keywords", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/config.json", func(m map[string]any) {
				svc := m["properties"].(map[string]any)["service"].(map[string]any)
				props := svc["properties"].(map[string]any)
				props["token"] = map[string]any{"type": "string", "secret": true}
				props["password"] = map[string]any{"type": "string", "media": "application/x-secret+string"}
			})
		}, nil},
		{"config unknown keyword", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/config.json", func(m map[string]any) {
				svc := m["properties"].(map[string]any)["service"].(map[string]any)
				svc["type:"] = "object"
			})
		}, []key{{RuleConfigKeyword, k8s + "/config.json", "/properties/service/type:"}}},
		{"resource schema", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/resource.json", func(m map[string]any) {
				m["images"].(map[string]any)["icon-small"] = json.Number("7")
			})
		}, []key{{RuleResourceSchema, k8s + "/resource.json", "/images/icon-small"}}},
		{"CLI without command.json before 1.8", func(t *testing.T, tr tree) {
			delete(tr, arango+"/command.json")
		}, []key{{RuleResourceCLI, arango + "/resource.json", "/cli"}}},
		{"2.0 without template", func(t *testing.T, tr tree) {
			delete(tr, avi+"/marathon.json.mustache")
		}, []key{{RuleTemplateMissing, avi + "/marathon.json.mustache", ""}}},
		{"template syntax", func(t *testing.T, tr tree) {
			tr[k8s+"/marathon.json.mustache"] = append(tr[k8s+"/marathon.json.mustache"], []byte("\n{{#service.name}}\n")...)
		}, []key{{RuleTemplateSyntax, k8s + "/marathon.json.mustache", ""}}},
		{"template renders invalid JSON", func(t *testing.T, tr tree) {
			tr[k8s+"/marathon.json.mustache"] = bytes.Replace(tr[k8s+"/marathon.json.mustache"],
				[]byte(`"instances": 1`), []byte(`"instances": {{service.no-such-option}}`), 1)
		}, []key{{RuleTemplateRender, k8s + "/marathon.json.mustache", ""}}},
		{"template renders an app Marathon rejects", func(t *testing.T, tr tree) {
			tr[k8s+"/marathon.json.mustache"] = bytes.Replace(tr[k8s+"/marathon.json.mustache"],
				[]byte(`"instances": 1`), []byte(`"instances": -1`), 1)
		}, []key{{RuleTemplateRender, k8s + "/marathon.json.mustache", ""}}},
		{"upgradesFrom unknown version", func(t *testing.T, tr tree) {
			tr.editJSON(t, k8s+"/package.json", func(m map[string]any) { m["upgradesFrom"] = []any{"*", "0.0.1"} })
		}, []key{{RuleUpgradeRef, k8s + "/package.json", "/upgradesFrom/1"}}},
		{"dependency on an unknown package", func(t *testing.T, tr tree) {
			tr.as6(t, k8s, "2.8.1", dep("etcd", ">=3.5.0"))
		}, []key{{RuleDepUnknown, k8s + "/package.json", "/dependencies/0/name"}}},
		{"dependency range", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "E/etcd/100")
			tr.as6(t, "E/etcd/100", "3.5.1")
			tr.as6(t, k8s, "2.8.1", dep("etcd", ">=3.5.0 <<4"))
		}, []key{{RuleDepRange, k8s + "/package.json", "/dependencies/0/version"}}},
		{"dependency unsatisfiable", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "E/etcd/100")
			tr.as6(t, "E/etcd/100", "3.5.1")
			tr.as6(t, k8s, "2.8.1", dep("etcd", ">=3.6.0"))
		}, []key{{RuleDepUnsatisfiable, k8s + "/package.json", "/dependencies/0/version"}}},
		{"dependency on itself", func(t *testing.T, tr tree) {
			tr.as6(t, k8s, "2.8.1", dep("kubernetes", "*"))
		}, []key{{RuleDepSelf, k8s + "/package.json", "/dependencies/0/name"}}},
		{"dependency cycle", func(t *testing.T, tr tree) {
			tr.copyRevision(t, corpus, k8s, "E/etcd/100")
			tr.as6(t, "E/etcd/100", "3.5.1", dep("kubernetes", "^2.8.0"))
			tr.as6(t, k8s, "2.8.1", dep("etcd", "~3.5.0"))
		}, []key{{RuleDepCycle, "E/etcd/100/package.json", "/dependencies/0"}}},
	}
	before := keys(lintTree(t, base).Findings)
	for k, f := range before {
		if f.Severity == repo.Error {
			t.Fatalf("the unbroken revisions have an error: %v (%v)", f, k)
		}
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := base.clone()
			tt.mutate(t, tr)
			rep := lintTree(t, tr)
			var got []key
			for k, f := range keys(rep.Findings) {
				if _, ok := before[k]; !ok {
					got = append(got, k)
					if f.File == "" || f.Message == "" {
						t.Errorf("finding %v has no file or message", f)
					}
				}
			}
			sortKeys(got)
			want := append([]key(nil), tt.want...)
			sortKeys(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("new findings mismatch (-want +got):\n%s\nall findings:\n%s", diff, findingList(rep.Findings))
			}
			for _, k := range tt.want {
				covered[k.Rule] = true
			}
		})
	}
	for _, r := range Rules {
		if !covered[r.ID] {
			t.Errorf("rule %s has no mutation test", r.ID)
		}
	}
}

func sortKeys(ks []key) {
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Pointer < b.Pointer
	})
}

func findingList(fs []repo.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}
