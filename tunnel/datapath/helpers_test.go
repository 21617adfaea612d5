package datapath

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"flexvpn/tunnel/esp"
	"flexvpn/tunnel/ike/wire"
)

// Transform IDs for building test SAs, from the wire registry.
const (
	encrAESCBC   = wire.ENCR_AES_CBC
	encrAESGCM16 = wire.ENCR_AES_GCM_16
	encrChaCha20 = wire.ENCR_CHACHA20_POLY1305
	authSHA256   = wire.AUTH_HMAC_SHA2_256_128
	authSHA512   = wire.AUTH_HMAC_SHA2_512_256
)

// keyBytes returns n deterministic key bytes that differ per seed.
func keyBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed ^ byte(i*13+5)
	}
	return b
}

// gcmConfig is a statically keyed AES-GCM-128 SA, as IKE would derive.
func gcmConfig(spi uint32, seed byte) esp.Config {
	return esp.Config{SPI: spi, Encr: encrAESGCM16, EncrKey: keyBytes(20, seed)}
}

// cbcConfig is a statically keyed AES-CBC-128 + HMAC-SHA-256-128 SA.
func cbcConfig(spi uint32, seed byte) esp.Config {
	return esp.Config{SPI: spi, Encr: encrAESCBC, EncrKey: keyBytes(16, seed),
		Integ: authSHA256, IntegKey: keyBytes(32, seed+1)}
}

// saPair builds both ends of one direction of a Child SA.
func saPair(t testing.TB, cfg esp.Config) (*esp.Outbound, *esp.Inbound) {
	t.Helper()
	out, err := esp.NewOutbound(cfg)
	if err != nil {
		t.Fatalf("NewOutbound: %v", err)
	}
	in, err := esp.NewInbound(cfg)
	if err != nil {
		t.Fatalf("NewInbound: %v", err)
	}
	return out, in
}

// ipv4Packet builds an IPv4 packet (header checksum included) around payload.
func ipv4Packet(src, dst netip.Addr, proto byte, payload []byte) []byte {
	p := make([]byte, ipv4HeaderLen+len(payload))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[8], p[9] = 64, proto
	s, d := src.As4(), dst.As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	binary.BigEndian.PutUint16(p[10:], ^onesSum(0, p[:ipv4HeaderLen]))
	copy(p[ipv4HeaderLen:], payload)
	return p
}

// ipv6Packet builds an IPv6 packet around payload.
func ipv6Packet(src, dst netip.Addr, proto byte, payload []byte) []byte {
	p := make([]byte, ipv6HeaderLen+len(payload))
	p[0] = 0x60
	binary.BigEndian.PutUint16(p[4:], uint16(len(payload)))
	p[6], p[7] = proto, 64
	s, d := src.As16(), dst.As16()
	copy(p[8:], s[:])
	copy(p[24:], d[:])
	copy(p[ipv6HeaderLen:], payload)
	return p
}

// udpPayload is a recognisable UDP-protocol payload (protocol 17); the
// pump does not look inside, so no UDP header fields need to be right.
func udpPayload(seq int, n int) []byte {
	b := keyBytes(max(n, 4), byte(seq))
	binary.BigEndian.PutUint32(b, uint32(seq))
	return b[:n]
}

// onesSum adds b to sum as 16-bit big-endian words, one's complement.
func onesSum(sum uint32, b []byte) uint16 {
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// pseudoSum is the one's complement sum of the TCP pseudo-header.
func pseudoSum(pkt []byte, tcpLen int) uint32 {
	var pseudo []byte
	if ipVersion(pkt) == 6 {
		pseudo = append(append([]byte{}, pkt[8:40]...), 0, 0, byte(tcpLen>>8), byte(tcpLen), 0, 0, 0, protoTCP)
	} else {
		pseudo = append(append([]byte{}, pkt[12:20]...), 0, protoTCP, byte(tcpLen>>8), byte(tcpLen))
	}
	return uint32(onesSum(0, pseudo))
}

// tcpChecksumOK verifies the TCP checksum of an IPv4 or IPv6 packet from
// scratch, pseudo-header included.
func tcpChecksumOK(pkt []byte) bool {
	tcp, _ := tcpSegment(pkt)
	return onesSum(pseudoSum(pkt, len(tcp)), tcp) == 0xffff
}

// tcpSYN builds a TCP SYN (flags) segment with the given options inside an
// IPv4 or IPv6 packet, with a correct checksum.
func tcpSYN(src, dst netip.Addr, flags byte, options []byte) []byte {
	hdr := make([]byte, tcpHeaderLen+len(options))
	binary.BigEndian.PutUint16(hdr[0:], 40000)
	binary.BigEndian.PutUint16(hdr[2:], 443)
	binary.BigEndian.PutUint32(hdr[4:], 0x01020304)
	hdr[12] = byte(len(hdr)/4) << 4
	hdr[13] = flags
	binary.BigEndian.PutUint16(hdr[14:], 65535)
	copy(hdr[tcpHeaderLen:], options)
	var pkt []byte
	if src.Is4() {
		pkt = ipv4Packet(src, dst, protoTCP, hdr)
	} else {
		pkt = ipv6Packet(src, dst, protoTCP, hdr)
	}
	tcp, _ := tcpSegment(pkt)
	binary.BigEndian.PutUint16(tcp[16:], ^onesSum(pseudoSum(pkt, len(tcp)), tcp))
	return pkt
}

var (
	clientInner  = netip.MustParseAddr("198.51.100.10")
	serverLAN    = netip.MustParseAddr("203.0.113.7")
	clientInner6 = netip.MustParseAddr("2001:db8:1::10")
	serverLAN6   = netip.MustParseAddr("2001:db8:2::7")
)
