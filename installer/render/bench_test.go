package render

import (
	"testing"
	"time"

	"github.com/universe-pm/universe/repo"
)

// BenchmarkRenderCorpus renders all 1,164 templates of the Universe corpus
// with their defaults (loading the corpus is not measured). The reference
// emulation takes 1.64 s for this.
//
//   - mustache: the emulation's work: defaults, scope, mustache with
//     Cosmos's conversion, parsing the output as a JSON object;
//   - full: all of Render but option validation and Marathon's rules, so
//     also labels, whose DCOS_PACKAGE_DEFINITION gzips the whole package.
func BenchmarkRenderCorpus(b *testing.B) {
	tree := loadCorpus(b)
	var revs []*repo.Revision
	for _, r := range tree.Revisions() {
		if r.Template != nil {
			revs = append(revs, r)
		}
	}
	b.Run("mustache", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		defer func() { reportCPU(b, start) }()
		for b.Loop() {
			for _, r := range revs {
				_, merged, _ := mergedOptions(r, Request{Revision: r, SkipValidation: true})
				scope, _ := buildScope(r, merged, nil)
				out, err := renderTemplate(r.Template, scope)
				if err == nil {
					_, _ = parseRendered(r.Template, scope, out)
				}
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		defer func() { reportCPU(b, start) }()
		for b.Loop() {
			for _, r := range revs {
				_, _ = renderDefaults(r)
			}
		}
	})
}

// reportCPU adds the process's CPU time per operation (GC included), which
// other processes on a shared machine disturb less than wall time.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
