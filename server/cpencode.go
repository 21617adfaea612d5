package server

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// The few configuration-attribute value layouts the server reads and
// writes (RFC 7296 3.15.1). The wire package's typed CP helpers were not
// committed when this was written; these stay small and private so they
// can be swapped for the wire helpers without touching the policy code.
//
//	IPv4 address, netmask, DNS, NBNS: 4 bytes
//	IPv6 DNS:                         16 bytes
//	INTERNAL_IP6_ADDRESS / _SUBNET:   16-byte address + 1-byte prefix length
//	INTERNAL_IP4_SUBNET:              4-byte address + 4-byte netmask
//	text attributes:                  the bytes of the string

func addrAttr(t wire.CPAttrType, a netip.Addr) wire.CPAttr {
	return wire.CPAttr{Type: t, Value: a.Unmap().AsSlice()}
}

func textAttr(t wire.CPAttrType, s string) wire.CPAttr {
	return wire.CPAttr{Type: t, Value: []byte(s)}
}

func ip6PrefixAttr(t wire.CPAttrType, p netip.Prefix) wire.CPAttr {
	v := p.Addr().As16()
	return wire.CPAttr{Type: t, Value: append(v[:], byte(p.Bits()))}
}

// appendIP4Subnet appends the network address and netmask of p.
func appendIP4Subnet(b []byte, p netip.Prefix) []byte {
	p = p.Masked()
	a := p.Addr().As4()
	mask := ^uint32(0) << (32 - p.Bits())
	if p.Bits() == 0 {
		mask = 0
	}
	b = append(b, a[:]...)
	return binary.BigEndian.AppendUint32(b, mask)
}

// attrAddr reads a 4- or 16-byte address value.
func attrAddr(v []byte, size int) (netip.Addr, bool) {
	if len(v) != size {
		return netip.Addr{}, false
	}
	a, ok := netip.AddrFromSlice(v)
	return a, ok
}

// attrIP6Prefix reads a 16-byte address and prefix length.
func attrIP6Prefix(v []byte) (netip.Prefix, bool) {
	if len(v) != 17 || v[16] > 128 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(netip.AddrFrom16([16]byte(v[:16])), int(v[16])), true
}

// attrIP4Subnet reads address + netmask; the netmask must be contiguous.
func attrIP4Subnet(v []byte) (netip.Prefix, bool) {
	if len(v) != 8 {
		return netip.Prefix{}, false
	}
	mask := binary.BigEndian.Uint32(v[4:])
	bits := 0
	for m := mask; m&0x80000000 != 0; m <<= 1 {
		bits++
	}
	if bits < 32 && mask<<bits != 0 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(netip.AddrFrom4([4]byte(v[:4])), bits), true
}

// attrText reads a text value; trailing NULs from C-string senders go.
func attrText(v []byte) string {
	return string(bytes.TrimRight(v, "\x00"))
}
