package track

import (
	"fmt"
	"net"
)

// NewProber builds the real probe of a compiled object.
func NewProber(o Object) (Prober, error) {
	switch o.Probe {
	case ProbeTCP:
		return &TCPProbe{Addr: o.Target}, nil
	case ProbeDNS:
		name, server, err := splitDNSTarget(o.Target)
		if err != nil {
			return nil, err
		}
		return &DNSProbe{Name: name, Server: server}, nil
	case ProbeInterface:
		return &InterfaceProbe{Name: o.Target}, nil
	case ProbeICMP:
		return &ICMPProbe{Host: o.Target}, nil
	}
	return nil, fmt.Errorf("%w: probe %q is not one of icmp, tcp, dns, interface", ErrInvalidObject, o.Probe)
}

// systemResolver is what probes use when none is injected.
var systemResolver = net.DefaultResolver
