package wire

import (
	"bytes"
	"encoding/hex"
)

// Vendor ID payload body (RFC 7296 3.12):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                        Vendor ID (VID)                        ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// Cisco vendor IDs (docs/PROTOCOL.md). The first four are sent as their
// ASCII text; a FlexVPN client sends VIDFlexVPNSupported, without which
// IOS narrows TSi to the assigned address.
var (
	VIDFlexVPNSupported   = []byte("FLEXVPN-SUPPORTED")
	VIDCiscoDeleteReason  = []byte("CISCO-DELETE-REASON")
	VIDCiscoCopyright     = []byte("CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.")
	VIDCiscoDynamicRoute  = []byte("CISCO-DYNAMIC-ROUTE")
	VIDCiscoFragmentation = mustHex("4048b7d56ebce88525e7de7f00d6c2d3")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic("wire: bad vendor ID constant " + s)
	}
	return b
}

func decodeVendorID(body []byte) (*VendorID, error) {
	return &VendorID{Data: body}, nil
}

func (p *VendorID) appendBody(b []byte) ([]byte, error) {
	return append(b, p.Data...), nil
}

// NewVendorID returns a Vendor ID payload carrying a copy of vid.
func NewVendorID(vid []byte) *VendorID {
	return &VendorID{Data: bytes.Clone(vid)}
}

// HasVendorID reports whether ps holds a Vendor ID payload equal to vid.
func HasVendorID(ps []Payload, vid []byte) bool {
	for _, p := range ps {
		if v, ok := p.(*VendorID); ok && bytes.Equal(v.Data, vid) {
			return true
		}
	}
	return false
}
