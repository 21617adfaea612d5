package ike

import (
	"encoding/binary"

	"flexvpn/tunnel/ike/wire"
)

// Small typed lookups over a payload list.

func findNotify(ps []wire.Payload, t wire.NotifyType) *wire.Notify { return wire.FindNotify(ps, t) }

func findNonce(ps []wire.Payload) []byte {
	if n, ok := wire.FindPayload(ps, wire.PayloadNonce).(*wire.Nonce); ok {
		return n.Data
	}
	return nil
}

func findID(ps []wire.Payload, t wire.PayloadType) *wire.ID {
	id, _ := wire.FindPayload(ps, t).(*wire.ID)
	return id
}

func findTS(ps []wire.Payload, t wire.PayloadType) *wire.TS {
	ts, _ := wire.FindPayload(ps, t).(*wire.TS)
	return ts
}

// first returns the first payload of Go type T, or T's zero value (nil).
// For types shared by two payload types (ID, TS) use findID and findTS.
func first[T wire.Payload](ps []wire.Payload) T {
	for _, p := range ps {
		if v, ok := p.(T); ok {
			return v
		}
	}
	var zero T
	return zero
}

// all returns every payload of type t.
func all[T wire.Payload](ps []wire.Payload) []T {
	var out []T
	for _, p := range ps {
		if v, ok := p.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// vendorIDs returns the data of every Vendor ID payload.
func vendorIDs(ps []wire.Payload) [][]byte {
	var out [][]byte
	for _, v := range all[*wire.VendorID](ps) {
		out = append(out, v.Data)
	}
	return out
}

func spi32(b []byte) (uint32, bool) {
	if len(b) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(b), true
}

func spiBytes(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
