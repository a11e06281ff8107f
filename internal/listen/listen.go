// Package listen opens the TCP listeners of universe's servers (the sandbox,
// repo serve, the dashboard) with one rule: loopback unless the user says
// otherwise. A non-loopback address — including an empty host such as ":8080",
// which means every interface — is refused unless public is true
// (the commands' --listen-public flag).
package listen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrPublic is wrapped by the error Check returns for a non-loopback address.
var ErrPublic = errors.New("address is not loopback")

// Check reports whether addr (host:port) may be listened on. Loopback IP
// literals and "localhost" are always allowed; anything else (another IP, an
// empty host, a host name) needs public. Names other than localhost are
// refused rather than resolved: what a name resolves to can change between
// this check and the listen.
func Check(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if public || IsLoopback(host) {
		return nil
	}
	what := host
	if host == "" {
		what = "every interface"
	}
	return fmt.Errorf("refusing to listen on %s (%s): %w; use a loopback address such as 127.0.0.1:%s, or pass --listen-public to expose it to the network",
		addr, what, ErrPublic, port(addr))
}

// IsLoopback reports whether host (an IP literal, possibly in brackets, or
// "localhost") names only the loopback interface.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Listen checks addr with Check and then listens on it over TCP.
func Listen(ctx context.Context, addr string, public bool) (net.Listener, error) {
	if err := Check(addr, public); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
