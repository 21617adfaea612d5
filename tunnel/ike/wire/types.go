package wire

// ExchangeType is the IKE exchange type in the header (RFC 7296 3.1).
type ExchangeType uint8

// Exchange types.
const (
	IKE_SA_INIT      ExchangeType = 34
	IKE_AUTH         ExchangeType = 35
	CREATE_CHILD_SA  ExchangeType = 36
	INFORMATIONAL    ExchangeType = 37
	IKE_INTERMEDIATE ExchangeType = 43
	IKE_FOLLOWUP_KE  ExchangeType = 44 // RFC 9370
)

// PayloadType is the "Next Payload" value naming a payload (RFC 7296 3.2).
type PayloadType uint8

// Payload types.
const (
	PayloadNone     PayloadType = 0
	PayloadSA       PayloadType = 33
	PayloadKE       PayloadType = 34
	PayloadIDi      PayloadType = 35
	PayloadIDr      PayloadType = 36
	PayloadCERT     PayloadType = 37
	PayloadCERTREQ  PayloadType = 38
	PayloadAUTH     PayloadType = 39
	PayloadNonce    PayloadType = 40
	PayloadNotify   PayloadType = 41
	PayloadDelete   PayloadType = 42
	PayloadVendorID PayloadType = 43
	PayloadTSi      PayloadType = 44
	PayloadTSr      PayloadType = 45
	PayloadSK       PayloadType = 46
	PayloadCP       PayloadType = 47
	PayloadEAP      PayloadType = 48
	PayloadSKF      PayloadType = 53
)

// Flags are the header flags (RFC 7296 3.1).
type Flags uint8

// Header flags.
const (
	FlagInitiator Flags = 0x08
	FlagVersion   Flags = 0x10
	FlagResponse  Flags = 0x20
)

// ProtocolID names the protocol of a proposal, notify or delete.
type ProtocolID uint8

// Protocol IDs.
const (
	ProtoIKE ProtocolID = 1
	ProtoAH  ProtocolID = 2
	ProtoESP ProtocolID = 3
)

// TransformType is the type of a transform substructure (RFC 7296 3.3.2, RFC 9370).
type TransformType uint8

// Transform types.
const (
	TransformENCR   TransformType = 1
	TransformPRF    TransformType = 2
	TransformINTEG  TransformType = 3
	TransformKE     TransformType = 4 // "D-H" in RFC 7296
	TransformESN    TransformType = 5
	TransformADDKE1 TransformType = 6 // ADDKE1..ADDKE7 are 6..12 (RFC 9370)
)

// Encryption transform IDs.
const (
	ENCR_3DES              uint16 = 3
	ENCR_NULL              uint16 = 11
	ENCR_AES_CBC           uint16 = 12
	ENCR_AES_CTR           uint16 = 13
	ENCR_AES_CCM_8         uint16 = 14
	ENCR_AES_CCM_12        uint16 = 15
	ENCR_AES_CCM_16        uint16 = 16
	ENCR_AES_GCM_8         uint16 = 18
	ENCR_AES_GCM_12        uint16 = 19
	ENCR_AES_GCM_16        uint16 = 20
	ENCR_CAMELLIA_CBC      uint16 = 23
	ENCR_CAMELLIA_CTR      uint16 = 24
	ENCR_CHACHA20_POLY1305 uint16 = 28
)

// Pseudo-random function transform IDs.
const (
	PRF_HMAC_MD5      uint16 = 1
	PRF_HMAC_SHA1     uint16 = 2
	PRF_AES128_XCBC   uint16 = 4
	PRF_HMAC_SHA2_256 uint16 = 5
	PRF_HMAC_SHA2_384 uint16 = 6
	PRF_HMAC_SHA2_512 uint16 = 7
	PRF_AES128_CMAC   uint16 = 8
)

// Integrity transform IDs.
const (
	AUTH_NONE              uint16 = 0
	AUTH_HMAC_MD5_96       uint16 = 1
	AUTH_HMAC_SHA1_96      uint16 = 2
	AUTH_AES_XCBC_96       uint16 = 5
	AUTH_AES_CMAC_96       uint16 = 8
	AUTH_HMAC_SHA2_256_128 uint16 = 12
	AUTH_HMAC_SHA2_384_192 uint16 = 13
	AUTH_HMAC_SHA2_512_256 uint16 = 14
)

// Key exchange (Diffie-Hellman) group IDs.
const (
	KE_NONE         uint16 = 0
	KE_MODP1024     uint16 = 2
	KE_MODP1536     uint16 = 5
	KE_MODP2048     uint16 = 14
	KE_MODP3072     uint16 = 15
	KE_MODP4096     uint16 = 16
	KE_MODP6144     uint16 = 17
	KE_MODP8192     uint16 = 18
	KE_ECP256       uint16 = 19
	KE_ECP384       uint16 = 20
	KE_ECP521       uint16 = 21
	KE_MODP2048_256 uint16 = 24
	KE_ECP192       uint16 = 25
	KE_ECP224       uint16 = 26
	KE_ECP224_BP    uint16 = 27 // brainpoolP224r1 (RFC 6954)
	KE_ECP256_BP    uint16 = 28
	KE_ECP384_BP    uint16 = 29
	KE_ECP512_BP    uint16 = 30
	KE_CURVE25519   uint16 = 31
	KE_CURVE448     uint16 = 32
	KE_MLKEM512     uint16 = 35
	KE_MLKEM768     uint16 = 36
	KE_MLKEM1024    uint16 = 37
)

// ESN transform IDs.
const (
	ESN_NO  uint16 = 0
	ESN_YES uint16 = 1
)

// AttrKeyLength is the Key Length transform attribute type (TV format).
const AttrKeyLength uint16 = 14

// AuthMethod is the AUTH payload method (RFC 7296 3.8, RFC 4754, RFC 7427).
type AuthMethod uint8

// Authentication methods.
const (
	AuthRSASig     AuthMethod = 1
	AuthSharedKey  AuthMethod = 2
	AuthDSSSig     AuthMethod = 3
	AuthECDSA256   AuthMethod = 9
	AuthECDSA384   AuthMethod = 10
	AuthECDSA521   AuthMethod = 11
	AuthDigitalSig AuthMethod = 14
)

// IDType is the identification type of IDi/IDr (RFC 7296 3.5).
type IDType uint8

// Identification types.
const (
	IDIPv4   IDType = 1
	IDFQDN   IDType = 2
	IDRFC822 IDType = 3 // email address
	IDIPv6   IDType = 5
	IDDERDN  IDType = 9
	IDDERGN  IDType = 10
	IDKeyID  IDType = 11
)

// CertEncoding is the CERT/CERTREQ encoding (RFC 7296 3.6).
type CertEncoding uint8

// Certificate encodings.
const (
	CertX509Signature CertEncoding = 4
	CertX509HashURL   CertEncoding = 12
)

// HashAlgorithm is a SIGNATURE_HASH_ALGORITHMS value (RFC 7427).
type HashAlgorithm uint16

// Hash algorithms for SIGNATURE_HASH_ALGORITHMS.
const (
	HashSHA1     HashAlgorithm = 1
	HashSHA2_256 HashAlgorithm = 2
	HashSHA2_384 HashAlgorithm = 3
	HashSHA2_512 HashAlgorithm = 4
	HashIdentity HashAlgorithm = 5
)

// TSType is a traffic selector type (RFC 7296 3.13.1).
type TSType uint8

// Traffic selector types.
const (
	TSIPv4AddrRange TSType = 7
	TSIPv6AddrRange TSType = 8
)

// CPType is the configuration payload type (RFC 7296 3.15).
type CPType uint8

// Configuration payload types.
const (
	CFG_REQUEST CPType = 1
	CFG_REPLY   CPType = 2
	CFG_SET     CPType = 3
	CFG_ACK     CPType = 4
)
