package client

import (
	"fmt"
	"net"
	"net/netip"
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

// ifaceLookup finds an interface's index by name; found false means the
// system has none of that name, err that it could not tell.
type ifaceLookup func(name string) (index int, found bool, err error)

// addrLookup reports whether the host still has address a.
type addrLookup func(a netip.Addr) (bool, error)

func lookupInterface(name string) (int, bool, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return 0, false, err
	}
	for _, ifc := range ifs {
		if ifc.Name == name {
			return ifc.Index, true, nil
		}
	}
	return 0, false, nil
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
	iface   string // "" when the device is not the system's
	lookup  ifaceLookup
	index   int
	local   netip.Addr
	hasAddr addrLookup
	misses  int
}

// watchSystem ends the session when its interface or its local address
// goes away, until the data plane stops.
func (s *tunnelSession) watchSystem(w *systemWatch, every time.Duration) {
	if w.iface != "" {
		index, found, err := w.lookup(w.iface)
		if err != nil || !found {
			s.log.Warn("tunnel interface not found; its deletion will go unnoticed", "interface", w.iface, "err", err)
			w.iface = ""
		}
		w.index = index
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
	if w.iface != "" {
		index, found, err := w.lookup(w.iface)
		if err == nil && (!found || index != w.index) {
			return fmt.Errorf("%w: %s", ErrInterfaceGone, w.iface)
		}
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
