package eap

import (
	"encoding/binary"
	"fmt"
)

// Expanded type framing (RFC 3748 section 5.7): Type 254, a 3-octet
// Vendor-Id and a 4-octet Vendor-Type. Vendor-Id 0 is the IETF space, in
// which the legacy types keep their numbers.
const expandedHeaderLen = 7

// expandedNakType is the Vendor-Type of an Expanded Nak (RFC 3748 5.3.2).
const expandedNakType = 3

// nakResponse builds our Nak in answer to a request we do not support. A
// request of the Expanded type needs an Expanded Nak (RFC 3748 5.3.2); any
// other gets a legacy Nak listing the desired types in preference order, or
// the single type 0 when we have none.
func nakResponse(req Packet, desired []Type) Packet {
	resp := Packet{Code: CodeResponse, Identifier: req.Identifier}
	if req.Type == TypeExpanded {
		resp.Type = TypeExpanded
		resp.Data = binary.BigEndian.AppendUint32([]byte{0, 0, 0}, expandedNakType) // Vendor-Id 0
		for _, t := range desired {
			resp.Data = appendExpanded(resp.Data, uint32(t))
		}
		if len(desired) == 0 {
			resp.Data = appendExpanded(resp.Data, 0)
		}
		return resp
	}
	resp.Type = TypeNak
	resp.Data = make([]byte, 0, max(len(desired), 1))
	for _, t := range desired {
		resp.Data = append(resp.Data, byte(t))
	}
	if len(desired) == 0 {
		resp.Data = append(resp.Data, 0)
	}
	return resp
}

// appendExpanded appends one 8-octet IETF-vendor entry of an Expanded Nak
// list: Type 254, Vendor-Id 0, Vendor-Type.
func appendExpanded(dst []byte, vendorType uint32) []byte {
	dst = append(dst, byte(TypeExpanded), 0, 0, 0)
	return binary.BigEndian.AppendUint32(dst, vendorType)
}

// parseNak returns the types a peer's Nak (legacy or expanded) asks for,
// in the peer's order. Expanded entries of other vendors, and type 0 ("no
// alternative"), are skipped.
func parseNak(resp Packet) ([]Type, error) {
	if resp.Type == TypeNak {
		if len(resp.Data) == 0 {
			return nil, fmt.Errorf("%w: empty Nak", ErrMalformed)
		}
		out := make([]Type, 0, len(resp.Data))
		for _, b := range resp.Data {
			if b != 0 {
				out = append(out, Type(b))
			}
		}
		return out, nil
	}
	return parseExpandedNak(resp.Data)
}

// parseExpandedNak reads the Type-Data of a Type 254 response. The first
// entry must announce Nak; each following one is a desired type.
func parseExpandedNak(data []byte) ([]Type, error) {
	vendor, vtype, err := readExpanded(data)
	if err != nil {
		return nil, err
	}
	if vendor != 0 || vtype != expandedNakType {
		return nil, fmt.Errorf("%w: expanded response is not a Nak", ErrUnexpected)
	}
	var out []Type
	for rest := data[expandedHeaderLen:]; len(rest) > 0; rest = rest[1+expandedHeaderLen:] {
		if rest[0] != byte(TypeExpanded) {
			return nil, fmt.Errorf("%w: expanded Nak entry of type %d", ErrMalformed, rest[0])
		}
		vendor, vtype, err = readExpanded(rest[1:])
		if err != nil {
			return nil, err
		}
		if vendor == 0 && vtype != 0 && vtype < uint32(TypeExpanded) {
			out = append(out, Type(vtype))
		}
	}
	return out, nil
}

// readExpanded decodes Vendor-Id and Vendor-Type, the 7 octets that follow
// an expanded Type octet.
func readExpanded(b []byte) (vendor, vtype uint32, err error) {
	if len(b) < expandedHeaderLen {
		return 0, 0, fmt.Errorf("%w: short expanded type", ErrMalformed)
	}
	vendor = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	return vendor, binary.BigEndian.Uint32(b[3:7]), nil
}
