package listen

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
		ok     bool
	}{
		{"127.0.0.1:8080", false, true},
		{"127.0.0.2:8080", false, true},
		{"[::1]:8080", false, true},
		{"localhost:8080", false, true},
		{"LOCALHOST:0", false, true},
		{"[::ffff:127.0.0.1]:80", false, true},
		{":8080", false, false},
		{"0.0.0.0:8080", false, false},
		{"[::]:8080", false, false},
		{"10.0.0.5:8080", false, false},
		{"example.com:8080", false, false},
		{"0.0.0.0:8080", true, true},
		{":8080", true, true},
	} {
		err := Check(tc.addr, tc.public)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%q, %v) = %v, want ok=%v", tc.addr, tc.public, err, tc.ok)
		}
		if err != nil && (!errors.Is(err, ErrPublic) || !strings.Contains(err.Error(), "--listen-public")) {
			t.Errorf("Check(%q): error %q should wrap ErrPublic and name --listen-public", tc.addr, err)
		}
	}
	if err := Check("no-port", true); err == nil || errors.Is(err, ErrPublic) {
		t.Errorf("Check(no-port) = %v, want an address error", err)
	}
}

func TestListen(t *testing.T) {
	ln, err := Listen(context.Background(), "127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if _, err := Listen(context.Background(), "0.0.0.0:0", false); !errors.Is(err, ErrPublic) {
		t.Fatalf("Listen(0.0.0.0:0) = %v, want ErrPublic", err)
	}
}
