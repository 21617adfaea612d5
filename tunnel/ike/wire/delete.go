package wire

import (
	"encoding/binary"
	"fmt"
)

// Delete payload body (RFC 7296 3.11):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Protocol ID   |   SPI Size    |          Num of SPIs          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~               Security Parameter Index(es) (SPI)              ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// For the IKE SA the SPI size and count are zero (the SPIs are in the
// header). A zero SPI size with a non-zero count cannot describe any SPI,
// so it is rejected.

func decodeDelete(body []byte) (*Delete, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "delete: %d bytes", len(body))
	}
	d := &Delete{Protocol: ProtocolID(body[0])}
	size, count := int(body[1]), int(binary.BigEndian.Uint16(body[2:4]))
	spis := body[4:]
	if size == 0 && count != 0 {
		return nil, syntaxErr(ErrBadValue, "delete: %d SPIs of size 0", count)
	}
	if size*count != len(spis) {
		return nil, syntaxErr(ErrBadLength, "delete: %d SPIs of %d bytes in %d bytes", count, size, len(spis))
	}
	if count > 0 {
		d.SPIs = make([][]byte, count)
		for i := range d.SPIs {
			d.SPIs[i] = spis[i*size : (i+1)*size]
		}
	}
	return d, nil
}

func (p *Delete) appendBody(b []byte) ([]byte, error) {
	size := 0
	if len(p.SPIs) > 0 {
		size = len(p.SPIs[0])
	}
	if size > 255 || len(p.SPIs) > 0xffff || (size == 0 && len(p.SPIs) > 0) {
		return nil, fmt.Errorf("delete: %d SPIs of %d bytes: %w", len(p.SPIs), size, ErrBadLength)
	}
	b = append(b, byte(p.Protocol), byte(size), byte(len(p.SPIs)>>8), byte(len(p.SPIs)))
	for _, spi := range p.SPIs {
		if len(spi) != size {
			return nil, fmt.Errorf("delete: SPIs of different sizes: %w", ErrBadLength)
		}
		b = append(b, spi...)
	}
	return b, nil
}

// ESPSPIs returns the 4-byte SPIs as integers, for a Delete of Child SAs.
func (p *Delete) ESPSPIs() ([]uint32, error) {
	out := make([]uint32, 0, len(p.SPIs))
	for _, spi := range p.SPIs {
		if len(spi) != 4 {
			return nil, fmt.Errorf("delete: SPI of %d bytes: %w", len(spi), ErrBadLength)
		}
		out = append(out, binary.BigEndian.Uint32(spi))
	}
	return out, nil
}

// NewDeleteIKE returns the Delete payload for the IKE SA itself.
func NewDeleteIKE() *Delete { return &Delete{Protocol: ProtoIKE} }

// NewDeleteESP returns a Delete payload for Child SAs given by their
// inbound SPIs.
func NewDeleteESP(spis ...uint32) *Delete {
	d := &Delete{Protocol: ProtoESP, SPIs: make([][]byte, len(spis))}
	for i, s := range spis {
		d.SPIs[i] = binary.BigEndian.AppendUint32(nil, s)
	}
	return d
}
