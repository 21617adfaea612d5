package netns

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
)

// The kernel here has no netem and there is no nft binary, so faults on
// the path are made in userspace: UDPRelay is a UDP NAPT that sits in
// its own host and forwards IKE and ESP-in-UDP between clients and a
// gateway. Clients use the relay's address as their gateway; the gateway
// sees every client as relay-address:ephemeral-port, which is a real NAT
// to IKE's NAT detection. A filter can drop packets, and Rebind moves
// every flow to a new outside port like a NAT whose mapping expired.

// relayPorts are the ports the relay listens on and forwards to.
var relayPorts = []uint16{500, 4500}

// maxDatagram bounds one relayed datagram (IP-fragmented IKE included).
const maxDatagram = 65535

// RelayPacket is what a relay filter sees.
type RelayPacket struct {
	// ToGateway is true for client → gateway packets.
	ToGateway bool
	// Port is the gateway-side port (500 or 4500).
	Port uint16
	// Seq counts packets per direction, from 1, dropped ones included.
	Seq  uint64
	Data []byte
}

// RelayFilter decides whether a packet passes; it runs on the relay's
// goroutines and must not block.
type RelayFilter func(RelayPacket) bool

// DropEvery returns a filter that drops every nth packet towards the
// gateway and passes everything else.
func DropEvery(n uint64) RelayFilter {
	return func(p RelayPacket) bool { return !p.ToGateway || p.Seq%n != 0 }
}

// UDPRelay is a running relay; create it with StartUDPRelay.
type UDPRelay struct {
	Host    *Host
	Gateway netip.Addr
	// Forwarded and Dropped count packets in both directions.
	Forwarded, Dropped atomic.Uint64

	filter  atomic.Pointer[RelayFilter]
	seqUp   atomic.Uint64
	seqDown atomic.Uint64
	mu      sync.Mutex
	listen  map[uint16]*net.UDPConn
	flows   map[flowKey]*relayFlow
	closed  bool
	wg      sync.WaitGroup
}

// flowKey is one client address on one listening port.
type flowKey struct {
	client netip.AddrPort
	port   uint16
}

// relayFlow is a client's outside socket towards the gateway.
type relayFlow struct {
	key  flowKey
	conn *net.UDPConn
}

// StartUDPRelay listens on h.Addr ports 500 and 4500 and forwards to
// gateway. It is closed in t.Cleanup.
func StartUDPRelay(t testing.TB, h *Host, gateway netip.Addr) *UDPRelay {
	t.Helper()
	r := &UDPRelay{Host: h, Gateway: gateway, listen: map[uint16]*net.UDPConn{},
		flows: map[flowKey]*relayFlow{}}
	for _, port := range relayPorts {
		c, err := r.bind(netip.AddrPortFrom(h.Addr, port))
		if err != nil {
			r.Close()
			t.Fatalf("netns: relay on %s: %v", h.Name, err)
		}
		r.listen[port] = c
	}
	for port, c := range r.listen {
		r.wg.Add(1)
		go r.fromClients(port, c)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// SetFilter installs f (nil passes everything).
func (r *UDPRelay) SetFilter(f RelayFilter) {
	if f == nil {
		r.filter.Store(nil)
		return
	}
	r.filter.Store(&f)
}

// Rebind gives every flow a new outside port, as a NAT that lost its
// mappings: the gateway sees the clients' next packets from new ports.
func (r *UDPRelay) Rebind() error {
	r.mu.Lock()
	old := r.flows
	r.flows = map[flowKey]*relayFlow{}
	r.mu.Unlock()
	var errs []error
	for _, f := range old {
		errs = append(errs, f.conn.Close())
	}
	return errors.Join(errs...)
}

// Close stops the relay and waits for its goroutines.
func (r *UDPRelay) Close() {
	r.mu.Lock()
	r.closed = true
	conns := make([]*net.UDPConn, 0, len(r.listen)+len(r.flows))
	for _, c := range r.listen {
		conns = append(conns, c)
	}
	for _, f := range r.flows {
		conns = append(conns, f.conn)
	}
	r.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	r.wg.Wait()
}

// bind opens a UDP socket inside the relay's namespace.
func (r *UDPRelay) bind(ap netip.AddrPort) (*net.UDPConn, error) {
	var c *net.UDPConn
	err := r.Host.Do(func() error {
		var err error
		c, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		return err
	})
	return c, err
}

// fromClients forwards packets arriving on a listening port.
func (r *UDPRelay) fromClients(port uint16, c *net.UDPConn) {
	defer r.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		pkt := RelayPacket{ToGateway: true, Port: port, Seq: r.seqUp.Add(1), Data: buf[:n]}
		if !r.pass(pkt) {
			continue
		}
		f, err := r.flow(flowKey{client: from, port: port})
		if err != nil {
			continue
		}
		if _, err := f.conn.WriteToUDPAddrPort(buf[:n], netip.AddrPortFrom(r.Gateway, port)); err == nil {
			r.Forwarded.Add(1)
		}
	}
}

// flow returns the outside socket of a client, creating it on first use.
func (r *UDPRelay) flow(k flowKey) (*relayFlow, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.flows[k]; ok || r.closed {
		if !ok {
			return nil, net.ErrClosed
		}
		return f, nil
	}
	c, err := r.bind(netip.AddrPortFrom(r.Host.Addr, 0))
	if err != nil {
		return nil, err
	}
	f := &relayFlow{key: k, conn: c}
	r.flows[k] = f
	r.wg.Add(1)
	go r.fromGateway(f)
	return f, nil
}

// fromGateway forwards the gateway's answers back to the client through
// the listening socket of the flow's port.
func (r *UDPRelay) fromGateway(f *relayFlow) {
	defer r.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := f.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if from.Addr() != r.Gateway {
			continue
		}
		pkt := RelayPacket{Port: f.key.port, Seq: r.seqDown.Add(1), Data: buf[:n]}
		if !r.pass(pkt) {
			continue
		}
		if _, err := r.listen[f.key.port].WriteToUDPAddrPort(buf[:n], f.key.client); err == nil {
			r.Forwarded.Add(1)
		}
	}
}

func (r *UDPRelay) pass(p RelayPacket) bool {
	if f := r.filter.Load(); f != nil && !(*f)(p) {
		r.Dropped.Add(1)
		return false
	}
	return true
}
