package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Traffic Selector payload body, TSi and TSr (RFC 7296 3.13):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Number of TSs |                 RESERVED                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                       <Traffic Selectors>                     ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Each selector (RFC 7296 3.13.1); addresses are 4 bytes for type 7 and
// 16 bytes for type 8:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   TS Type     |IP Protocol ID*|       Selector Length         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           Start Port*         |           End Port*           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                         Starting Address*                     ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                         Ending Address*                       ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

const tsHdrLen = 8

func decodeTS(body []byte, responder bool) (*TS, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "ts: %d bytes", len(body))
	}
	count := int(body[0])
	b := body[4:]
	if count*tsHdrLen > len(b) {
		return nil, syntaxErr(ErrBadLength, "ts: %d selectors cannot fit %d bytes", count, len(b))
	}
	ts := &TS{Responder: responder, Selectors: make([]TrafficSelector, 0, count)}
	for i := 0; i < count; i++ {
		sel, n, err := decodeSelector(b)
		if err != nil {
			return nil, prefixErr(err, "ts: selector "+itoa(i)+": ")
		}
		ts.Selectors = append(ts.Selectors, sel)
		b = b[n:]
	}
	if len(b) != 0 {
		return nil, syntaxErr(ErrTrailingData, "ts: %d bytes after %d selectors", len(b), count)
	}
	return ts, nil
}

func decodeSelector(b []byte) (TrafficSelector, int, error) {
	if len(b) < tsHdrLen {
		return TrafficSelector{}, 0, syntaxErr(ErrTruncated, "header truncated")
	}
	sel := TrafficSelector{
		Type:      TSType(b[0]),
		IPProto:   b[1],
		StartPort: binary.BigEndian.Uint16(b[4:6]),
		EndPort:   binary.BigEndian.Uint16(b[6:8]),
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < tsHdrLen || n > len(b) {
		return TrafficSelector{}, 0, syntaxErr(ErrBadLength, "length %d, %d bytes left", n, len(b))
	}
	addrs := b[tsHdrLen:n]
	alen := addrLenOf(sel.Type)
	if alen == 0 {
		sel.Raw = addrs
		return sel, n, nil
	}
	if len(addrs) != 2*alen {
		return TrafficSelector{}, 0, syntaxErr(ErrBadLength, "type %v with %d address bytes", sel.Type, len(addrs))
	}
	sel.Start, _ = netip.AddrFromSlice(addrs[:alen])
	sel.End, _ = netip.AddrFromSlice(addrs[alen:])
	return sel, n, nil
}

// addrLenOf is the address size of a selector type, 0 if unknown.
func addrLenOf(t TSType) int {
	switch t {
	case TSIPv4AddrRange:
		return 4
	case TSIPv6AddrRange:
		return 16
	}
	return 0
}

func (p *TS) appendBody(b []byte) ([]byte, error) {
	if len(p.Selectors) > 255 {
		return nil, fmt.Errorf("ts: %d selectors: %w", len(p.Selectors), ErrTooLong)
	}
	b = append(b, byte(len(p.Selectors)), 0, 0, 0)
	for i := range p.Selectors {
		var err error
		if b, err = p.Selectors[i].appendTo(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (s *TrafficSelector) appendTo(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, byte(s.Type), s.IPProto, 0, 0,
		byte(s.StartPort>>8), byte(s.StartPort), byte(s.EndPort>>8), byte(s.EndPort))
	alen := addrLenOf(s.Type)
	switch {
	case alen == 0:
		b = append(b, s.Raw...)
	case s.Start.BitLen() != alen*8 || s.End.BitLen() != alen*8:
		return nil, fmt.Errorf("ts: %v selector with addresses %v-%v: %w", s.Type, s.Start, s.End, ErrBadValue)
	default:
		b = append(b, s.Start.AsSlice()...)
		b = append(b, s.End.AsSlice()...)
	}
	return b, putLength16(b[start+2:], len(b)-start)
}

// SelectorFromPrefix returns the selector covering prefix p for all
// protocols and ports.
func SelectorFromPrefix(p netip.Prefix) TrafficSelector {
	p = p.Masked()
	t := TSIPv4AddrRange
	if p.Addr().Is6() {
		t = TSIPv6AddrRange
	}
	return TrafficSelector{Type: t, EndPort: 0xffff, Start: p.Addr(), End: lastAddr(p)}
}

// Prefix returns the prefix the selector's address range equals, if it is
// exactly one prefix.
func (s TrafficSelector) Prefix() (netip.Prefix, bool) {
	if !s.Start.IsValid() || !s.End.IsValid() || s.Start.BitLen() != s.End.BitLen() {
		return netip.Prefix{}, false
	}
	for bits := 0; bits <= s.Start.BitLen(); bits++ {
		p, err := s.Start.Prefix(bits)
		if err == nil && p.Addr() == s.Start && lastAddr(p) == s.End {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// Contains reports whether address a lies in the selector's range.
func (s TrafficSelector) Contains(a netip.Addr) bool {
	return a.BitLen() == s.Start.BitLen() && s.Start.Compare(a) <= 0 && a.Compare(s.End) <= 0
}

// lastAddr is the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := range b {
		hostBits := len(b)*8 - p.Bits() - (len(b)-1-i)*8
		switch {
		case hostBits >= 8:
			b[i] = 0xff
		case hostBits > 0:
			b[i] |= byte(1<<hostBits - 1)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
