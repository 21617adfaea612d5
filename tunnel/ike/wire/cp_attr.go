package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// Typed configuration attributes (RFC 7296 3.15.1, RFC 8598 for
// INTERNAL_DNS_DOMAIN). Builders return an error only when the input
// cannot be represented; accessors check the value length against the
// attribute type and return an error for that attribute alone, so a caller
// can skip one odd attribute and still use the rest of a CFG_REPLY.
//
// Value layouts:
//
//	INTERNAL_IP4_ADDRESS/NETMASK/DNS/NBNS/DHCP, MS_INTERNAL_IP4_SERVER: 4-byte address
//	INTERNAL_IP6_DNS/DHCP, MS_INTERNAL_IP6_SERVER:                      16-byte address
//	INTERNAL_IP6_ADDRESS, INTERNAL_IP6_SUBNET: 16-byte address + 1-byte prefix length
//	INTERNAL_IP4_SUBNET:                       4-byte address + 4-byte netmask
//	INTERNAL_DNS_DOMAIN, APPLICATION_VERSION:  text
//	SUPPORTED_ATTRIBUTES:                      list of 2-byte attribute types
//
// Any attribute may be empty in a CFG_REQUEST (see CPRequest).

// CPRequest returns an empty-valued attribute of type t, the form used in
// CFG_REQUEST to ask for a value ("give me an address").
func CPRequest(t CPAttrType) CPAttr { return CPAttr{Type: t} }

// NewCPRequest returns a CFG_REQUEST asking for the given attributes.
func NewCPRequest(types ...CPAttrType) *CP {
	cp := &CP{CfgType: CFG_REQUEST, Attributes: make([]CPAttr, len(types))}
	for i, t := range types {
		cp.Attributes[i] = CPRequest(t)
	}
	return cp
}

// IsEmpty reports whether the attribute has no value (a request).
func (a CPAttr) IsEmpty() bool { return len(a.Value) == 0 }

// cpAddrFamily is the address size of an address-valued attribute type.
func cpAddrFamily(t CPAttrType) int {
	switch t {
	case INTERNAL_IP4_ADDRESS, INTERNAL_IP4_NETMASK, INTERNAL_IP4_DNS, INTERNAL_IP4_NBNS,
		INTERNAL_IP4_DHCP, MS_INTERNAL_IP4_SERVER:
		return 4
	case INTERNAL_IP6_DNS, INTERNAL_IP6_DHCP, MS_INTERNAL_IP6_SERVER:
		return 16
	}
	return 0
}

// NewCPAddr builds an address-valued attribute (IPv4 address, netmask,
// DNS, NBNS, DHCP, IPv6 DNS/DHCP, MS servers). The address family must
// match the type. Use NewCPIP6Address for INTERNAL_IP6_ADDRESS.
func NewCPAddr(t CPAttrType, a netip.Addr) (CPAttr, error) {
	n := cpAddrFamily(t)
	if n == 4 {
		a = a.Unmap()
	}
	if n == 0 || a.BitLen() != n*8 {
		return CPAttr{}, fmt.Errorf("cp: %v with address %v: %w", t, a, ErrBadValue)
	}
	return CPAttr{Type: t, Value: a.AsSlice()}, nil
}

// Addr returns the address of an address-valued attribute; for
// INTERNAL_IP6_ADDRESS it returns the address part.
func (a CPAttr) Addr() (netip.Addr, error) {
	if a.Type == INTERNAL_IP6_ADDRESS {
		p, err := a.Prefix()
		return p.Addr(), err
	}
	n := cpAddrFamily(a.Type)
	if n == 0 {
		return netip.Addr{}, fmt.Errorf("cp: %v is not an address: %w", a.Type, ErrWrongAttr)
	}
	if len(a.Value) != n {
		return netip.Addr{}, fmt.Errorf("cp: %v of %d bytes: %w", a.Type, len(a.Value), ErrBadLength)
	}
	addr, _ := netip.AddrFromSlice(a.Value)
	return addr, nil
}

// NewCPIP6Address builds INTERNAL_IP6_ADDRESS: the address and its
// prefix length (the assigned address stays unmasked).
func NewCPIP6Address(p netip.Prefix) (CPAttr, error) {
	return newCPIP6Prefix(INTERNAL_IP6_ADDRESS, p)
}

// NewCPIP6Subnet builds INTERNAL_IP6_SUBNET for a protected network.
func NewCPIP6Subnet(p netip.Prefix) (CPAttr, error) {
	return newCPIP6Prefix(INTERNAL_IP6_SUBNET, p.Masked())
}

func newCPIP6Prefix(t CPAttrType, p netip.Prefix) (CPAttr, error) {
	if !p.IsValid() || !p.Addr().Is6() {
		return CPAttr{}, fmt.Errorf("cp: %v with prefix %v: %w", t, p, ErrBadValue)
	}
	v := p.Addr().As16()
	return CPAttr{Type: t, Value: append(v[:], byte(p.Bits()))}, nil
}

// NewCPIP4Subnet builds INTERNAL_IP4_SUBNET (address and netmask).
func NewCPIP4Subnet(p netip.Prefix) (CPAttr, error) {
	if !p.IsValid() || !p.Addr().Is4() {
		return CPAttr{}, fmt.Errorf("cp: INTERNAL_IP4_SUBNET with prefix %v: %w", p, ErrBadValue)
	}
	return CPAttr{Type: INTERNAL_IP4_SUBNET, Value: appendIP4Subnet(nil, p)}, nil
}

// Prefix returns the prefix of INTERNAL_IP4_SUBNET, INTERNAL_IP6_SUBNET or
// INTERNAL_IP6_ADDRESS. A non-contiguous IPv4 netmask is an error.
func (a CPAttr) Prefix() (netip.Prefix, error) {
	switch a.Type {
	case INTERNAL_IP4_SUBNET:
		if len(a.Value) != 8 {
			return netip.Prefix{}, fmt.Errorf("cp: %v of %d bytes: %w", a.Type, len(a.Value), ErrBadLength)
		}
		return parseIP4Subnet(a.Value)
	case INTERNAL_IP6_SUBNET, INTERNAL_IP6_ADDRESS:
		if len(a.Value) != 17 {
			return netip.Prefix{}, fmt.Errorf("cp: %v of %d bytes: %w", a.Type, len(a.Value), ErrBadLength)
		}
		addr, bits := netip.AddrFrom16([16]byte(a.Value[:16])), int(a.Value[16])
		if bits > 128 {
			return netip.Prefix{}, fmt.Errorf("cp: %v prefix length %d: %w", a.Type, bits, ErrBadValue)
		}
		if a.Type == INTERNAL_IP6_ADDRESS {
			// The assigned address itself, not its network.
			return netip.PrefixFrom(addr, bits), nil
		}
		return addr.Prefix(bits)
	}
	return netip.Prefix{}, fmt.Errorf("cp: %v is not a prefix: %w", a.Type, ErrWrongAttr)
}

// appendIP4Subnet appends the 4-byte network and 4-byte mask of p.
func appendIP4Subnet(b []byte, p netip.Prefix) []byte {
	addr := p.Masked().Addr().As4()
	mask := ^uint32(0)
	if p.Bits() < 32 {
		mask = ^(^uint32(0) >> p.Bits())
	}
	b = append(b, addr[:]...)
	return binary.BigEndian.AppendUint32(b, mask)
}

// parseIP4Subnet reads address + netmask; the mask must be contiguous.
func parseIP4Subnet(v []byte) (netip.Prefix, error) {
	mask := binary.BigEndian.Uint32(v[4:8])
	bits := maskBits(mask)
	if bits < 0 {
		return netip.Prefix{}, fmt.Errorf("cp: netmask %08x not contiguous: %w", mask, ErrBadValue)
	}
	return netip.AddrFrom4([4]byte(v[:4])).Prefix(bits)
}

// maskBits is the prefix length of a contiguous netmask, or -1.
func maskBits(mask uint32) int {
	ones := 0
	for m := mask; m&0x80000000 != 0; m <<= 1 {
		ones++
	}
	if ones < 32 && mask<<ones != 0 {
		return -1
	}
	return ones
}

// NetmaskPrefixLen returns the prefix length of an INTERNAL_IP4_NETMASK.
func (a CPAttr) NetmaskPrefixLen() (int, error) {
	if a.Type != INTERNAL_IP4_NETMASK {
		return 0, fmt.Errorf("cp: %v is not a netmask: %w", a.Type, ErrWrongAttr)
	}
	if len(a.Value) != 4 {
		return 0, fmt.Errorf("cp: netmask of %d bytes: %w", len(a.Value), ErrBadLength)
	}
	bits := maskBits(binary.BigEndian.Uint32(a.Value))
	if bits < 0 {
		return 0, fmt.Errorf("cp: netmask %x not contiguous: %w", a.Value, ErrBadValue)
	}
	return bits, nil
}

// NewCPNetmask builds INTERNAL_IP4_NETMASK for a prefix length 0..32.
func NewCPNetmask(bits int) (CPAttr, error) {
	if bits < 0 || bits > 32 {
		return CPAttr{}, fmt.Errorf("cp: netmask /%d: %w", bits, ErrBadValue)
	}
	v := appendIP4Subnet(nil, netip.PrefixFrom(netip.IPv4Unspecified(), bits))
	return CPAttr{Type: INTERNAL_IP4_NETMASK, Value: v[4:]}, nil
}

// NewCPText builds a text-valued attribute (INTERNAL_DNS_DOMAIN,
// APPLICATION_VERSION, UNITY_BANNER, UNITY_DEF_DOMAIN, UNITY_DDNS_HOSTNAME).
func NewCPText(t CPAttrType, s string) CPAttr {
	return CPAttr{Type: t, Value: []byte(s)}
}

// Text returns the value as text. Trailing NUL bytes, which some headends
// append to C strings, are dropped.
func (a CPAttr) Text() string {
	return string(bytes.TrimRight(a.Value, "\x00"))
}

// NewCPSupportedAttributes builds SUPPORTED_ATTRIBUTES.
func NewCPSupportedAttributes(types ...CPAttrType) CPAttr {
	v := make([]byte, 0, 2*len(types))
	for _, t := range types {
		v = binary.BigEndian.AppendUint16(v, uint16(t))
	}
	return CPAttr{Type: SUPPORTED_ATTRIBUTES, Value: v}
}

// SupportedAttributes returns the types listed in SUPPORTED_ATTRIBUTES.
func (a CPAttr) SupportedAttributes() ([]CPAttrType, error) {
	if a.Type != SUPPORTED_ATTRIBUTES {
		return nil, fmt.Errorf("cp: %v: %w", a.Type, ErrWrongAttr)
	}
	if len(a.Value)%2 != 0 {
		return nil, fmt.Errorf("cp: SUPPORTED_ATTRIBUTES of %d bytes: %w", len(a.Value), ErrBadLength)
	}
	out := make([]CPAttrType, len(a.Value)/2)
	for i := range out {
		out[i] = CPAttrType(binary.BigEndian.Uint16(a.Value[2*i:]) & cpAttrTypeMask)
	}
	return out, nil
}

// String renders the attribute for logs: its type and a typed value when
// it parses, else the raw length.
func (a CPAttr) String() string {
	if a.IsEmpty() {
		return a.Type.String() + "=?"
	}
	if p, err := a.Prefix(); err == nil {
		return a.Type.String() + "=" + p.String()
	}
	if ad, err := a.Addr(); err == nil {
		return a.Type.String() + "=" + ad.String()
	}
	if ps, err := a.UnitySubnets(); err == nil {
		parts := make([]string, len(ps))
		for i, p := range ps {
			parts[i] = p.String()
		}
		return a.Type.String() + "=" + strings.Join(parts, ",")
	}
	if isTextAttr(a.Type) {
		return a.Type.String() + "=" + strings.ToValidUTF8(a.Text(), "?")
	}
	return fmt.Sprintf("%v=[%d bytes]", a.Type, len(a.Value))
}

func isTextAttr(t CPAttrType) bool {
	switch t {
	case INTERNAL_DNS_DOMAIN, APPLICATION_VERSION, UNITY_BANNER, UNITY_DEF_DOMAIN,
		UNITY_SPLITDNS_NAME, UNITY_BACKUP_SERVERS, UNITY_DDNS_HOSTNAME:
		return true
	}
	return false
}
