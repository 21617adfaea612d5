// Package esp implements IPsec ESP security associations (RFC 4303) in
// userspace: sealing and opening packets in place, extended sequence numbers,
// the RFC 6479 anti-replay window, padding, and soft/hard lifetimes.
//
// An SA is one direction of a Child SA. The IKE engine builds an [Outbound]
// and an [Inbound] from a [Config] holding the negotiated transform IDs and
// keys; the datapath then calls [Outbound.Seal] and [Inbound.Open] per packet.
// Both are safe for concurrent use and do not allocate.
//
// Buffer layout for Seal: the caller keeps [MaxHeadroom] bytes free in front
// of the inner packet and [MaxTailroom] bytes of capacity after it, so the ESP
// header, IV, trailer and ICV are written around the packet without copying:
//
//	buf: | headroom | inner packet | tailroom |
//	          ↓ Seal
//	     | SPI seq IV | ciphertext (packet + pad + padlen + nh) | ICV |
//
// Open works in this order, so that cheap checks come first and nothing an
// attacker sends can move the replay window:
//
//  1. length, block alignment and SPI, else ErrMalformed
//  2. replay check (ESN high half inferred), else ErrReplay
//  3. ICV (CBC: before decrypting; AEAD: with), else ErrAuth
//  4. replay window update, else ErrReplay on a race
//  5. padding and next header, else ErrPadding
//  6. lifetime charge, else ErrHardLifetime
//
// Lifetimes: each SA counts inner bytes and packets; [Config.OnLifetime]
// hears once when a soft limit is reached (rekey now) and once when a hard
// one is (the SA refuses all traffic). Outbound SAs add an implicit soft
// limit at 15/16 of the sequence space and a hard one when it runs out.
// For a make-before-break rekey, install the new Inbound, switch traffic to
// the new Outbound, then [Inbound.Close] the old one after a grace period.
//
// Supported transforms: AES-GCM-16 with 128/256-bit keys (RFC 4106),
// ChaCha20-Poly1305 (RFC 7634), and AES-CBC 128/256 (RFC 3602) with
// HMAC-SHA-256-128, HMAC-SHA-384-192, HMAC-SHA-512-256 (RFC 4868) or
// HMAC-SHA1-96 (RFC 2404).
package esp
