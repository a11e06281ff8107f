package sandbox

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPlaceMaxPer places one app of 500 instances across 50 agents
// with a MAX_PER constraint: the whole POST /v2/apps, validation, plan,
// placement and (speed 0) every task started.
func BenchmarkPlaceMaxPer(b *testing.B) {
	body := `{"id":"/wide","cmd":"sleep 1000","cpus":0.01,"mem":8,"instances":500,"constraints":[["hostname","MAX_PER","10"]]}`
	for range b.N {
		b.StopTimer()
		s, err := New(Config{Agents: 50, EventLogSize: 1000})
		if err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/v2/apps", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		b.StartTimer()
		s.Handler().ServeHTTP(rec, req)
		b.StopTimer()
		if rec.Code != 201 {
			b.Fatalf("POST = %d %s", rec.Code, rec.Body)
		}
		running := 0
		for _, a := range s.agents {
			if a.tasks != 10 {
				b.Fatalf("agent %s has %d tasks, want 10", a.Hostname, a.tasks)
			}
			running += a.tasks
		}
		if running != 500 || s.apps["/wide"].queued != 0 {
			b.Fatalf("placed %d of 500", running)
		}
		b.StartTimer()
	}
}
