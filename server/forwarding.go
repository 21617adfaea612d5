package server

import (
	"bytes"
	"fmt"
	"os"
)

// The server routes between its clients and the LAN behind it, which the
// kernel does only with IP forwarding on. Turning it on is a host-wide
// decision we leave to the admin, but a gateway whose clients reach
// nothing but the gateway itself is the first thing a new admin hits, so
// say so at start.

// forwardingSysctls are the switches per family, as /proc paths.
var forwardingSysctls = [2]struct{ path, sysctl string }{
	{"/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward"},
	{"/proc/sys/net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding"},
}

// forwardingWarnings returns one sentence per family that has a pool but
// forwarding off. read is os.ReadFile outside tests; an unreadable switch
// (another OS, no IPv6) is not reported.
func forwardingWarnings(pools Pools, read func(string) ([]byte, error)) []string {
	var has [2]bool
	for _, name := range pools.names() {
		if pools[name].Prefix().Addr().Is4() {
			has[0] = true
		} else {
			has[1] = true
		}
	}
	var out []string
	for i, s := range forwardingSysctls {
		if !has[i] {
			continue
		}
		b, err := read(s.path)
		if err != nil || !bytes.Equal(bytes.TrimSpace(b), []byte("0")) {
			continue
		}
		out = append(out, fmt.Sprintf("%s is 0: clients reach this gateway but nothing behind it; "+
			"run sysctl -w %s=1 and make it permanent in /etc/sysctl.d/", s.sysctl, s.sysctl))
	}
	return out
}

// warnForwarding logs forwardingWarnings for the running host.
func (s *Server) warnForwarding(cfg *Config) {
	for _, w := range forwardingWarnings(cfg.Pools, os.ReadFile) {
		s.log.Warn(w)
	}
}
