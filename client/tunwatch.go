package client

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// watchEvery is how often a session checks the system under it: that
// its TUN interface still exists and that its local address is still
// the host's. Neither change reaches the data plane as an error (TUN
// reads of a deleted interface block; sockets bound to an address that
// went away just fail to send), so without this a Wi-Fi change or a
// deleted interface left a "connected" tunnel that carried nothing
// until DPD gave up, if it was on at all.
const watchEvery = 2 * time.Second

// addrGoneAfter is how many checks in a row must miss the local address:
// an address being replaced (DHCP renew, IPv6 DAD) may vanish for a
// moment.
const addrGoneAfter = 2

// ifaceLookup finds an interface by name; found false means the system
// has none of that name, err that it could not tell.
type ifaceLookup func(name string) (ifc ifaceState, found bool, err error)

// ifaceState is what the watch needs of an interface.
type ifaceState struct {
	Index int
	Up    bool
}

// addrLookup reports whether the host still has address a.
type addrLookup func(a netip.Addr) (bool, error)

func lookupInterface(name string) (ifaceState, bool, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return ifaceState{}, false, err
	}
	for _, ifc := range ifs {
		if ifc.Name == name {
			return ifaceState{Index: ifc.Index, Up: ifc.Flags&net.FlagUp != 0}, true, nil
		}
	}
	return ifaceState{}, false, nil
}

func hostHasAddr(a netip.Addr) (bool, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false, err
	}
	for _, x := range addrs {
		if p, err := netip.ParsePrefix(x.String()); err == nil && p.Addr().Unmap() == a.Unmap().WithZone("") {
			return true, nil
		}
	}
	return false, nil
}

// systemWatch is what one session watches.
type systemWatch struct {
	iface  string // "" when the device is not the system's
	lookup ifaceLookup
	index  int
	// applied is set once the Conn applied the session's routes, which
	// sets the interface up: from then on it must stay up.
	applied atomic.Bool
	downs   int // checks in a row that found it down after applied
	local   netip.Addr
	hasAddr addrLookup
	misses  int // checks in a row that missed the local address
}

// watchSystem ends the session when its interface or its local address
// goes away, until the data plane stops.
func (s *tunnelSession) watchSystem(w *systemWatch, every time.Duration) {
	if w.iface != "" {
		ifc, found, err := w.lookup(w.iface)
		if err != nil || !found {
			s.log.Warn("tunnel interface not found; its deletion will go unnoticed", "interface", w.iface, "err", err)
			w.iface = ""
		}
		w.index = ifc.Index
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.dp.Done():
			return
		case <-t.C:
		}
		if err := w.check(); err != nil {
			s.log.Error("ending the session", "err", err)
			s.finish(err)
			return
		}
	}
}

// check looks once; an error says what went away.
func (w *systemWatch) check() error {
	if err := w.checkInterface(); err != nil {
		return err
	}
	has, err := w.hasAddr(w.local)
	switch {
	case err != nil || has:
		w.misses = 0
	case w.misses+1 >= addrGoneAfter:
		return fmt.Errorf("%w: %s", ErrLocalAddressGone, w.local)
	default:
		w.misses++
	}
	return nil
}

// checkInterface: a deleted interface ends the session at once. One set
// down does too when it stays down after the routes were applied (which
// set it up): the kernel dropped its routes with it, so traffic meant
// for the tunnel would leave in the clear; a new session brings them
// back.
func (w *systemWatch) checkInterface() error {
	if w.iface == "" {
		return nil
	}
	ifc, found, err := w.lookup(w.iface)
	switch {
	case err != nil:
	case !found || ifc.Index != w.index:
		return fmt.Errorf("%w: %s", ErrInterfaceGone, w.iface)
	case ifc.Up || !w.applied.Load():
		w.downs = 0
	case w.downs+1 >= addrGoneAfter:
		return fmt.Errorf("%w: %s", ErrInterfaceDown, w.iface)
	default:
		w.downs++
	}
	return nil
}
