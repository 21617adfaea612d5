package track

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// ICMPProbe succeeds when Host answers an ICMP echo (IPv4 or IPv6, by the
// address family of Host or of what it resolves to). It uses an
// unprivileged ping socket where net.ipv4.ping_group_range allows one,
// else a raw socket (root or CAP_NET_RAW).
type ICMPProbe struct {
	Host string
	seq  atomic.Uint32
}

// icmpConn is an open ICMP socket and how to address it.
type icmpConn struct {
	net.PacketConn
	raw bool // raw sockets see every echo on the host: match the ID too
	dst func(netip.Addr) net.Addr
}

// Probe sends one echo request and waits for its reply until ctx ends.
func (p *ICMPProbe) Probe(ctx context.Context) error {
	dst, err := p.resolve(ctx)
	if err != nil {
		return err
	}
	c, err := openICMP(dst.Is6())
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	req := p.request(dst.Is6())
	if _, err := c.WriteTo(appendEcho(nil, req, dst.Is6()), c.dst(dst)); err != nil {
		return fmt.Errorf("icmp echo to %s: %w", dst, err)
	}
	return c.awaitReply(ctx, dst, req)
}

// request builds an echo request with a fresh random token as its data,
// so a reply to an earlier (timed out) probe or to another process's
// ping is never taken for ours.
func (p *ICMPProbe) request(v6 bool) echo {
	token := make([]byte, 16)
	rand.Read(token)
	m := echo{Type: icmpv4EchoRequest, ID: binary.BigEndian.Uint16(token), Seq: uint16(p.seq.Add(1)), Data: token}
	if v6 {
		m.Type = icmpv6EchoRequest
	}
	return m
}

func (p *ICMPProbe) resolve(ctx context.Context) (netip.Addr, error) {
	if a, err := netip.ParseAddr(p.Host); err == nil {
		return a.Unmap(), nil
	}
	addrs, err := systemResolver.LookupNetIP(ctx, "ip", p.Host)
	if err != nil {
		return netip.Addr{}, err
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("%w: %s", ErrNoAddress, p.Host)
	}
	return addrs[0].Unmap(), nil
}

// awaitReply reads until the reply to req arrives or the deadline passes.
func (c *icmpConn) awaitReply(ctx context.Context, dst netip.Addr, req echo) error {
	buf := make([]byte, 1500)
	want := uint8(icmpv4EchoReply)
	if dst.Is6() {
		want = icmpv6EchoReply
	}
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
				return fmt.Errorf("%w from %s", ErrNoReply, dst)
			}
			return fmt.Errorf("icmp echo to %s: %w", dst, err)
		}
		m, err := parseEcho(buf[:n])
		if err != nil || m.Type != want || m.Seq != req.Seq || !bytes.Equal(m.Data, req.Data) {
			continue
		}
		if c.raw && m.ID != req.ID {
			continue
		}
		return nil
	}
}

// openICMP opens a ping socket, or a raw socket when ping sockets are not
// allowed for us.
func openICMP(v6 bool) (*icmpConn, error) {
	c, err := openPingSocket(v6)
	if err == nil {
		return &icmpConn{PacketConn: c, dst: udpAddr}, nil
	}
	network, laddr := "ip4:icmp", "0.0.0.0"
	if v6 {
		network, laddr = "ip6:ipv6-icmp", "::"
	}
	rc, rerr := net.ListenPacket(network, laddr)
	if rerr == nil {
		return &icmpConn{PacketConn: rc, raw: true, dst: ipAddr}, nil
	}
	if errors.Is(rerr, syscall.EPERM) || errors.Is(rerr, syscall.EACCES) {
		return nil, ErrICMPPermission
	}
	return nil, fmt.Errorf("icmp socket: %w (ping socket: %w)", rerr, err)
}

func udpAddr(a netip.Addr) net.Addr {
	return &net.UDPAddr{IP: a.AsSlice(), Zone: a.Zone()}
}

func ipAddr(a netip.Addr) net.Addr {
	return &net.IPAddr{IP: a.AsSlice(), Zone: a.Zone()}
}
