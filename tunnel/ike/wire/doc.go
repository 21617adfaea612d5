// Package wire encodes and decodes IKEv2 messages (RFC 7296) and the
// payloads flexvpn uses, including RFC 7383 encrypted fragments, typed
// Notify data and typed configuration (CP) attributes with the Cisco Unity
// extensions.
//
// Decoding is bounds-checked: any byte string either decodes or returns an
// error; it never panics and never allocates more than the input size
// suggests. Unknown non-critical payloads are kept as *Unknown so that a
// message re-encodes to the same bytes; an unknown payload with the critical
// bit set makes decoding fail with a *NotifyError carrying
// UNSUPPORTED_CRITICAL_PAYLOAD.
//
// Error rule: every decode failure is a *NotifyError (INVALID_SYNTAX unless
// INVALID_MAJOR_VERSION or UNSUPPORTED_CRITICAL_PAYLOAD applies) that wraps
// a sentinel from errors.go. Builders and typed accessors return plain
// errors wrapping the same sentinels.
//
// The SK (Encrypted) and SKF (Encrypted Fragment) payloads are carried
// opaque: the body (IV, ciphertext, ICV) is decrypted by tunnel/ike/crypto,
// and the plaintext inner payload chain is decoded with DecodePayloads.
//
// Files: header.go, message.go and chain.go hold the framing; one file per
// payload (sa.go, ke.go, id.go, cert.go, auth.go, nonce.go, notify.go,
// redirect.go, delete.go, vendor.go, ts.go, sk.go, skf.go, cp.go, eap.go,
// unknown.go) holds its RFC diagram and codec; cp_attr.go, cp_unity.go and
// cp_config.go are the typed CP layer; rules.go says which payloads each
// exchange allows; names.go and describe.go make logs readable.
package wire
