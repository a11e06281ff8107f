package serve_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/universe-pm/universe/repo/serve"
)

// TestHeaderLimit serves on a loopback port: a request with headers over
// MaxHeaderBytes is answered 431, the next one normally.
func TestHeaderLimit(t *testing.T) {
	s, err := serve.New(built(t), serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	url := "http://" + ln.Addr().String() + "/repo"
	for _, size := range []int{serve.MaxHeaderBytes + 4096, 100} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("X-Big", strings.Repeat("h", size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if size > serve.MaxHeaderBytes {
			want = http.StatusRequestHeaderFieldsTooLarge
		}
		if resp.StatusCode != want {
			t.Errorf("GET /repo with a %d-byte header = %d, want %d", size, resp.StatusCode, want)
		}
	}
}
