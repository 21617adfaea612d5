package wire

import "encoding/binary"

// The IKE header (RFC 7296 3.1):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       IKE SA Initiator's SPI                  |
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       IKE SA Responder's SPI                  |
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                          Message ID                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                            Length                             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// DecodeHeader parses the 28-byte IKE header. It checks that the major
// version is 2 (else a *NotifyError with INVALID_MAJOR_VERSION) and that
// HeaderLen <= Length <= len(b) (else INVALID_SYNTAX).
func DecodeHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, syntaxErr(ErrTruncated, "header: %d bytes, need %d", len(b), HeaderLen)
	}
	h := Header{
		SPIi:         binary.BigEndian.Uint64(b[0:8]),
		SPIr:         binary.BigEndian.Uint64(b[8:16]),
		NextPayload:  PayloadType(b[16]),
		MajorVersion: b[17] >> 4,
		MinorVersion: b[17] & 0x0f,
		Exchange:     ExchangeType(b[18]),
		Flags:        Flags(b[19]),
		MessageID:    binary.BigEndian.Uint32(b[20:24]),
		Length:       binary.BigEndian.Uint32(b[24:28]),
	}
	if h.MajorVersion != 2 {
		return h, &NotifyError{Type: INVALID_MAJOR_VERSION, Msg: "major version " + itoa(int(h.MajorVersion)), Err: ErrVersion}
	}
	if h.Length < HeaderLen {
		return h, syntaxErr(ErrBadLength, "header: length %d below header size", h.Length)
	}
	if uint64(h.Length) > uint64(len(b)) {
		return h, syntaxErr(ErrTruncated, "header: length %d but %d bytes received", h.Length, len(b))
	}
	return h, nil
}

// putHeader writes h into b[:HeaderLen]. A zero MajorVersion is written as
// 2 so that callers building a Message need not set the version.
func putHeader(b []byte, h *Header) {
	major := h.MajorVersion
	if major == 0 {
		major = 2
	}
	binary.BigEndian.PutUint64(b[0:8], h.SPIi)
	binary.BigEndian.PutUint64(b[8:16], h.SPIr)
	b[16] = byte(h.NextPayload)
	b[17] = major<<4 | h.MinorVersion&0x0f
	b[18] = byte(h.Exchange)
	b[19] = byte(h.Flags)
	binary.BigEndian.PutUint32(b[20:24], h.MessageID)
	binary.BigEndian.PutUint32(b[24:28], h.Length)
}
