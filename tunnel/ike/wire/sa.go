package wire

import (
	"encoding/binary"
	"fmt"
)

// The SA payload body is a list of proposals (RFC 7296 3.3.1):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Last Substruc |   RESERVED    |         Proposal Length       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                        SPI (variable)                         ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                        <Transforms>                           ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Each transform (RFC 7296 3.3.2):
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Last Substruc |   RESERVED    |        Transform Length       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Transform Type |   RESERVED    |          Transform ID         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                      Transform Attributes                     ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Each attribute (RFC 7296 3.3.5), AF=1 for the 2-byte TV form:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |A|       Attribute Type        |    AF=0  Attribute Length     |
//   |F|                             |    AF=1  Attribute Value      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   AF=0  Attribute Value                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

const (
	lastSubstruc   = 0
	moreProposals  = 2
	moreTransforms = 3
	proposalHdrLen = 8
	transformLen   = 8
	attrHdrLen     = 4
	attrTVBit      = 0x8000
)

func decodeSA(body []byte) (*SA, error) {
	if len(body) == 0 {
		return nil, syntaxErr(ErrBadLength, "sa: no proposals")
	}
	sa := &SA{}
	for len(body) > 0 {
		p, n, last, err := decodeProposal(body)
		if err != nil {
			return nil, err
		}
		sa.Proposals = append(sa.Proposals, p)
		body = body[n:]
		if last != (len(body) == 0) {
			return nil, syntaxErr(ErrBadValue, "sa: proposal %d: last-substructure flag does not match its position", p.Number)
		}
	}
	return sa, nil
}

// decodeProposal returns the proposal, its length and whether it claims to
// be the last one.
func decodeProposal(b []byte) (Proposal, int, bool, error) {
	if len(b) < proposalHdrLen {
		return Proposal{}, 0, false, syntaxErr(ErrTruncated, "sa: proposal header truncated")
	}
	last, plen := b[0], int(binary.BigEndian.Uint16(b[2:4]))
	if last != lastSubstruc && last != moreProposals {
		return Proposal{}, 0, false, syntaxErr(ErrBadValue, "sa: proposal last-substructure %d", last)
	}
	if plen < proposalHdrLen || plen > len(b) {
		return Proposal{}, 0, false, syntaxErr(ErrBadLength, "sa: proposal length %d, %d bytes left", plen, len(b))
	}
	p := Proposal{Number: b[4], Protocol: ProtocolID(b[5])}
	spiLen, count := int(b[6]), int(b[7])
	if proposalHdrLen+spiLen > plen {
		return Proposal{}, 0, false, syntaxErr(ErrBadLength, "sa: proposal %d: SPI size %d exceeds proposal", p.Number, spiLen)
	}
	if spiLen > 0 {
		p.SPI = b[proposalHdrLen : proposalHdrLen+spiLen]
	}
	ts, err := decodeTransforms(b[proposalHdrLen+spiLen:plen], count)
	if err != nil {
		return Proposal{}, 0, false, prefixErr(err, "sa: proposal "+itoa(int(p.Number))+": ")
	}
	p.Transforms = ts
	return p, plen, last == lastSubstruc, nil
}

// decodeTransforms reads exactly count transforms filling b.
func decodeTransforms(b []byte, count int) ([]Transform, error) {
	if count*transformLen > len(b) {
		return nil, syntaxErr(ErrBadLength, "%d transforms cannot fit %d bytes", count, len(b))
	}
	ts := make([]Transform, 0, count)
	for i := 0; i < count; i++ {
		t, n, err := decodeTransform(b, i == count-1)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		b = b[n:]
	}
	if len(b) != 0 {
		return nil, syntaxErr(ErrTrailingData, "%d bytes after the last transform", len(b))
	}
	return ts, nil
}

func decodeTransform(b []byte, wantLast bool) (Transform, int, error) {
	if len(b) < transformLen {
		return Transform{}, 0, syntaxErr(ErrTruncated, "transform truncated")
	}
	last, tlen := b[0], int(binary.BigEndian.Uint16(b[2:4]))
	if (wantLast && last != lastSubstruc) || (!wantLast && last != moreTransforms) {
		return Transform{}, 0, syntaxErr(ErrBadValue, "transform last-substructure %d does not match the transform count", last)
	}
	if tlen < transformLen || tlen > len(b) {
		return Transform{}, 0, syntaxErr(ErrBadLength, "transform length %d, %d bytes left", tlen, len(b))
	}
	t := Transform{Type: TransformType(b[4]), ID: binary.BigEndian.Uint16(b[6:8])}
	if err := decodeTransformAttrs(&t, b[transformLen:tlen]); err != nil {
		return Transform{}, 0, err
	}
	return t, tlen, nil
}

// decodeTransformAttrs fills KeyLength from the first non-zero TV Key
// Length attribute and keeps every other attribute raw.
func decodeTransformAttrs(t *Transform, b []byte) error {
	for len(b) > 0 {
		if len(b) < attrHdrLen {
			return syntaxErr(ErrTruncated, "transform %v: attribute truncated", t.Type)
		}
		typ := binary.BigEndian.Uint16(b[0:2])
		a := TransformAttr{Type: typ &^ attrTVBit, TV: typ&attrTVBit != 0}
		n := attrHdrLen
		if a.TV {
			a.Value = b[2:4]
		} else {
			n += int(binary.BigEndian.Uint16(b[2:4]))
			if n > len(b) {
				return syntaxErr(ErrBadLength, "transform %v: attribute %d length exceeds transform", t.Type, a.Type)
			}
			a.Value = b[attrHdrLen:n]
		}
		b = b[n:]
		if a.TV && a.Type == AttrKeyLength && t.KeyLength == 0 && binary.BigEndian.Uint16(a.Value) != 0 {
			t.KeyLength = binary.BigEndian.Uint16(a.Value)
			continue
		}
		t.Attributes = append(t.Attributes, a)
	}
	return nil
}

func (sa *SA) appendBody(b []byte) ([]byte, error) {
	for i := range sa.Proposals {
		var err error
		if b, err = sa.Proposals[i].appendTo(b, i == len(sa.Proposals)-1); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (p *Proposal) appendTo(b []byte, last bool) ([]byte, error) {
	if len(p.SPI) > 255 || len(p.Transforms) > 255 {
		return nil, fmt.Errorf("sa: proposal %d: %w", p.Number, ErrTooLong)
	}
	start := len(b)
	flag := byte(moreProposals)
	if last {
		flag = lastSubstruc
	}
	b = append(b, flag, 0, 0, 0, p.Number, byte(p.Protocol), byte(len(p.SPI)), byte(len(p.Transforms)))
	b = append(b, p.SPI...)
	for i := range p.Transforms {
		var err error
		if b, err = p.Transforms[i].appendTo(b, i == len(p.Transforms)-1); err != nil {
			return nil, err
		}
	}
	return b, putLength16(b[start+2:], len(b)-start)
}

func (t *Transform) appendTo(b []byte, last bool) ([]byte, error) {
	start := len(b)
	flag := byte(moreTransforms)
	if last {
		flag = lastSubstruc
	}
	b = append(b, flag, 0, 0, 0, byte(t.Type), 0, byte(t.ID>>8), byte(t.ID))
	if t.KeyLength != 0 {
		b = append(b, byte((AttrKeyLength|attrTVBit)>>8), byte(AttrKeyLength), byte(t.KeyLength>>8), byte(t.KeyLength))
	}
	for _, a := range t.Attributes {
		var err error
		if b, err = a.appendTo(b); err != nil {
			return nil, err
		}
	}
	return b, putLength16(b[start+2:], len(b)-start)
}

func (a TransformAttr) appendTo(b []byte) ([]byte, error) {
	typ := a.Type &^ attrTVBit
	if a.TV {
		if len(a.Value) != 2 {
			return nil, fmt.Errorf("transform attribute %d: TV value of %d bytes: %w", typ, len(a.Value), ErrBadLength)
		}
		return append(b, byte((typ|attrTVBit)>>8), byte(typ), a.Value[0], a.Value[1]), nil
	}
	if len(a.Value) > 0xffff {
		return nil, fmt.Errorf("transform attribute %d: %w", typ, ErrTooLong)
	}
	b = append(b, byte(typ>>8), byte(typ), byte(len(a.Value)>>8), byte(len(a.Value)))
	return append(b, a.Value...), nil
}

// Get returns the transforms of type t in offer order.
func (p Proposal) Get(t TransformType) []Transform {
	var out []Transform
	for _, tr := range p.Transforms {
		if tr.Type == t {
			out = append(out, tr)
		}
	}
	return out
}

// Has reports whether the proposal offers transform type t with id.
func (p Proposal) Has(t TransformType, id uint16) bool {
	for _, tr := range p.Transforms {
		if tr.Type == t && tr.ID == id {
			return true
		}
	}
	return false
}
