package wire

import (
	"encoding/binary"
	"math"
	"reflect"
)

// The generic payload header that starts every payload (RFC 7296 3.2):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The critical bit only matters for payload types the receiver does not
// know: it is ignored on known payloads and written as zero for them, as
// RFC 7296 requires for the payloads it defines.

const (
	genericHeaderLen = 4
	criticalBit      = 0x80
)

// bodyEncoder is implemented by every payload type this package encodes:
// it appends the payload body (everything after the generic header).
type bodyEncoder interface {
	appendBody(b []byte) ([]byte, error)
}

// decodeChain walks a payload chain that starts at msg[off:] with a
// payload of type next and must end exactly at len(msg). msg is the whole
// message (or the whole inner plaintext) so that SK/SKF can record their
// AAD as msg[:start of body].
func decodeChain(msg []byte, off int, next PayloadType, inner bool) ([]Payload, error) {
	var ps []Payload
	for next != PayloadNone {
		t := next
		if len(msg)-off < genericHeaderLen {
			return nil, syntaxErr(ErrTruncated, "payload %v: header truncated at offset %d", t, off)
		}
		next = PayloadType(msg[off])
		critical := msg[off+1]&criticalBit != 0
		plen := int(binary.BigEndian.Uint16(msg[off+2 : off+4]))
		if plen < genericHeaderLen || plen > len(msg)-off {
			return nil, syntaxErr(ErrBadLength, "payload %v: length %d at offset %d, %d bytes left", t, plen, off, len(msg)-off)
		}
		if t == PayloadSK || t == PayloadSKF {
			p, err := decodeEncrypted(msg, off, plen, t, next, inner)
			if err != nil {
				return nil, err
			}
			return append(ps, p), nil
		}
		p, err := decodeBody(t, critical, msg[off+genericHeaderLen:off+plen])
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		off += plen
	}
	if off != len(msg) {
		return nil, syntaxErr(ErrTrailingData, "%d bytes after the last payload", len(msg)-off)
	}
	return ps, nil
}

// decodeEncrypted handles SK and SKF, which end the chain: their Next
// Payload field names the first inner payload, not a following one.
func decodeEncrypted(msg []byte, off, plen int, t, first PayloadType, inner bool) (Payload, error) {
	if inner {
		return nil, syntaxErr(ErrBadValue, "%v inside an encrypted payload", t)
	}
	if off+plen != len(msg) {
		return nil, syntaxErr(ErrTrailingData, "%v is not the last payload", t)
	}
	if t == PayloadSK {
		return decodeSK(msg, off, first)
	}
	return decodeSKF(msg, off, first)
}

// decodeBody decodes one non-encrypted payload body by type.
func decodeBody(t PayloadType, critical bool, body []byte) (Payload, error) {
	switch t {
	case PayloadSA:
		return decodeSA(body)
	case PayloadKE:
		return decodeKE(body)
	case PayloadIDi, PayloadIDr:
		return decodeID(body, t == PayloadIDr)
	case PayloadCERT:
		return decodeCert(body)
	case PayloadCERTREQ:
		return decodeCertReq(body)
	case PayloadAUTH:
		return decodeAuth(body)
	case PayloadNonce:
		return decodeNonce(body)
	case PayloadNotify:
		return decodeNotify(body)
	case PayloadDelete:
		return decodeDelete(body)
	case PayloadVendorID:
		return decodeVendorID(body)
	case PayloadTSi, PayloadTSr:
		return decodeTS(body, t == PayloadTSr)
	case PayloadCP:
		return decodeCP(body)
	case PayloadEAP:
		return decodeEAP(body)
	}
	return decodeUnknown(t, critical, body)
}

// appendChain appends the payloads with their generic headers and returns
// the type of the first one. SK/SKF may only be last, and not at all in an
// inner chain.
func appendChain(b []byte, ps []Payload, inner bool) (PayloadType, []byte, error) {
	for i, p := range ps {
		if isNilPayload(p) {
			return 0, nil, ErrUnsupportedPayload
		}
		if err := checkEncryptedPosition(p, i == len(ps)-1, inner); err != nil {
			return 0, nil, err
		}
		var err error
		if b, err = appendPayload(b, p, nextOf(ps, i)); err != nil {
			return 0, nil, err
		}
	}
	if len(ps) == 0 {
		return PayloadNone, b, nil
	}
	return ps[0].Type(), b, nil
}

// isNilPayload catches nil and typed-nil payloads (a nil *SA in the list)
// so that a caller bug becomes an error instead of a panic.
func isNilPayload(p Payload) bool {
	if p == nil {
		return true
	}
	v := reflect.ValueOf(p)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func checkEncryptedPosition(p Payload, last, inner bool) error {
	t := p.Type()
	if t != PayloadSK && t != PayloadSKF {
		return nil
	}
	if inner || !last {
		return ErrUnsupportedPayload
	}
	return nil
}

// nextOf is the Next Payload value written in ps[i]'s header.
func nextOf(ps []Payload, i int) PayloadType {
	if i+1 < len(ps) {
		return ps[i+1].Type()
	}
	switch sk := ps[i].(type) {
	case *SK:
		return sk.FirstPayload
	case *SKF:
		return sk.FirstPayload
	}
	return PayloadNone
}

// appendPayload writes the generic header, the body, then patches the
// payload length.
func appendPayload(b []byte, p Payload, next PayloadType) ([]byte, error) {
	enc, ok := p.(bodyEncoder)
	if !ok {
		return nil, ErrUnsupportedPayload
	}
	critical := false
	if u, ok := p.(*Unknown); ok {
		critical = u.Critical
	}
	start := len(b)
	b = appendGenericHeader(b, next, critical, 0)
	b, err := enc.appendBody(b)
	if err != nil {
		return nil, err
	}
	if err := putLength16(b[start+2:], len(b)-start); err != nil {
		return nil, err
	}
	return b, nil
}

func appendGenericHeader(b []byte, next PayloadType, critical bool, length int) []byte {
	var flags byte
	if critical {
		flags = criticalBit
	}
	return append(b, byte(next), flags, byte(length>>8), byte(length))
}

// putLength16 stores n as a 16-bit length, failing if it does not fit.
func putLength16(b []byte, n int) error {
	if n > math.MaxUint16 {
		return ErrTooLong
	}
	binary.BigEndian.PutUint16(b, uint16(n))
	return nil
}

// estimateSize guesses the encoded size so Encode allocates once in the
// common case; it only has to be cheap, not exact.
func estimateSize(ps []Payload) int {
	n := 0
	for _, p := range ps {
		n += 64
		switch v := p.(type) {
		case *SK:
			n += len(v.Body)
		case *SKF:
			n += len(v.Body)
		case *KE:
			n += len(v.Data)
		case *Cert:
			n += len(v.Data)
		case *Auth:
			n += len(v.Data)
		case *EAP:
			n += len(v.Data)
		}
	}
	return n
}
