package track

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// InterfaceProbe succeeds while the interface exists, is administratively
// up with its link running, and has an address other than a link-local
// one (an address the client could source a tunnel from).
type InterfaceProbe struct {
	Name string
	// Lookup and Addrs default to the net package; tests replace them.
	Lookup func(name string) (*net.Interface, error)
	Addrs  func(*net.Interface) ([]net.Addr, error)
}

// Probe checks the interface once; the tracker's Interval is the poll.
func (p *InterfaceProbe) Probe(ctx context.Context) error {
	lookup, addrsOf := p.Lookup, p.Addrs
	if lookup == nil {
		lookup = net.InterfaceByName
	}
	if addrsOf == nil {
		addrsOf = (*net.Interface).Addrs
	}
	ifc, err := lookup(p.Name)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInterfaceDown, p.Name, err)
	}
	if ifc.Flags&net.FlagUp == 0 {
		return fmt.Errorf("%w: %s is administratively down", ErrInterfaceDown, p.Name)
	}
	if ifc.Flags&net.FlagRunning == 0 {
		return fmt.Errorf("%w: %s has no link (not running)", ErrInterfaceDown, p.Name)
	}
	addrs, err := addrsOf(ifc)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInterfaceDown, p.Name, err)
	}
	for _, a := range addrs {
		if usableAddr(a) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s has no address other than link-local", ErrInterfaceDown, p.Name)
}

func usableAddr(a net.Addr) bool {
	ipn, ok := a.(*net.IPNet)
	if !ok {
		return false
	}
	ip, ok := netip.AddrFromSlice(ipn.IP)
	return ok && ip.IsValid() && !ip.Unmap().IsLinkLocalUnicast() && !ip.IsUnspecified()
}
