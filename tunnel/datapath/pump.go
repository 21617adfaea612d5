package datapath

/* The pump, modelled on the shape of wireguard-go's device package.

   Sockets (sockets.go): one NAT-T socket, and with ListenIKE one plain-IKE
   socket, per listen address (ListenNATT's, then ListenAlso's). Each
   outbound route's flow names the NAT-T socket it leaves from: the one
   bound to the address the peer's IKE came in on (SetOutboundFrom).

   Outbound (send.go), one goroutine, routineReadTUN:

     tun.Read(batch, offset=headroom)           inner packets land headroom bytes into
        │                                        each buffer, leaving room for the ESP header
        ▼
     per packet: parse destination ─ malformed ──▶ drop (Malformed)
        │  tables.lookupOut(dst)    ─ no route ───▶ drop (NoOutboundSA)
        │  clampMSS (TCP SYN)
        │  sa.Seal in place: header into headroom, trailer+ICV into tailroom
        ▼                                ─ refused ──▶ drop (Seal)
     per run of consecutive datagrams for one socket:
       that socket's writer: sendmmsg(run, each to its route's remote) ─ refused ─▶ drop (Send)
        on Linux, runs of datagrams to one remote go as one UDP GSO train
        (udp_gso_linux.go); the peer receives ordinary datagrams

   Inbound (receive.go), one goroutine per socket, routineReceive:

     recvmmsg(batch, offset=rxOffset)
        │ plain-IKE socket ──────────────────────────▶ OnIKE(local = the address it came to)
        ▼ NAT-T socket: classify (RFC 3948)
        ├─ 0xFF ───────────────────────────────────▶ count keepalive
        ├─ 00000000 marker ─ strip ────────────────▶ OnIKE(local = the address it came to)
        ├─ too short ──────────────────────────────▶ drop (Malformed)
        └─ ESP: tables.lookupIn(SPI) ─ unknown ────▶ drop (UnknownSPI)
              sa.Open in place (replay check, ICV, replay update, trailer)
                               ─ error ────────────▶ drop (Malformed/Replay/Auth)
              next header 59 ──────────────────────▶ drop (Dummy)
              inner header sane, length trimmed ───▶ else drop (Malformed)
              inner source allowed by the SA ──────▶ else drop (Policy)
              clampMSS (TCP SYN), move inner packet to tunWriteOffset
        ▼
     tun.Write(batch, offset=tunWriteOffset)  ─ error ─▶ drop (TUNWrite)
        (every receive goroutine writes; wireguard's tun serialises writes)

   Keepalives (keepalive.go): a ticker sends 0xFF to every remote that has
   not been sent anything for the keepalive interval, from its flow's socket.
   IKE (ike.go): SendIKE picks the socket by local address and port.

   Every buffer is allocated once in start and reused, SA tables are read
   through atomic pointers (table.go, lfmap.go), counters are atomics: the
   pump allocates nothing per packet and takes no lock of its own. Sealing and opening run
   inline on these goroutines rather than on worker pools: packets stay in
   order (no reordering for the peer's replay window and TCP to absorb),
   and on small routers one core per direction is the budget anyway.
*/

import (
	"fmt"
	"net/netip"

	"flexvpn/tunnel/esp"
)

// Buffer layout. Every buffer is bufSize bytes:
//
//	send:    | headroom | inner packet ............ | tailroom |
//	receive: | rxOffset | ESP datagram (SPI seq IV ciphertext ICV) ... |
//	                  inner packet moved to | tunWriteOffset | inner |
const (
	// headroom covers the largest ESP header + IV; it also exceeds the
	// 10-byte virtio-net header wireguard's tun needs in front of packets.
	headroom = 32
	tailroom = 64
	// maxPacket is the largest IP packet; with GRO the TUN coalesces
	// received segments into the first buffer's spare capacity.
	maxPacket = 65535
	bufSize   = headroom + maxPacket + tailroom
	rxOffset  = 16
	// tunWriteOffset is where an AEAD payload already lies after Open
	// (rxOffset + ESP header + 8-byte IV); other transforms are moved.
	tunWriteOffset = rxOffset + espHeaderLen + 8
	// rxBatchSize is how many datagrams one recvmmsg takes on a NAT-T
	// socket; a plain-IKE socket sees a handful of messages per second
	// and gets ikeBatchSize buffers, sparing 3.75 MiB each.
	rxBatchSize  = 64
	ikeBatchSize = 4
)

// The layout must hold whatever any esp SA writes around the packet.
var _ = [1]struct{}{}[min(headroom-esp.MaxHeadroom, tailroom-esp.MaxTailroom, 0)]

// start allocates the working sets and launches the goroutines: one
// reading the TUN, one per socket receiving, and the keepalive ticker.
func (d *Device) start() error {
	tx, err := d.newTxBatch()
	if err != nil {
		return err
	}
	type receiver struct {
		c    *udpConn
		natt bool
		b    *rxBatch
	}
	var rx []receiver
	for _, set := range []struct {
		socks []*udpConn
		natt  bool
		batch int
	}{{d.natt, true, rxBatchSize}, {d.ike, false, ikeBatchSize}} {
		for _, c := range set.socks {
			b, err := d.newRxBatch(c, set.batch)
			if err != nil {
				return err
			}
			rx = append(rx, receiver{c, set.natt, b})
		}
	}
	d.wg.Add(1 + len(rx))
	go d.routineReadTUN(tx)
	for _, r := range rx {
		go d.routineReceive(r.c, r.natt, r.b)
	}
	if d.keepaliveInterval() > 0 {
		d.wg.Add(1)
		go d.routineKeepalive()
	}
	return nil
}

func newBuffers(n int) [][]byte {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, bufSize)
	}
	return bufs
}

func (d *Device) newTxBatch() (*txBatch, error) {
	n := max(d.tun.BatchSize(), 1)
	b := &txBatch{
		bufs:  newBuffers(n),
		views: make([][]byte, n),
		sizes: make([]int, n),
		out:   make([][]byte, 0, n),
		flows: make([]flow, 0, n),
	}
	for _, c := range d.natt {
		w, err := c.newWriter(n)
		if err != nil {
			return nil, fmt.Errorf("datapath: socket writer: %w", err)
		}
		b.writers = append(b.writers, w)
	}
	for i, buf := range b.bufs {
		b.views[i] = buf[:bufSize-tailroom] // the TUN must not fill the tailroom
	}
	return b, nil
}

func (d *Device) newRxBatch(c *udpConn, n int) (*rxBatch, error) {
	r, err := c.newReader(n)
	if err != nil {
		return nil, fmt.Errorf("datapath: socket reader: %w", err)
	}
	b := &rxBatch{
		bufs:   newBuffers(n),
		views:  make([][]byte, n),
		sizes:  make([]int, n),
		srcs:   make([]netip.AddrPort, n),
		writes: make([][]byte, 0, n),
		reader: r,
	}
	for i, buf := range b.bufs {
		b.views[i] = buf[rxOffset:]
	}
	return b, nil
}
