package netns

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
)

// HalfOpenIKESA sends one IKE_SA_INIT request from h to gw:500 and never
// continues, leaving a half-open IKE SA on the responder until its
// half-open timeout. With strongSwan's "cookie_threshold = 1" (in
// Config.Settings) the next initiator is then asked for a COOKIE. The
// request offers AES-CBC-128, PRF/INTEG HMAC-SHA2-256 and Curve25519,
// which strongSwan's default proposals accept.
func HalfOpenIKESA(h *Host, gw netip.Addr) error {
	msg, err := ikeSAInitRequest()
	if err != nil {
		return err
	}
	var conn *net.UDPConn
	err = h.Do(func() error {
		var err error
		conn, err = net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(gw, 500)))
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: half-open IKE SA: %w", h.Name, err)
	}
	defer conn.Close()
	_, err = conn.Write(msg)
	return err
}

// ikeSAInitRequest lays out HDR, SA, KE, Ni (RFC 7296 1.2, 3.3-3.9).
func ikeSAInitRequest() ([]byte, error) {
	key, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	nonce, spi := make([]byte, 32), make([]byte, 8)
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	_, _ = rand.Read(spi)
	ke := append([]byte{0, 31, 0, 0}, key.PublicKey().Bytes()...) // group 31, reserved
	msg := append(spi, make([]byte, 8)...)                        // SPIi, SPIr = 0
	msg = append(msg, 33, 0x20, 34, 0x08, 0, 0, 0, 0, 0, 0, 0, 0) // SA next, v2.0, IKE_SA_INIT, I flag, MID 0, length
	msg = appendPayload(msg, 34, saProposal())
	msg = appendPayload(msg, 40, ke)
	msg = appendPayload(msg, 0, nonce)
	binary.BigEndian.PutUint32(msg[24:], uint32(len(msg)))
	return msg, nil
}

// saProposal is one IKE proposal with four transforms.
func saProposal() []byte {
	transforms := [][]byte{
		{1, 0, 12, 0x80, 0x0e, 0, 128}, // ENCR AES-CBC, key length 128
		{2, 0, 5},                      // PRF HMAC-SHA2-256
		{3, 0, 12},                     // INTEG HMAC-SHA2-256-128
		{4, 0, 31},                     // KE Curve25519
	}
	var body []byte
	for i, tr := range transforms {
		last := byte(3)
		if i == len(transforms)-1 {
			last = 0
		}
		n := 8 + len(tr) - 3 // header (8) + attributes
		t := []byte{last, 0, byte(n >> 8), byte(n), tr[0], 0, tr[1], tr[2]}
		body = append(body, append(t, tr[3:]...)...)
	}
	n := 8 + len(body)
	// Last proposal, number 1, protocol IKE, no SPI, 4 transforms.
	return append([]byte{0, 0, byte(n >> 8), byte(n), 1, 1, 0, 4}, body...)
}

// appendPayload adds a generic payload header (next, length) and body.
func appendPayload(msg []byte, next byte, body []byte) []byte {
	n := 4 + len(body)
	return append(append(msg, next, 0, byte(n>>8), byte(n)), body...)
}
