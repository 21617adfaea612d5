package crypto

import (
	"crypto/sha1"
	"encoding/binary"
	"net/netip"
)

// NATDetectionHash returns the data of a NAT_DETECTION_SOURCE_IP or
// NAT_DETECTION_DESTINATION_IP notify (RFC 7296 2.23):
// SHA-1(SPIi | SPIr | IP | port). An IPv4-mapped IPv6 address is hashed as
// the 4-byte IPv4 address, since that is what travels in the IP header.
func NATDetectionHash(spii, spir uint64, ap netip.AddrPort) []byte {
	var buf [8 + 8 + 16 + 2]byte
	binary.BigEndian.PutUint64(buf[0:], spii)
	binary.BigEndian.PutUint64(buf[8:], spir)
	ip := ap.Addr().Unmap().AsSlice()
	n := 16 + copy(buf[16:], ip)
	binary.BigEndian.PutUint16(buf[n:], ap.Port())
	sum := sha1.Sum(buf[:n+2])
	return sum[:]
}
