package installer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/universe-pm/universe/installer"
)

func TestPreflightRefusesEarly(t *testing.T) {
	tests := []struct {
		name string
		req  installer.Request
		want string
	}{
		{
			name: "taken",
			req:  installer.Request{Name: "etcd"},
			want: "etcd: app id /etcd is taken by an app that is not from a package; choose another with --app-id or remove it",
		},
		{
			name: "room",
			req:  installer.Request{Name: "spark", Options: map[string]any{"service": map[string]any{"cpus": 64}}},
			want: "not enough room: the install needs 73.6 cpus",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			if _, err := e.mc.CreateApp(context.Background(), map[string]any{"id": "/etcd", "cmd": "sleep 1000", "cpus": 0.1, "mem": 32, "instances": 1}); err != nil {
				t.Fatal(err)
			}
			before := e.apps()
			tt.req.Timeout = time.Minute
			_, err := e.in.Run(context.Background(), tt.req)
			var pe *installer.PreflightError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run(%s) = %v, want a pre-flight refusal with %q", tt.req.Name, err, tt.want)
			}
			if diff := cmp.Diff(before, e.apps()); diff != "" {
				t.Errorf("apps changed by a refused install (-want +got):\n%s", diff)
			}
		})
	}
}
