package wire

// An unknown payload is kept as its raw body (everything after the generic
// header) so that a message re-encodes byte for byte. With the critical bit
// set, RFC 7296 2.5 requires rejecting the whole message with
// UNSUPPORTED_CRITICAL_PAYLOAD carrying the one-byte payload type.

func decodeUnknown(t PayloadType, critical bool, body []byte) (Payload, error) {
	if critical {
		return nil, &NotifyError{
			Type: UNSUPPORTED_CRITICAL_PAYLOAD,
			Data: []byte{byte(t)},
			Msg:  "payload type " + itoa(int(t)),
			Err:  ErrCritical,
		}
	}
	return &Unknown{PayloadType: t, Data: body}, nil
}

func (p *Unknown) appendBody(b []byte) ([]byte, error) {
	return append(b, p.Data...), nil
}
