package marathon_test

import (
	"context"
	"fmt"
	"time"

	"github.com/universe-pm/universe/marathon"
	"github.com/universe-pm/universe/marathon/sandbox"
)

// Deploy an app and wait until it is running and healthy, here against an
// in-process sandbox.
func ExampleClient_CreateApp() {
	s, _ := sandbox.New(sandbox.Config{})
	_ = s.Start(context.Background(), "")
	defer s.Close()

	c, err := marathon.New(marathon.Config{MarathonURL: s.URL()})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	app, err := c.CreateApp(ctx, map[string]any{"id": "/web", "cmd": "python3 -m http.server $PORT0", "instances": 2})
	if err != nil {
		panic(err)
	}
	if err := c.WaitForDeployment(ctx, app.DeploymentID); err != nil {
		panic(err)
	}
	if err := c.WaitForApp(ctx, app.ID); err != nil {
		panic(err)
	}
	got, _ := c.GetApp(ctx, "/web")
	fmt.Println(got.ID, got.TasksRunning)
	// Output: /web 2
}

func ExampleValidateApp() {
	err := marathon.ValidateApp(map[string]any{"id": "/web", "cmd": "sleep 1", "constraints": []any{[]any{"hostname", "MAX_PER"}}})
	fmt.Println(err.Status, err.Message)
	for _, d := range err.Details {
		fmt.Println(d.Path, d.Errors)
	}
	// Output:
	// 422 Object is not valid
	// /constraints(0) [MAX_PER requires an integer value]
}
