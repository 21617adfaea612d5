package datapath

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// One Device serves several local addresses (a server listening on
// 192.0.2.1 and 2001:db8::1, or on 0.0.0.0 and ::): each address gets a
// NAT-T socket and, with ListenIKE, a plain-IKE socket, all on the same two
// ports. Every socket has its own receive goroutine. Outbound, each flow
// carries the index of the NAT-T socket it leaves from, chosen once when
// the route is installed: the socket bound to the address the peer's IKE
// came in on, so ESP, keepalives and IKE replies all come from the address
// the peer (and its NAT) expects.

// bindAttempts bounds the retries when an ephemeral port picked for the
// first address is already taken on another one.
const bindAttempts = 8

// listenAddrs is ListenNATT's address followed by ListenAlso, unmapped,
// each once.
func (c *Config) listenAddrs() ([]netip.Addr, error) {
	addrs := []netip.Addr{c.ListenNATT.Addr().Unmap()}
	for _, a := range c.ListenAlso {
		if !a.IsValid() {
			return nil, fmt.Errorf("%w: invalid address in ListenAlso", ErrConfig)
		}
		if a = a.Unmap(); !contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	return addrs, nil
}

func contains(addrs []netip.Addr, a netip.Addr) bool {
	for _, x := range addrs {
		if x == a {
			return true
		}
	}
	return false
}

// bind opens the sockets of every listen address. With port 0 the first
// address picks free ports and the others must get the same ones, which
// may be taken there: then everything is closed and tried again.
func (d *Device) bind() error {
	addrs, err := d.cfg.listenAddrs()
	if err != nil {
		return err
	}
	ephemeral := d.cfg.ListenNATT.Port() == 0 || (d.cfg.ListenIKE.IsValid() && d.cfg.ListenIKE.Port() == 0)
	for attempt := 1; ; attempt++ {
		err := d.bindOnce(addrs)
		if err == nil {
			return nil
		}
		d.closeSockets()
		d.natt, d.ike = nil, nil
		if !ephemeral || len(addrs) == 1 || !errors.Is(err, syscall.EADDRINUSE) || attempt == bindAttempts {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
}

func (d *Device) bindOnce(addrs []netip.Addr) error {
	nattPort, ikePort := d.cfg.ListenNATT.Port(), d.cfg.ListenIKE.Port()
	for i, a := range addrs {
		natt, err := listenUDP(netip.AddrPortFrom(a, nattPort))
		if err != nil {
			return err
		}
		d.natt = append(d.natt, natt)
		nattPort = natt.local.Port()
		if !d.cfg.ListenIKE.IsValid() {
			continue
		}
		if i == 0 {
			a = d.cfg.ListenIKE.Addr()
		}
		ike, err := listenUDP(netip.AddrPortFrom(a, ikePort))
		if err != nil {
			return err
		}
		d.ike = append(d.ike, ike)
		ikePort = ike.local.Port()
	}
	return nil
}

func (d *Device) closeSockets() {
	for _, c := range d.natt {
		_ = c.conn.Close()
	}
	for _, c := range d.ike {
		_ = c.conn.Close()
	}
}

// pickSocket returns the index in socks of the socket that sends from
// local to remote: the one bound to exactly local, else one bound to the
// unspecified address of remote's family (pktinfo then sets the source),
// else the first of that family, whose bound address becomes the source.
// A socket serves one family only (Go binds "::" IPv6-only).
func pickSocket(socks []*udpConn, local, remote netip.Addr) (int, bool) {
	local, v6 := local.Unmap(), remote.Unmap().Is6()
	best := -1
	for i, c := range socks {
		switch {
		case c.v6 != v6:
		case local.IsValid() && c.local.Addr() == local:
			return i, true
		case best < 0 || (c.local.Addr().IsUnspecified() && !socks[best].local.Addr().IsUnspecified()):
			best = i
		}
	}
	return best, best >= 0
}

// hasFamily reports whether any NAT-T socket can reach remote.
func (d *Device) hasFamily(remote netip.Addr) bool {
	_, ok := pickSocket(d.natt, netip.Addr{}, remote)
	return ok
}

// anyV6 reports whether some NAT-T socket is IPv6, so outer headers may
// be IPv6 ones.
func (d *Device) anyV6() bool {
	for _, c := range d.natt {
		if c.v6 {
			return true
		}
	}
	return false
}

// LocalAddrs lists the bound NAT-T addresses, LocalAddr's first.
func (d *Device) LocalAddrs() []netip.AddrPort { return localsOf(d.natt) }

// IKELocalAddrs lists the bound plain-IKE addresses, IKELocalAddr's first;
// empty without ListenIKE.
func (d *Device) IKELocalAddrs() []netip.AddrPort { return localsOf(d.ike) }

func localsOf(socks []*udpConn) []netip.AddrPort {
	out := make([]netip.AddrPort, len(socks))
	for i, c := range socks {
		out[i] = c.local
	}
	return out
}
