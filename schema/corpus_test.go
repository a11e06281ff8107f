package schema

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

// TestCorpusEquivalence checks that our schemas and Universe's give the same
// verdict on every JSON file of every revision in the corpus (all of which
// Universe accepts).
func TestCorpusEquivalence(t *testing.T) {
	revs := loadCorpus(t)
	u := loadUniverse(t)
	counts := map[string]int{}
	for _, rev := range revs {
		pv := rev.packagingVersion()
		for _, name := range []string{"package.json", "config.json", "resource.json", "command.json"} {
			doc, ok := rev.files[name]
			if !ok {
				continue
			}
			var ours *Schema
			var theirs *gojsonschema.Schema
			var err error
			switch name {
			case "package.json":
				ours, err = Package(pv)
				theirs = u.pkg
			case "config.json":
				ours, theirs = Config(), u.config
			case "resource.json":
				ours, err = Resource(pv)
				theirs = u.resource(pv)
			case "command.json":
				ours, theirs = Command(), u.command
			}
			if err != nil {
				t.Errorf("%s/%s: %v", rev.dir, name, err)
				continue
			}
			got := mustValidate(t, ours, doc)
			want, msgs := universeValid(t, theirs, doc)
			if (len(got) == 0) != want {
				t.Errorf("%s/%s: our %s: valid = %v %s; Universe's: valid = %v %v", rev.dir, name, ours.Name(), len(got) == 0, join(got), want, msgs)
			}
			counts[name]++
		}
	}
	t.Logf("compared %d revisions: %v", len(revs), counts)
	if len(revs) < 1000 {
		t.Errorf("found %d revisions, want the whole corpus (1,235)", len(revs))
	}
}

// BenchmarkValidateCorpus validates package.json, config.json and
// resource.json of every corpus revision, decoded beforehand; one op is the
// whole corpus (1,235 revisions). "serial" uses one goroutine, "parallel"
// one per CPU.
func BenchmarkValidateCorpus(b *testing.B) {
	revs := loadCorpus(b)
	if err := validateRevision(revs[0]); err != nil { // compile the schemas outside the timer
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(corpusSize)
		b.ReportAllocs()
		for b.Loop() {
			for _, rev := range revs {
				if err := validateRevision(rev); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(corpusSize)
		b.ReportAllocs()
		workers := runtime.GOMAXPROCS(0)
		errs := make([]error, workers)
		for b.Loop() {
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := w; i < len(revs) && errs[w] == nil; i += workers {
						errs[w] = validateRevision(revs[i])
					}
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// validateRevision validates a revision's package.json, config.json and
// resource.json, and fails if any is invalid.
func validateRevision(rev revision) error {
	pv := rev.packagingVersion()
	p, err := Package(pv)
	if err != nil {
		return err
	}
	r, err := Resource(pv)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name   string
		schema *Schema
	}{{"package.json", p}, {"config.json", Config()}, {"resource.json", r}} {
		doc, ok := rev.files[f.name]
		if !ok {
			continue
		}
		vs, err := f.schema.Validate(doc)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			return fmt.Errorf("%s/%s: %v", rev.dir, f.name, vs)
		}
	}
	return nil
}

// BenchmarkValidateByFile splits BenchmarkValidateCorpus/serial by file.
func BenchmarkValidateByFile(b *testing.B) {
	revs := loadCorpus(b)
	for _, name := range []string{"package.json", "config.json", "resource.json"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, rev := range revs {
					doc, ok := rev.files[name]
					if !ok {
						continue
					}
					s := Config()
					switch name {
					case "package.json":
						s, _ = Package(rev.packagingVersion())
					case "resource.json":
						s, _ = Resource(rev.packagingVersion())
					}
					if _, err := s.Validate(doc); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
