package wire

// The codec entry points. The wire package's implementer fills these in;
// their contracts are fixed here so that tunnel/ike and tunnel/ike/crypto
// can be written against them.

// NotifyError is a protocol failure that the IKE engine answers with the
// matching Notify (for example UNSUPPORTED_CRITICAL_PAYLOAD or
// INVALID_SYNTAX). Data is the notification data to send, if any.
type NotifyError struct {
	Type NotifyType
	Data []byte
	Msg  string
	Err  error // the sentinel from errors.go, if any
}

// Unwrap returns the sentinel cause so errors.Is works on decode errors.
func (e *NotifyError) Unwrap() error { return e.Err }

// Notify builds the notification that reports e to the peer (an IKE SA
// level notify: protocol 0, no SPI).
func (e *NotifyError) Notify() *Notify {
	return &Notify{NotifyType: e.Type, Data: e.Data}
}

func (e *NotifyError) Error() string {
	if e.Msg != "" {
		return e.Type.String() + ": " + e.Msg
	}
	return e.Type.String()
}

// Codec contract (implemented in header.go, message.go, chain.go and the
// payload files; errors follow the rule in errors.go):
//
//	DecodeHeader(b []byte) (Header, error)
//	    Parses the 28-byte header; checks version 2.x and Length <= len(b).
//	Decode(b []byte) (*Message, error)
//	    Header plus the outer payload chain. *SK and *SKF stay opaque and
//	    get their AAD field set: the message bytes from offset 0 up to the
//	    start of Body (IKE header + generic payload header [+ fragment
//	    numbers]), which is what the SK integrity/AEAD covers before Body.
//	(m *Message) Encode() ([]byte, error)
//	    Sets NextPayload and Length; chains payloads; for a message whose
//	    last payload is *SK or *SKF, Body is written as given.
//	DecodePayloads(first PayloadType, b []byte) ([]Payload, error)
//	    The inner chain of a decrypted SK payload.
//	EncodePayloads(ps []Payload) (first PayloadType, b []byte, err error)
//	    The inner chain to encrypt.
//	ProtectedHeader(h Header, p Payload, bodyLen int) []byte
//	    For p an *SK or *SKF (Body ignored): the header and SK/SKF payload
//	    header bytes with Length and payload length computed for a body of
//	    bodyLen bytes; that is the AAD the engine seals with, after which
//	    it appends the sealed body to form the datagram.
