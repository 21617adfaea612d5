package wire

import (
	"bytes"
	"fmt"
	"net/netip"
)

// REDIRECT and REDIRECTED_FROM notification data (RFC 5685 4.2, 4.3):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Protocol ID(=0)| SPI Size (=0) |      Notify Message Type      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | GW Ident Type |  GW Ident Len |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               ~
//   ~                   New Responder GW Identity                   ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                        Nonce Data                             ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Nonce Data is present only in a REDIRECT sent in an IKE_SA_INIT
// response: it echoes the initiator's nonce so an off-path attacker cannot
// redirect. REDIRECTED_FROM carries the identity of the original gateway
// and no nonce.

// Gateway identity types (RFC 5685 9).
const (
	GatewayIPv4 uint8 = 1
	GatewayIPv6 uint8 = 2
	GatewayFQDN uint8 = 3
)

// GatewayID is a gateway identity: an address or an FQDN, exactly one set.
type GatewayID struct {
	Addr netip.Addr
	FQDN string
}

// String returns the address or the name.
func (g GatewayID) String() string {
	if g.Addr.IsValid() {
		return g.Addr.String()
	}
	return g.FQDN
}

// Redirect is the data of a REDIRECT notification.
type Redirect struct {
	Gateway GatewayID
	Nonce   []byte // the initiator's nonce; only in IKE_SA_INIT responses
}

// NewRedirect builds REDIRECT; nonce is empty except in an IKE_SA_INIT
// response, where it is the initiator's Ni.
func NewRedirect(gw GatewayID, nonce []byte) (*Notify, error) {
	data, err := appendGatewayID(nil, gw)
	if err != nil {
		return nil, err
	}
	return &Notify{NotifyType: REDIRECT, Data: append(data, nonce...)}, nil
}

// ParseRedirect parses REDIRECT data.
func ParseRedirect(p *Notify) (Redirect, error) {
	if err := p.checkType(REDIRECT); err != nil {
		return Redirect{}, err
	}
	gw, rest, err := parseGatewayID(p.Data)
	if err != nil {
		return Redirect{}, err
	}
	return Redirect{Gateway: gw, Nonce: rest}, nil
}

// NewRedirectedFrom builds REDIRECTED_FROM naming the gateway that
// redirected us.
func NewRedirectedFrom(gw GatewayID) (*Notify, error) {
	data, err := appendGatewayID(nil, gw)
	if err != nil {
		return nil, err
	}
	return &Notify{NotifyType: REDIRECTED_FROM, Data: data}, nil
}

// ParseRedirectedFrom parses REDIRECTED_FROM data; trailing bytes are an
// error because this notification has no nonce.
func ParseRedirectedFrom(p *Notify) (GatewayID, error) {
	if err := p.checkType(REDIRECTED_FROM); err != nil {
		return GatewayID{}, err
	}
	gw, rest, err := parseGatewayID(p.Data)
	if err != nil {
		return GatewayID{}, err
	}
	if len(rest) != 0 {
		return GatewayID{}, fmt.Errorf("redirected from: %d trailing bytes: %w", len(rest), ErrTrailingData)
	}
	return gw, nil
}

func appendGatewayID(b []byte, gw GatewayID) ([]byte, error) {
	switch {
	case gw.Addr.IsValid() && gw.FQDN != "":
		return nil, fmt.Errorf("gateway identity: both address and FQDN: %w", ErrBadValue)
	case gw.Addr.Is4():
		return append(append(b, GatewayIPv4, 4), gw.Addr.AsSlice()...), nil
	case gw.Addr.Is6():
		return append(append(b, GatewayIPv6, 16), gw.Addr.AsSlice()...), nil
	case gw.FQDN == "" || len(gw.FQDN) > 255:
		return nil, fmt.Errorf("gateway identity: FQDN of %d bytes: %w", len(gw.FQDN), ErrBadValue)
	}
	return append(append(b, GatewayFQDN, byte(len(gw.FQDN))), gw.FQDN...), nil
}

// parseGatewayID returns the identity and the bytes after it.
func parseGatewayID(b []byte) (GatewayID, []byte, error) {
	if len(b) < 2 || len(b)-2 < int(b[1]) {
		return GatewayID{}, nil, fmt.Errorf("gateway identity: truncated: %w", ErrTruncated)
	}
	typ, id, rest := b[0], b[2:2+int(b[1])], b[2+int(b[1]):]
	switch {
	case typ == GatewayIPv4 && len(id) == 4, typ == GatewayIPv6 && len(id) == 16:
		a, _ := netip.AddrFromSlice(id)
		return GatewayID{Addr: a}, rest, nil
	case typ == GatewayFQDN && len(id) > 0 && bytes.IndexByte(id, 0) < 0:
		return GatewayID{FQDN: string(id)}, rest, nil
	}
	return GatewayID{}, nil, fmt.Errorf("gateway identity: type %d with %d bytes: %w", typ, len(id), ErrBadValue)
}
