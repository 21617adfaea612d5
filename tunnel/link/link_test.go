package link

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"flexvpn/tunnel/datapath"
	"flexvpn/tunnel/esp"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/wire"
)

// recDevice records what the Link asks of the data plane.
type recDevice struct {
	mu  sync.Mutex
	log []string
}

func (d *recDevice) add(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = append(d.log, fmt.Sprintf(format, args...))
}

func (d *recDevice) AddInbound(spi uint32, sa datapath.Opener, allowed []netip.Prefix) error {
	d.add("in+ %08x %v", spi, allowed)
	return nil
}
func (d *recDevice) RetireInbound(spi uint32, grace time.Duration) { d.add("retire %08x", spi) }
func (d *recDevice) RemoveInbound(spi uint32)                      { d.add("in- %08x", spi) }
func (d *recDevice) SetOutboundFrom(p []netip.Prefix, sa datapath.Sealer, local netip.Addr, remote netip.AddrPort) error {
	d.add("out %v %v -> %v", p, local, remote)
	return nil
}
func (d *recDevice) RemoveOutbound(p []netip.Prefix) { d.add("out- %v", p) }

func child(in, out uint32, remote string) *ike.ChildSA {
	key := func(b byte) []byte { return []byte(strings.Repeat(string(rune(b)), 20)) } // AES-128 + salt
	return &ike.ChildSA{
		InSPI: in, OutSPI: out, Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 128,
		In: ike.ChildKeys{Encr: key('a')}, Out: ike.ChildKeys{Encr: key('b')},
		RemoteTS: []wire.TrafficSelector{{Type: wire.TSIPv4AddrRange, EndPort: 65535,
			Start: netip.MustParseAddr(remote), End: netip.MustParseAddr(remote)}},
		Local:  netip.MustParseAddrPort("192.0.2.1:4500"),
		Remote: netip.MustParseAddrPort("192.0.2.2:4500"), Encap: true,
	}
}

// TestChildLifecycle narrates a server-side client: its Child SA comes up,
// is rekeyed (make-before-break), and goes down.
func TestChildLifecycle(t *testing.T) {
	dev := &recDevice{}
	l := New(dev, esp.Lifetime{}, nil)
	first := child(0x1001, 0x2001, "203.0.113.5")
	second := child(0x1002, 0x2002, "203.0.113.5")

	l.HandleEvent(ike.Event{Kind: ike.EventChildUp, Child: first})
	l.HandleEvent(ike.Event{Kind: ike.EventChildRekeyed, Child: second, OldChild: first})
	// The old SA's own down event must not take the routes the new SA owns.
	l.HandleEvent(ike.Event{Kind: ike.EventChildDown, Child: first})
	l.HandleEvent(ike.Event{Kind: ike.EventChildDown, Child: second})

	want := []string{
		"in+ 00001001 [203.0.113.5/32]",
		"out [203.0.113.5/32] 192.0.2.1 -> 192.0.2.2:4500",
		"in+ 00001002 [203.0.113.5/32]", // new inbound first,
		"out [203.0.113.5/32] 192.0.2.1 -> 192.0.2.2:4500",
		"retire 00001001", // the old one lingers for packets in flight,
		// and its Delete does not cut the grace period short.
		"in- 00001002",
		"out- [203.0.113.5/32]",
	}
	if got := strings.Join(dev.log, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("device calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestBadKeysAreNotInstalled(t *testing.T) {
	dev := &recDevice{}
	l := New(dev, esp.Lifetime{}, nil)
	c := child(1, 2, "203.0.113.5")
	c.In.Encr = c.In.Encr[:7] // wrong length: esp refuses it
	l.HandleEvent(ike.Event{Kind: ike.EventChildUp, Child: c})
	if len(dev.log) != 0 {
		t.Errorf("a child with bad keys reached the device: %v", dev.log)
	}
}

// gatedDevice holds the second SetOutboundFrom until released, so a test
// can run another event in the middle of an install.
type gatedDevice struct {
	recDevice
	sets    int
	entered chan struct{}
	release chan struct{}
}

func (d *gatedDevice) SetOutboundFrom(p []netip.Prefix, sa datapath.Sealer, local netip.Addr, remote netip.AddrPort) error {
	d.mu.Lock()
	d.sets++
	second := d.sets == 2
	d.mu.Unlock()
	err := d.recDevice.SetOutboundFrom(p, sa, local, remote)
	if second {
		close(d.entered)
		<-d.release
	}
	return err
}

// TestReconnectKeepsRoutes: a client reconnects (a new IKE SA, its own
// goroutine) while its old SA goes down on another. The old SA's removal
// must not take the route the new SA is installing at that very moment,
// or the gateway loses the way to the client.
func TestReconnectKeepsRoutes(t *testing.T) {
	dev := &gatedDevice{entered: make(chan struct{}), release: make(chan struct{})}
	l := New(dev, esp.Lifetime{}, nil)
	old, renewed := child(0x1001, 0x2001, "203.0.113.5"), child(0x1002, 0x2002, "203.0.113.5")
	l.HandleEvent(ike.Event{Kind: ike.EventChildUp, Child: old})

	installed := make(chan struct{})
	go func() {
		l.HandleEvent(ike.Event{Kind: ike.EventChildUp, Child: renewed})
		close(installed)
	}()
	<-dev.entered // the new SA is pointing the route at itself
	removed := make(chan struct{})
	go func() {
		l.HandleEvent(ike.Event{Kind: ike.EventChildDown, Child: old})
		close(removed)
	}()
	// Give the removal every chance to run into the install; with the
	// install's claim and the removal's check under one lock it waits.
	select {
	case <-removed:
	case <-time.After(200 * time.Millisecond):
	}
	close(dev.release)
	<-installed
	<-removed

	dev.mu.Lock()
	defer dev.mu.Unlock()
	last := ""
	for _, op := range dev.log {
		if strings.Contains(op, "203.0.113.5/32") && strings.HasPrefix(op, "out") {
			last = op
		}
	}
	if !strings.HasPrefix(last, "out [") {
		t.Fatalf("the client's route ended as %q; device calls:\n%s", last, strings.Join(dev.log, "\n"))
	}
}
