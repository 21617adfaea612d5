package wire

import (
	"encoding/binary"
	"fmt"
)

// Configuration payload body (RFC 7296 3.15):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   CFG Type    |                    RESERVED                   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                   Configuration Attributes                    ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Each attribute (RFC 7296 3.15.1):
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |R|         Attribute Type      |            Length             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                             Value                             ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The payload codec only frames attributes; whether a value fits its type
// is checked by the typed accessors in cp_attr.go and cp_unity.go, per
// attribute, so one odd attribute does not cost the whole reply.

const cpAttrTypeMask = 0x7fff

func decodeCP(body []byte) (*CP, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "cp: %d bytes", len(body))
	}
	attrs, err := DecodeCPAttributes(body[4:])
	if err != nil {
		return nil, err
	}
	return &CP{CfgType: CPType(body[0]), Attributes: attrs}, nil
}

// DecodeCPAttributes frames a list of configuration attributes (the CP
// payload body after its 4-byte header). Values alias b.
func DecodeCPAttributes(b []byte) ([]CPAttr, error) {
	var attrs []CPAttr
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, syntaxErr(ErrTruncated, "cp: attribute header truncated")
		}
		t := CPAttrType(binary.BigEndian.Uint16(b[0:2]) & cpAttrTypeMask)
		n := 4 + int(binary.BigEndian.Uint16(b[2:4]))
		if n > len(b) {
			return nil, syntaxErr(ErrBadLength, "cp: attribute %v length %d, %d bytes left", t, n-4, len(b)-4)
		}
		attrs = append(attrs, CPAttr{Type: t, Value: b[4:n]})
		b = b[n:]
	}
	return attrs, nil
}

func (p *CP) appendBody(b []byte) ([]byte, error) {
	b = append(b, byte(p.CfgType), 0, 0, 0)
	return AppendCPAttributes(b, p.Attributes)
}

// AppendCPAttributes appends the attributes in wire form.
func AppendCPAttributes(b []byte, attrs []CPAttr) ([]byte, error) {
	for _, a := range attrs {
		if a.Type > cpAttrTypeMask || len(a.Value) > 0xffff {
			return nil, fmt.Errorf("cp: attribute %v of %d bytes: %w", a.Type, len(a.Value), ErrTooLong)
		}
		b = append(b, byte(a.Type>>8), byte(a.Type), byte(len(a.Value)>>8), byte(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b, nil
}

// Get returns the attributes of type t in order.
func (p *CP) Get(t CPAttrType) []CPAttr {
	var out []CPAttr
	for _, a := range p.Attributes {
		if a.Type == t {
			out = append(out, a)
		}
	}
	return out
}

// Add appends attributes and returns p, for building CPs in one line.
func (p *CP) Add(attrs ...CPAttr) *CP {
	p.Attributes = append(p.Attributes, attrs...)
	return p
}

// Has reports whether the payload carries an attribute of type t (empty
// or not), e.g. whether a CFG_REQUEST asked for INTERNAL_IP4_ADDRESS.
func (p *CP) Has(t CPAttrType) bool {
	for _, a := range p.Attributes {
		if a.Type == t {
			return true
		}
	}
	return false
}
