package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/universe-pm/universe/marathon/sandbox"
)

func appBody(i int) string {
	return fmt.Sprintf(`{"id":"/bench/g%d/app-%d","cmd":"sleep 1000","cpus":0.001,"mem":1,"labels":{"owner":"bench"}}`, i%100, i)
}

func createApps(tb testing.TB, client *http.Client, url string, from, to, workers int) {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				resp, err := client.Post(url+"/v2/apps", "application/json", strings.NewReader(appBody(i)))
				if err != nil {
					tb.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					tb.Errorf("POST app %d = %d", i, resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func benchCluster() sandbox.Config {
	return sandbox.Config{Agents: 20, AgentCPUs: 1000, AgentMem: 1 << 20, EventLogSize: 10000}
}

// BenchmarkCreateApps measures POST /v2/apps over loopback, each app
// deployed at once (speed 0), with 1 and 4 concurrent clients.
func BenchmarkCreateApps(b *testing.B) {
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("clients=%d", workers), func(b *testing.B) {
			s := start(b, benchCluster())
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
			b.ResetTimer()
			t0 := time.Now()
			createApps(b, client, s.URL(), 0, b.N, workers)
			b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "creates/s")
		})
	}
}

// BenchmarkMemory10000Apps creates 10,000 apps (one running task each)
// and reports the heap they hold.
func BenchmarkMemory10000Apps(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		s, err := sandbox.New(benchCluster())
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Start(context.Background(), ""); err != nil {
			b.Fatal(err)
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		t0 := time.Now()
		createApps(b, client, s.URL(), 0, 10000, 4)
		elapsed := time.Since(t0)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
		b.ReportMetric(10000/elapsed.Seconds(), "creates/s")
		runtime.KeepAlive(s)
		s.Close()
	}
}
