package esp

// IKEv2 transform IDs (IANA "IKEv2 Parameters", RFC 7296 3.3.2). They equal
// the ENCR_* and AUTH_* constants in tunnel/ike/wire; they are repeated
// here (they are fixed by IANA) so the data plane does not stop building
// whenever the IKE codec is mid-change.
const (
	encrAESCBC           uint16 = 12
	encrAESGCM16         uint16 = 20
	encrChaCha20Poly1305 uint16 = 28

	authNone          uint16 = 0
	authHMACSHA1_96   uint16 = 2
	authHMACSHA256128 uint16 = 12
	authHMACSHA384192 uint16 = 13
	authHMACSHA512256 uint16 = 14
)
