package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkRenderAPI measures the as-you-type round trip of the package
// page: POST /api/render for spark with one option changed, which types
// the form's values, resolves zookeeper, hdfs and spark, renders the
// three and plans them against the (instant, local) sandbox.
func BenchmarkRenderAPI(b *testing.B) {
	ts := newTestServer(b, 0)
	body := `{"package":"spark","version":"3.5.2","form":{"/service/mem":"2048"}}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "http://127.0.0.1:8090/api/render", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(TokenHeader, ts.Token())
		w := httptest.NewRecorder()
		ts.ServeHTTP(w, req)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"errors":[]`) {
			b.Fatalf("POST /api/render = %d %s", w.Code, w.Body.String())
		}
	}
}

// BenchmarkForm measures generating spark's options form from its
// config.json.
func BenchmarkForm(b *testing.B) {
	rev := builtinRevision(b, "spark")
	cfg, _ := rev.Config.Object()
	b.ReportAllocs()
	for b.Loop() {
		if len(Form(cfg, rev.Config.Data)) == 0 {
			b.Fatal("no fields")
		}
	}
}
