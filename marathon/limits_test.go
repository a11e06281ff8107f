package marathon_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/universe-pm/universe/marathon"
)

func TestResponseLimit(t *testing.T) {
	body := `{"apps": [` + strings.Repeat(`{"id": "/a"}, `, 100) + `{"id": "/b"}]}`
	for _, chunked := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if chunked {
				w.(http.Flusher).Flush() // no Content-Length
			}
			_, _ = w.Write([]byte(body))
		}))
		limit := int64(len(body) - 1)
		c := newClient(t, srv.URL, func(c *marathon.Config) { c.MaxResponseSize = limit })
		_, err := c.ListApps(ctxT(t, 10*time.Second), marathon.ListOptions{})
		if !errors.Is(err, marathon.ErrResponseTooLarge) || !strings.Contains(err.Error(), fmt.Sprintf("limit of %d bytes", limit)) {
			t.Errorf("chunked %v: ListApps over the limit = %v, want ErrResponseTooLarge naming the limit", chunked, err)
		}
		c = newClient(t, srv.URL, func(c *marathon.Config) { c.MaxResponseSize = limit + 1 })
		if apps, err := c.ListApps(ctxT(t, 10*time.Second), marathon.ListOptions{}); err != nil || len(apps) != 101 {
			t.Errorf("chunked %v: ListApps at the limit = %d apps, %v", chunked, len(apps), err)
		}
		srv.Close()
	}
}
