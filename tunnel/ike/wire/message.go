package wire

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Decode parses an IKE message: the header and the outer payload chain.
// Only the first Length bytes of b (from the header) are used; bytes after
// them are ignored, as a UDP datagram carries exactly one message.
//
// Decode copies the message once, so the returned Message and all its
// payload slices share one fresh buffer and never alias b. An *SK or *SKF
// payload must be the last payload; its Body runs to the end of the message
// and its AAD field holds the bytes that precede Body.
func Decode(b []byte) (*Message, error) {
	h, err := DecodeHeader(b)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, h.Length)
	copy(buf, b)
	ps, err := decodeChain(buf, HeaderLen, h.NextPayload, false)
	if err != nil {
		return nil, err
	}
	return &Message{Header: h, Payloads: ps}, nil
}

// Encode serialises the message. It sets m.NextPayload and m.Length from
// the payloads (and writes major version 2 when MajorVersion is zero). A
// trailing *SK or *SKF is written with its Body as given.
func (m *Message) Encode() ([]byte, error) {
	b := make([]byte, HeaderLen, HeaderLen+estimateSize(m.Payloads))
	first, b, err := appendChain(b, m.Payloads, false)
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) > math.MaxUint32 {
		return nil, ErrTooLong
	}
	m.NextPayload = first
	m.Length = uint32(len(b))
	putHeader(b, &m.Header)
	return b, nil
}

// DecodePayloads parses the inner payload chain of a decrypted SK payload,
// starting with a payload of type first. The chain must fill b exactly;
// SK and SKF may not appear in it. Like Decode, it copies b once.
func DecodePayloads(first PayloadType, b []byte) ([]Payload, error) {
	buf := make([]byte, len(b))
	copy(buf, b)
	return decodeChain(buf, 0, first, true)
}

// EncodePayloads serialises an inner payload chain for encryption and
// returns the type of its first payload (PayloadNone for an empty chain).
func EncodePayloads(ps []Payload) (first PayloadType, b []byte, err error) {
	return appendChain(make([]byte, 0, estimateSize(ps)), ps, true)
}

// ProtectedHeader returns the bytes an SK or SKF payload's body is
// authenticated with: the IKE header and the SK (or SKF, with its fragment
// numbers) payload header, their lengths computed for a body of bodyLen
// bytes. The engine seals with these bytes as AAD (or integrity input) and
// appends the sealed body to form the datagram. p's Body is ignored. It
// returns nil when p is not *SK or *SKF or when bodyLen is out of range.
func ProtectedHeader(h Header, p Payload, bodyLen int) []byte {
	var next PayloadType
	var extra []byte
	if isNilPayload(p) {
		return nil
	}
	switch sk := p.(type) {
	case *SK:
		next = sk.FirstPayload
	case *SKF:
		next = sk.FirstPayload
		extra = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, sk.FragmentNumber), sk.TotalFragments)
	default:
		return nil
	}
	plen := genericHeaderLen + len(extra) + bodyLen
	if bodyLen < 0 || plen > math.MaxUint16 {
		return nil
	}
	b := make([]byte, HeaderLen, HeaderLen+genericHeaderLen+len(extra))
	h.NextPayload = p.Type()
	h.Length = uint32(HeaderLen + plen)
	putHeader(b, &h)
	b = appendGenericHeader(b, next, false, plen)
	return append(b, extra...)
}

// itoa is strconv.Itoa, short for error messages.
func itoa(i int) string { return strconv.Itoa(i) }
