package client

import (
	"fmt"
	"net"
	"time"
)

// interfaceCheck is how often a session checks that its TUN interface
// still exists. Deleting the interface (an admin, a network manager)
// leaves the device's reads blocked rather than failing, so the data
// plane never notices; a lookup every few seconds is cheap.
const interfaceCheck = 2 * time.Second

// ifaceLookup finds an interface's index by name; found false means the
// system has none of that name, err that it could not tell.
type ifaceLookup func(name string) (index int, found bool, err error)

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

// watchInterface ends the session when its interface disappears (or
// another took its name), until the data plane stops.
func (s *tunnelSession) watchInterface(name string, lookup ifaceLookup, every time.Duration) {
	index, found, err := lookup(name)
	if err != nil || !found {
		s.log.Warn("tunnel interface not found; its deletion will go unnoticed", "interface", name, "err", err)
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.dp.Done():
			return
		case <-t.C:
		}
		now, found, err := lookup(name)
		if err == nil && (!found || now != index) {
			s.log.Error("the tunnel interface was deleted; ending the session", "interface", name)
			s.finish(fmt.Errorf("%w: %s", ErrInterfaceGone, name))
			return
		}
	}
}
