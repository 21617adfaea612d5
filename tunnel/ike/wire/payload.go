package wire

import "net/netip"

// This file declares the message and payload model. The encoders and
// decoders live in one file per payload (sa.go, ke.go, ...).

// HeaderLen is the length of the IKE header.
const HeaderLen = 28

// Header is the fixed IKE header (RFC 7296 3.1).
type Header struct {
	SPIi, SPIr   uint64
	NextPayload  PayloadType // set by Encode from the first payload
	MajorVersion uint8       // 2
	MinorVersion uint8       // 0
	Exchange     ExchangeType
	Flags        Flags
	MessageID    uint32
	Length       uint32 // set by Encode
}

// IsResponse reports whether the Response flag is set.
func (h *Header) IsResponse() bool { return h.Flags&FlagResponse != 0 }

// IsInitiator reports whether the Initiator flag is set (the sender is the
// original initiator of the IKE SA).
func (h *Header) IsInitiator() bool { return h.Flags&FlagInitiator != 0 }

// Message is a decoded IKE message. For a protected message the payload
// list ends with an *SK (or is a single *SKF); its inner payloads are
// decoded separately after decryption.
type Message struct {
	Header
	Payloads []Payload
}

// Payload is one IKE payload. Critical reports the critical bit the
// payload was received with (or is to be sent with).
type Payload interface {
	Type() PayloadType
}

// SA is the Security Association payload (RFC 7296 3.3).
type SA struct {
	Proposals []Proposal
}

// Proposal is one proposal substructure. Number starts at 1. SPI is empty
// for an IKE_SA_INIT proposal, 8 bytes for an IKE rekey, 4 bytes for ESP.
type Proposal struct {
	Number     uint8
	Protocol   ProtocolID
	SPI        []byte
	Transforms []Transform
}

// Transform is one transform substructure. KeyLength is the Key Length
// attribute (0 when absent); other attributes are kept raw in Attributes so
// that an unknown attribute round-trips.
type Transform struct {
	Type       TransformType
	ID         uint16
	KeyLength  uint16
	Attributes []TransformAttr
}

// TransformAttr is a transform attribute other than Key Length. TV is set
// for the short (type/value) format, in which case Value holds 2 bytes.
type TransformAttr struct {
	Type  uint16
	TV    bool
	Value []byte
}

// KE is the Key Exchange payload (RFC 7296 3.4).
type KE struct {
	Group uint16
	Data  []byte
}

// ID is the Identification payload, IDi or IDr (RFC 7296 3.5).
// Responder distinguishes IDr from IDi.
type ID struct {
	Responder bool
	IDType    IDType
	Data      []byte
}

// Cert is the Certificate payload (RFC 7296 3.6).
type Cert struct {
	Encoding CertEncoding
	Data     []byte
}

// CertReq is the Certificate Request payload (RFC 7296 3.7). Authorities
// is the concatenation of SHA-1 hashes of CA public keys.
type CertReq struct {
	Encoding    CertEncoding
	Authorities []byte
}

// Auth is the Authentication payload (RFC 7296 3.8).
type Auth struct {
	Method AuthMethod
	Data   []byte
}

// Nonce is the Nonce payload (RFC 7296 3.9).
type Nonce struct {
	Data []byte
}

// Notify is the Notify payload (RFC 7296 3.10). Data is the raw
// notification data; the typed helpers in notify.go parse and build it.
type Notify struct {
	Protocol   ProtocolID
	SPI        []byte
	NotifyType NotifyType
	Data       []byte
}

// Delete is the Delete payload (RFC 7296 3.11). SPIs is empty for the IKE SA.
type Delete struct {
	Protocol ProtocolID
	SPIs     [][]byte
}

// VendorID is the Vendor ID payload (RFC 7296 3.12).
type VendorID struct {
	Data []byte
}

// TS is the Traffic Selector payload, TSi or TSr (RFC 7296 3.13).
type TS struct {
	Responder bool
	Selectors []TrafficSelector
}

// TrafficSelector is one selector: an address range, IP protocol (0 any)
// and port range (0-65535 any). For a selector type other than
// TSIPv4AddrRange and TSIPv6AddrRange, Start and End are invalid and Raw
// holds the bytes after the ports, so the selector round-trips.
type TrafficSelector struct {
	Type      TSType
	IPProto   uint8
	StartPort uint16
	EndPort   uint16
	Start     netip.Addr
	End       netip.Addr
	Raw       []byte
}

// SK is the Encrypted and Authenticated payload (RFC 7296 3.14).
// FirstPayload is the type of the first inner payload; Body is IV,
// ciphertext (with padding) and ICV, opaque to this package.
type SK struct {
	FirstPayload PayloadType
	Body         []byte
	AAD          []byte // set by Decode: message bytes before Body
}

// SKF is the Encrypted Fragment payload (RFC 7383 2.5). FirstPayload is
// set only in fragment number 1.
type SKF struct {
	FirstPayload   PayloadType
	FragmentNumber uint16
	TotalFragments uint16
	Body           []byte
	AAD            []byte // set by Decode: message bytes before Body
}

// CP is the Configuration payload (RFC 7296 3.15).
type CP struct {
	CfgType    CPType
	Attributes []CPAttr
}

// CPAttr is one configuration attribute, raw. The typed helpers in cp.go
// convert to and from addresses, subnets, Unity split records and strings.
type CPAttr struct {
	Type  CPAttrType
	Value []byte
}

// EAP is the EAP payload (RFC 7296 3.16); Data is the whole EAP packet.
type EAP struct {
	Data []byte
}

// Unknown is a payload this package does not model, kept so that it can be
// skipped and re-encoded. Critical is its critical bit.
type Unknown struct {
	PayloadType PayloadType
	Critical    bool
	Data        []byte
}

// Type implementations.
func (*SA) Type() PayloadType        { return PayloadSA }
func (*KE) Type() PayloadType        { return PayloadKE }
func (*Cert) Type() PayloadType      { return PayloadCERT }
func (*CertReq) Type() PayloadType   { return PayloadCERTREQ }
func (*Auth) Type() PayloadType      { return PayloadAUTH }
func (*Nonce) Type() PayloadType     { return PayloadNonce }
func (*Notify) Type() PayloadType    { return PayloadNotify }
func (*Delete) Type() PayloadType    { return PayloadDelete }
func (*VendorID) Type() PayloadType  { return PayloadVendorID }
func (*SK) Type() PayloadType        { return PayloadSK }
func (*SKF) Type() PayloadType       { return PayloadSKF }
func (*CP) Type() PayloadType        { return PayloadCP }
func (*EAP) Type() PayloadType       { return PayloadEAP }
func (u *Unknown) Type() PayloadType { return u.PayloadType }

// Type returns PayloadIDr for a responder ID, else PayloadIDi.
func (p *ID) Type() PayloadType {
	if p.Responder {
		return PayloadIDr
	}
	return PayloadIDi
}

// Type returns PayloadTSr for responder selectors, else PayloadTSi.
func (p *TS) Type() PayloadType {
	if p.Responder {
		return PayloadTSr
	}
	return PayloadTSi
}
