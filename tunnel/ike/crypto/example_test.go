package crypto_test

import (
	"crypto/rand"
	"fmt"

	ikecrypto "flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// An IKE SA from both ends, as the engine drives this package: key
// exchange, key derivation, PSK authentication and SK protection.
func Example() {
	suite := ikecrypto.Suite{Encr: wire.ENCR_AES_GCM_16, EncrKeyBits: 256, PRF: wire.PRF_HMAC_SHA2_256, KE: wire.KE_CURVE25519}

	// IKE_SA_INIT: each side sends its KE value and nonce.
	keI, _ := ikecrypto.NewKeyExchange(suite.KE, rand.Reader)
	keR, _ := ikecrypto.NewKeyExchange(suite.KE, rand.Reader)
	ni, nr := []byte("initiator nonce, 32 bytes long.."), []byte("responder nonce, 32 bytes long..")
	girI, _ := keI.Shared(keR.Public())
	girR, _ := keR.Shared(keI.Public())
	const spii, spir = 0x1111111111111111, 0x2222222222222222

	keysI, _ := ikecrypto.DeriveIKEKeys(suite, ni, nr, girI, spii, spir)
	keysR, _ := ikecrypto.DeriveIKEKeys(suite, ni, nr, girR, spii, spir)
	outI, _, _ := keysI.Ciphers(suite, true)
	_, inR, _ := keysR.Ciphers(suite, false)

	// IKE_AUTH: the initiator's AUTH covers its IKE_SA_INIT request, the
	// responder's nonce and its own ID.
	prf, _ := ikecrypto.NewPRF(suite.PRF)
	psk := []byte("pre-shared key")
	initReq := []byte("the IKE_SA_INIT request as sent")
	idI := []byte{byte(wire.IDFQDN), 0, 0, 0, 'c', 'l', 'i', 'e', 'n', 't'}
	auth := ikecrypto.SharedKeyAuth(prf, psk, ikecrypto.SignedOctets(prf, keysI.SKpi, initReq, nr, idI))

	inner := []byte("IDi | AUTH | SA | TSi | TSr")
	aad := []byte("IKE header | SK header") // written with lengths from BodyLen
	body, _ := outI.Seal(nil, aad, inner, rand.Reader)
	fmt.Println(len(body) == outI.BodyLen(len(inner)))

	plain, err := inR.Open(aad, body)
	fmt.Println(string(plain), err)
	err = ikecrypto.VerifySharedKey(prf, psk, ikecrypto.SignedOctets(prf, keysR.SKpi, initReq, nr, idI), auth)
	fmt.Println("AUTH:", err)
	// Output:
	// true
	// IDi | AUTH | SA | TSi | TSr <nil>
	// AUTH: <nil>
}
