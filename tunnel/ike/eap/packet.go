package eap

import (
	"encoding/binary"
	"fmt"
)

// Code is the EAP packet code (RFC 3748 section 4).
type Code uint8

// EAP codes.
const (
	CodeRequest  Code = 1
	CodeResponse Code = 2
	CodeSuccess  Code = 3
	CodeFailure  Code = 4
)

func (c Code) String() string {
	switch c {
	case CodeRequest:
		return "Request"
	case CodeResponse:
		return "Response"
	case CodeSuccess:
		return "Success"
	case CodeFailure:
		return "Failure"
	}
	return fmt.Sprintf("Code(%d)", uint8(c))
}

// Type is the EAP method type of a Request or Response (RFC 3748 section 5).
type Type uint8

// EAP method types used by flexvpn.
const (
	TypeIdentity     Type = 1
	TypeNotification Type = 2
	TypeNak          Type = 3
	TypeMD5          Type = 4
	TypeGTC          Type = 6
	TypeMSCHAPv2     Type = 26
	TypeExpanded     Type = 254
)

func (t Type) String() string {
	switch t {
	case TypeIdentity:
		return "Identity"
	case TypeNotification:
		return "Notification"
	case TypeNak:
		return "Nak"
	case TypeMD5:
		return "MD5-Challenge"
	case TypeGTC:
		return "GTC"
	case TypeMSCHAPv2:
		return "MS-CHAPv2"
	case TypeExpanded:
		return "Expanded"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// isAuthMethod reports whether t is an authentication method we implement
// (as opposed to the non-authenticating types 1-3).
func (t Type) isAuthMethod() bool {
	return t == TypeMD5 || t == TypeGTC || t == TypeMSCHAPv2
}

const (
	headerLen     = 4 // Code, Identifier, Length
	typeHeaderLen = 5 // plus Type
	maxLength     = 0xffff
)

// Packet is one EAP packet (RFC 3748 section 4):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Code      |  Identifier   |            Length             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |  Type-Data ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Success and Failure carry no Type; Type and Data are zero for them. For
// an Expanded type (254) Data starts with the 3-octet Vendor-Id and the
// 4-octet Vendor-Type.
type Packet struct {
	Code       Code
	Identifier uint8
	Type       Type
	Data       []byte
}

// Decode parses one EAP packet. Data aliases b. Octets after Length are
// padding and ignored (RFC 3748 section 4.1); Success and Failure are
// accepted with stray data after the header, which is dropped.
func Decode(b []byte) (Packet, error) {
	if len(b) < headerLen {
		return Packet{}, fmt.Errorf("%w: %d bytes, header needs %d", ErrMalformed, len(b), headerLen)
	}
	p := Packet{Code: Code(b[0]), Identifier: b[1]}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < headerLen || n > len(b) {
		return Packet{}, fmt.Errorf("%w: length %d, have %d bytes", ErrMalformed, n, len(b))
	}
	switch p.Code {
	case CodeSuccess, CodeFailure:
		return p, nil
	case CodeRequest, CodeResponse:
	default:
		return Packet{}, fmt.Errorf("%w: unknown code %d", ErrMalformed, b[0])
	}
	if n < typeHeaderLen {
		return Packet{}, fmt.Errorf("%w: %v without a type", ErrMalformed, p.Code)
	}
	p.Type = Type(b[4])
	p.Data = b[typeHeaderLen:n]
	return p, nil
}

// Len is the encoded length of p.
func (p Packet) Len() int {
	if p.Code == CodeSuccess || p.Code == CodeFailure {
		return headerLen
	}
	return typeHeaderLen + len(p.Data)
}

// Append appends the encoding of p to dst. It fails only when p is too long
// for the 16-bit Length or has an unknown code.
func (p Packet) Append(dst []byte) ([]byte, error) {
	if p.Code < CodeRequest || p.Code > CodeFailure {
		return dst, fmt.Errorf("%w: cannot encode code %d", ErrMalformed, uint8(p.Code))
	}
	n := p.Len()
	if n > maxLength {
		return dst, fmt.Errorf("%w: %d bytes exceed the EAP length field", ErrMalformed, n)
	}
	dst = append(dst, byte(p.Code), p.Identifier, byte(n>>8), byte(n))
	if n == headerLen {
		return dst, nil
	}
	dst = append(dst, byte(p.Type))
	return append(dst, p.Data...), nil
}

// Marshal returns the encoding of p in a new slice.
func (p Packet) Marshal() ([]byte, error) {
	return p.Append(make([]byte, 0, p.Len()))
}

func (p Packet) String() string {
	if p.Code == CodeRequest || p.Code == CodeResponse {
		return fmt.Sprintf("EAP %v/%v id=%d len=%d", p.Code, p.Type, p.Identifier, p.Len())
	}
	return fmt.Sprintf("EAP %v id=%d", p.Code, p.Identifier)
}

// marshal encodes packets this package builds itself, whose length is
// bounded by construction far below 64 KiB; a failure is a programming error
// reported as an error rather than a panic to keep Handle panic-free.
func marshal(p Packet) ([]byte, error) {
	b, err := p.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode %v: %w", p, err)
	}
	return b, nil
}
