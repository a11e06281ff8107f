package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/universe-pm/universe/marathon/sandbox"
)

// An in-process sandbox on an ephemeral loopback port, with tasks that
// start at once.
func ExampleNew() {
	s, err := sandbox.New(sandbox.Config{Agents: 2})
	if err != nil {
		panic(err)
	}
	if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer s.Close()
	resp, err := http.Post(s.URL()+"/v2/apps", "application/json", strings.NewReader(`{"id":"/hello","cmd":"sleep 1000","cpus":0.5}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	for _, a := range s.Agents() {
		fmt.Println(a.Hostname, a.Tasks, a.Used.CPUs)
	}
	// Output:
	// 201 Created
	// agent-1.sandbox 1 0.5
	// agent-2.sandbox 0 0
}
