package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Notify payload body (RFC 7296 3.10):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Protocol ID  |   SPI Size    |      Notify Message Type      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                Security Parameter Index (SPI)                 ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                       Notification Data                       ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The typed constructors and parsers for the notification data of the
// notify types flexvpn uses are below; REDIRECT and REDIRECTED_FROM are in
// redirect.go.

func decodeNotify(body []byte) (*Notify, error) {
	if len(body) < 4 {
		return nil, syntaxErr(ErrTruncated, "notify: %d bytes", len(body))
	}
	n := &Notify{Protocol: ProtocolID(body[0]), NotifyType: NotifyType(binary.BigEndian.Uint16(body[2:4]))}
	spiLen := int(body[1])
	if 4+spiLen > len(body) {
		return nil, syntaxErr(ErrBadLength, "notify %v: SPI size %d exceeds payload", n.NotifyType, spiLen)
	}
	if spiLen > 0 {
		n.SPI = body[4 : 4+spiLen]
	}
	n.Data = body[4+spiLen:]
	return n, nil
}

func (p *Notify) appendBody(b []byte) ([]byte, error) {
	if len(p.SPI) > 255 {
		return nil, fmt.Errorf("notify %v: SPI of %d bytes: %w", p.NotifyType, len(p.SPI), ErrTooLong)
	}
	b = append(b, byte(p.Protocol), byte(len(p.SPI)), byte(p.NotifyType>>8), byte(p.NotifyType))
	b = append(b, p.SPI...)
	return append(b, p.Data...), nil
}

// FindNotify returns the first Notify of type t in ps, or nil.
func FindNotify(ps []Payload, t NotifyType) *Notify {
	for _, p := range ps {
		if n, ok := p.(*Notify); ok && n.NotifyType == t {
			return n
		}
	}
	return nil
}

// FindPayload returns the first payload of type t in ps, or nil.
func FindPayload(ps []Payload, t PayloadType) Payload {
	for _, p := range ps {
		if p.Type() == t {
			return p
		}
	}
	return nil
}

// FirstError returns the first error notification in ps, or nil.
func FirstError(ps []Payload) *Notify {
	for _, p := range ps {
		if n, ok := p.(*Notify); ok && n.NotifyType.IsError() {
			return n
		}
	}
	return nil
}

// NewNotify returns an IKE SA level notification (no protocol, no SPI)
// with a copy of data, for status types without data or with raw data.
func NewNotify(t NotifyType, data []byte) *Notify {
	return &Notify{NotifyType: t, Data: bytes.Clone(data)}
}

// checkType is the common guard of the typed parsers.
func (p *Notify) checkType(want ...NotifyType) error {
	for _, t := range want {
		if p.NotifyType == t {
			return nil
		}
	}
	return fmt.Errorf("%w: got %v, want %v", ErrWrongNotify, p.NotifyType, want[0])
}

// NATDetectionLen is the size of a NAT_DETECTION_* hash (SHA-1).
const NATDetectionLen = 20

// NewNATDetectionSourceIP builds NAT_DETECTION_SOURCE_IP with hash
// SHA1(SPIi | SPIr | source IP | source port).
func NewNATDetectionSourceIP(hash [NATDetectionLen]byte) *Notify {
	return NewNotify(NAT_DETECTION_SOURCE_IP, hash[:])
}

// NewNATDetectionDestinationIP builds NAT_DETECTION_DESTINATION_IP.
func NewNATDetectionDestinationIP(hash [NATDetectionLen]byte) *Notify {
	return NewNotify(NAT_DETECTION_DESTINATION_IP, hash[:])
}

// ParseNATDetection returns the hash of a NAT_DETECTION_SOURCE_IP or
// NAT_DETECTION_DESTINATION_IP notification.
func ParseNATDetection(p *Notify) ([NATDetectionLen]byte, error) {
	var h [NATDetectionLen]byte
	if err := p.checkType(NAT_DETECTION_SOURCE_IP, NAT_DETECTION_DESTINATION_IP); err != nil {
		return h, err
	}
	if len(p.Data) != NATDetectionLen {
		return h, fmt.Errorf("%v: %d bytes: %w", p.NotifyType, len(p.Data), ErrBadLength)
	}
	copy(h[:], p.Data)
	return h, nil
}

// Cookie size bounds (RFC 7296 2.6: 1 to 64 octets).
const (
	MinCookieLen = 1
	MaxCookieLen = 64
)

// NewCookie builds a COOKIE notification.
func NewCookie(cookie []byte) (*Notify, error) {
	if len(cookie) < MinCookieLen || len(cookie) > MaxCookieLen {
		return nil, fmt.Errorf("cookie: %d bytes: %w", len(cookie), ErrBadLength)
	}
	return NewNotify(COOKIE, cookie), nil
}

// ParseCookie returns the cookie of a COOKIE notification.
func ParseCookie(p *Notify) ([]byte, error) {
	if err := p.checkType(COOKIE); err != nil {
		return nil, err
	}
	if len(p.Data) < MinCookieLen || len(p.Data) > MaxCookieLen {
		return nil, fmt.Errorf("cookie: %d bytes: %w", len(p.Data), ErrBadLength)
	}
	return p.Data, nil
}

// NewInvalidKEPayload builds INVALID_KE_PAYLOAD naming the group the
// responder wants.
func NewInvalidKEPayload(group uint16) *Notify {
	return NewNotify(INVALID_KE_PAYLOAD, binary.BigEndian.AppendUint16(nil, group))
}

// ParseInvalidKEPayload returns the group wanted by INVALID_KE_PAYLOAD.
func ParseInvalidKEPayload(p *Notify) (uint16, error) {
	if err := p.checkType(INVALID_KE_PAYLOAD); err != nil {
		return 0, err
	}
	if len(p.Data) != 2 {
		return 0, fmt.Errorf("invalid ke payload: %d bytes: %w", len(p.Data), ErrBadLength)
	}
	return binary.BigEndian.Uint16(p.Data), nil
}

// NewSetWindowSize builds SET_WINDOW_SIZE.
func NewSetWindowSize(size uint32) *Notify {
	return NewNotify(SET_WINDOW_SIZE, binary.BigEndian.AppendUint32(nil, size))
}

// ParseSetWindowSize returns the window size of SET_WINDOW_SIZE.
func ParseSetWindowSize(p *Notify) (uint32, error) {
	if err := p.checkType(SET_WINDOW_SIZE); err != nil {
		return 0, err
	}
	if len(p.Data) != 4 {
		return 0, fmt.Errorf("set window size: %d bytes: %w", len(p.Data), ErrBadLength)
	}
	return binary.BigEndian.Uint32(p.Data), nil
}

// NewRekeySA builds REKEY_SA for the Child SA with the given SPI; the
// protocol and SPI go in the notify header, the data is empty.
func NewRekeySA(proto ProtocolID, spi []byte) *Notify {
	return &Notify{Protocol: proto, SPI: bytes.Clone(spi), NotifyType: REKEY_SA}
}

// ParseRekeySA returns the protocol and SPI of the SA being rekeyed.
func ParseRekeySA(p *Notify) (ProtocolID, []byte, error) {
	if err := p.checkType(REKEY_SA); err != nil {
		return 0, nil, err
	}
	if (p.Protocol != ProtoESP && p.Protocol != ProtoAH) || len(p.SPI) != 4 {
		return 0, nil, fmt.Errorf("rekey sa: protocol %v with %d-byte SPI: %w", p.Protocol, len(p.SPI), ErrBadValue)
	}
	return p.Protocol, p.SPI, nil
}

// NewSignatureHashAlgorithms builds SIGNATURE_HASH_ALGORITHMS (RFC 7427).
func NewSignatureHashAlgorithms(algs ...HashAlgorithm) *Notify {
	data := make([]byte, 0, 2*len(algs))
	for _, a := range algs {
		data = binary.BigEndian.AppendUint16(data, uint16(a))
	}
	return &Notify{NotifyType: SIGNATURE_HASH_ALGORITHMS, Data: data}
}

// ParseSignatureHashAlgorithms returns the hash algorithms offered.
func ParseSignatureHashAlgorithms(p *Notify) ([]HashAlgorithm, error) {
	if err := p.checkType(SIGNATURE_HASH_ALGORITHMS); err != nil {
		return nil, err
	}
	if len(p.Data)%2 != 0 {
		return nil, fmt.Errorf("signature hash algorithms: %d bytes: %w", len(p.Data), ErrBadLength)
	}
	algs := make([]HashAlgorithm, len(p.Data)/2)
	for i := range algs {
		algs[i] = HashAlgorithm(binary.BigEndian.Uint16(p.Data[2*i:]))
	}
	return algs, nil
}

// NewAuthLifetime builds AUTH_LIFETIME (RFC 4478): seconds until the
// peer must re-authenticate.
func NewAuthLifetime(seconds uint32) *Notify {
	return NewNotify(AUTH_LIFETIME, binary.BigEndian.AppendUint32(nil, seconds))
}

// ParseAuthLifetime returns the lifetime in seconds of AUTH_LIFETIME.
func ParseAuthLifetime(p *Notify) (uint32, error) {
	if err := p.checkType(AUTH_LIFETIME); err != nil {
		return 0, err
	}
	if len(p.Data) != 4 {
		return 0, fmt.Errorf("auth lifetime: %d bytes: %w", len(p.Data), ErrBadLength)
	}
	return binary.BigEndian.Uint32(p.Data), nil
}
