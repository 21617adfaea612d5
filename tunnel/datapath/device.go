package datapath

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/tun"
)

// DefaultKeepalive is how long the NAT-T socket may stay silent towards a
// peer before a NAT keepalive is sent (RFC 3948 4: 20 s is common practice).
const DefaultKeepalive = 20 * time.Second

// errorBackoff is the pause after an unexpected socket error.
const errorBackoff = 10 * time.Millisecond

// Config configures a Device.
type Config struct {
	// TUN carries inner packets. The Device owns it and closes it.
	TUN tun.Device
	// ListenNATT is the UDP address for ESP-in-UDP and NAT-T IKE (port
	// 4500 in production; port 0 picks a free one). With an unspecified
	// address, Linux reports each IKE datagram's real destination to
	// OnIKE, and SendIKE, ESP and keepalives leave from the local address
	// the IKE SA uses (see SetOutboundFrom); other systems report the
	// unspecified address and leave the source to the kernel, so there
	// bind explicit addresses on multi-homed hosts.
	ListenNATT netip.AddrPort
	// ListenIKE, if valid, also binds a socket for plain IKE (port 500).
	ListenIKE netip.AddrPort
	// ListenAlso lists more local addresses to serve, for a server with
	// several (or one unspecified address per family: Go binds "::"
	// IPv6-only, so "0.0.0.0" and "::" go side by side). Each gets a NAT-T
	// socket on ListenNATT's port and, with ListenIKE, a plain-IKE socket
	// on ListenIKE's port; with port 0 they share the ports the first
	// address got.
	ListenAlso []netip.Addr
	// OnIKE receives every inbound IKE message (marker stripped). It owns
	// pkt. It runs on the receive goroutine, so it must hand the message
	// off quickly rather than process it inline.
	OnIKE func(pkt []byte, local, remote netip.AddrPort)
	// Keepalive is the NAT keepalive interval: 0 means DefaultKeepalive,
	// negative disables keepalives.
	Keepalive time.Duration
	// PathMTU is the outer path MTU used to compute InnerMTU (default 1500).
	PathMTU int
	// NoMSSClamp disables rewriting the MSS of TCP SYNs.
	NoMSSClamp bool
	// Logger receives warnings about broken sockets or TUN; nil discards.
	Logger *slog.Logger
}

// Device pumps packets between its TUN device and its UDP sockets.
type Device struct {
	cfg      Config
	log      *slog.Logger
	tun      tun.Device
	natt     []*udpConn // one per listen address, ListenNATT's first
	ike      []*udpConn // the same order; empty without ListenIKE
	epoch    time.Time
	innerMTU atomic.Int64
	stats    counters

	tables tables
	mu     sync.Mutex // serialises writers of tables and retire
	retire map[uint32]*time.Timer

	closed    atomic.Bool
	closeOnce sync.Once
	stop      chan struct{}
	wg        sync.WaitGroup
}

// New binds the sockets and starts the pump. Close releases everything,
// the TUN included; if New fails, the caller still owns cfg.TUN.
func New(cfg Config) (*Device, error) {
	if cfg.TUN == nil || !cfg.ListenNATT.IsValid() {
		return nil, fmt.Errorf("%w: TUN and ListenNATT are required", ErrConfig)
	}
	d := &Device{
		cfg:    cfg,
		log:    cfg.Logger,
		tun:    cfg.TUN,
		epoch:  time.Now(),
		retire: map[uint32]*time.Timer{},
		stop:   make(chan struct{}),
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if err := d.bind(); err != nil {
		return nil, err
	}
	d.tables.init()
	d.innerMTU.Store(int64(d.defaultInnerMTU()))
	if err := d.start(); err != nil {
		d.closeSockets()
		return nil, err
	}
	return d, nil
}

// Close stops the pump, closes the sockets and the TUN device and waits
// for the goroutines to finish. It is idempotent.
func (d *Device) Close() error {
	var err error
	d.closeOnce.Do(func() {
		d.closed.Store(true)
		close(d.stop)
		d.closeSockets()
		err = d.tun.Close()
		d.wg.Wait()
		d.mu.Lock()
		for _, t := range d.retire {
			t.Stop()
		}
		d.mu.Unlock()
	})
	return err
}

// Done is closed when the Device closes, by Close or because its TUN
// device failed.
func (d *Device) Done() <-chan struct{} { return d.stop }

// backoff pauses a goroutine after an unexpected I/O error, returning
// early when the Device closes.
func (d *Device) backoff() {
	t := time.NewTimer(errorBackoff)
	defer t.Stop()
	select {
	case <-t.C:
	case <-d.stop:
	}
}

// LocalAddr is the bound NAT-T (ESP and IKE-with-marker) address of
// ListenNATT; LocalAddrs lists those of ListenAlso too.
func (d *Device) LocalAddr() netip.AddrPort { return d.natt[0].local }

// IKELocalAddr is the bound plain-IKE address of ListenIKE, invalid
// without it.
func (d *Device) IKELocalAddr() netip.AddrPort {
	if len(d.ike) == 0 {
		return netip.AddrPort{}
	}
	return d.ike[0].local
}

// Stats returns a snapshot of the counters.
func (d *Device) Stats() Stats { return d.stats.snapshot() }

// now is a monotonic clock in nanoseconds that does not allocate.
func (d *Device) now() int64 { return int64(time.Since(d.epoch)) }

// isClosed reports whether err means the socket or TUN was closed.
func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed)
}
