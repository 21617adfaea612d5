package netns

import (
	"encoding/binary"
	"fmt"
)

// This is the minimum of IKE parsing a test needs to check captures
// (which payloads, which notifies) independently of tunnel/ike/wire.

// Payload is one generic IKEv2 payload (RFC 7296 3.2).
type Payload struct {
	Type uint8
	// Body follows the 4-byte generic payload header.
	Body []byte
}

// NotifyPayload is the IKEv2 Notify payload type.
const NotifyPayload = 41

// WalkChain splits a payload chain whose first payload has type first.
// It returns what it parsed and an error if the lengths do not add up to
// exactly the chain.
func WalkChain(first uint8, chain []byte) ([]Payload, error) {
	var ps []Payload
	next, off := first, 0
	for next != 0 {
		if off+4 > len(chain) {
			return ps, fmt.Errorf("payload %d header past the end", next)
		}
		plen := int(binary.BigEndian.Uint16(chain[off+2:]))
		if plen < 4 || off+plen > len(chain) {
			return ps, fmt.Errorf("payload %d length %d at %d", next, plen, off)
		}
		ps = append(ps, Payload{Type: next, Body: chain[off+4 : off+plen]})
		next, off = chain[off], off+plen
	}
	if off != len(chain) {
		return ps, fmt.Errorf("%d bytes after the last payload", len(chain)-off)
	}
	return ps, nil
}

// OuterPayloads splits the unencrypted payload chain of the message (up
// to and including an SK or SKF payload, which stays opaque).
func (d IKEDatagram) OuterPayloads() ([]Payload, error) {
	m := d.Message
	n := int(binary.BigEndian.Uint32(m[24:28]))
	if n < 28 || n > len(m) {
		return nil, fmt.Errorf("IKE length %d of a %d-byte message", n, len(m))
	}
	ps, err := WalkChain(m[16], m[28:n])
	if len(ps) > 0 && (ps[len(ps)-1].Type == 46 || ps[len(ps)-1].Type == 53) {
		// The SK payload's next-payload names the first inner payload,
		// not a following outer one; the walk stops there.
		return ps, nil
	}
	return ps, err
}

// NotifyTypes returns the Notify Message Types of the Notify payloads in
// ps, in order (RFC 7296 3.10: Protocol ID, SPI Size, then the type).
func NotifyTypes(ps []Payload) []uint16 {
	var out []uint16
	for _, p := range ps {
		if p.Type == NotifyPayload && len(p.Body) >= 4 {
			out = append(out, binary.BigEndian.Uint16(p.Body[2:4]))
		}
	}
	return out
}

// CPPayload is the IKEv2 Configuration payload type.
const CPPayload = 47

// CPAttr is one configuration attribute (RFC 7296 3.15.1).
type CPAttr struct {
	Type  uint16 // reserved bit cleared
	Value []byte
}

// CPAttributes returns the CFG type (1 request, 2 reply, 3 set, 4 ack)
// and attributes of the first CP payload in ps, or ok false if there is
// none or it is malformed. Tests use it to see what a gateway pushed
// (addresses, DNS, INTERNAL_IP4_SUBNET, Unity split-include, banner).
func CPAttributes(ps []Payload) (cfgType uint8, attrs []CPAttr, ok bool) {
	for _, p := range ps {
		if p.Type != CPPayload || len(p.Body) < 4 {
			continue
		}
		b := p.Body[4:]
		for len(b) > 0 {
			if len(b) < 4 {
				return 0, nil, false
			}
			n := int(binary.BigEndian.Uint16(b[2:]))
			if 4+n > len(b) {
				return 0, nil, false
			}
			attrs = append(attrs, CPAttr{Type: binary.BigEndian.Uint16(b) & 0x7fff, Value: b[4 : 4+n]})
			b = b[4+n:]
		}
		return p.Body[0], attrs, true
	}
	return 0, nil, false
}
