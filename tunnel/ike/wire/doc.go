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
// The SK (Encrypted) and SKF (Encrypted Fragment) payloads are carried
// opaque: the body (IV, ciphertext, ICV) is decrypted by tunnel/ike/crypto,
// and the plaintext inner payload chain is decoded with DecodePayloads.
package wire
