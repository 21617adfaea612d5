package netns

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeyLogLevels make charon log IKE keys (SK_e*, SK_a*); set them as
// Config.LogLevels on one peer to decrypt its exchanges with DecryptIKE.
// Only for tests: the log then holds secrets. It is shared: to add
// levels, set maps.Clone(KeyLogLevels) and change the copy.
var KeyLogLevels = map[string]int{"ike": 4}

// IKEKeys are the SK_d/ei/er/ai/ar of one IKE SA as charon logged them.
type IKEKeys struct {
	D, EI, ER, AI, AR []byte
}

// keyLine matches "Sk_ei secret => 16 bytes @ 0x..." in a charon log.
var keyLine = regexp.MustCompile(`Sk_(d|ei|er|ai|ar) secret => (\d+) bytes`)

// dumpLine matches a hex dump line "   0: A3 5B ..." following it.
var dumpLine = regexp.MustCompile(`\s\d+: ((?:[0-9A-F]{2} ){0,15}[0-9A-F]{2})`)

// ParseIKEKeys extracts every IKE key set, in log order, from a charon
// log written with KeyLogLevels. charon logs Sk_d, Sk_ai, Sk_ar, Sk_ei,
// Sk_er (then Sk_pi, Sk_pr) per derivation, so a set starts at Sk_d.
func ParseIKEKeys(log string) []IKEKeys {
	var sets []IKEKeys
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		m := keyLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		key := readDump(sc, n)
		if m[1] == "d" {
			sets = append(sets, IKEKeys{})
		}
		if len(sets) == 0 || len(key) != n {
			continue
		}
		k := &sets[len(sets)-1]
		switch m[1] {
		case "d":
			k.D = key
		case "ei":
			k.EI = key
		case "er":
			k.ER = key
		case "ai":
			k.AI = key
		case "ar":
			k.AR = key
		}
	}
	return sets
}

// readDump reads n bytes from the hex dump lines after a key line.
func readDump(sc *bufio.Scanner, n int) []byte {
	var out []byte
	for len(out) < n && sc.Scan() {
		m := dumpLine.FindStringSubmatch(sc.Text())
		if m == nil {
			break
		}
		// The ASCII column can look like hex; take only what is missing.
		fields := strings.Fields(m[1])
		for _, f := range fields[:min(len(fields), n-len(out))] {
			b, err := hex.DecodeString(f)
			if err != nil {
				return nil
			}
			out = append(out, b...)
		}
	}
	return out
}

// IKECipher says how SK payloads are protected, in strongSwan's names as
// ListSAs reports them (EncrAlg, EncrKeyLen, IntegAlg).
type IKECipher struct {
	Encr   string // AES_CBC, AES_GCM_16 or CHACHA20_POLY1305
	KeyLen int    // bits
	Integ  string // HMAC_SHA2_256_128 etc.; empty for AEAD
}

// Cipher returns the IKE SA's protection suite.
func (sa IKESA) Cipher() IKECipher {
	return IKECipher{Encr: sa.EncrAlg, KeyLen: sa.EncrKeyLen, Integ: sa.IntegAlg}
}

// Decrypted is the plaintext of one SK or SKF payload.
type Decrypted struct {
	// NextPayload is the SK/SKF header's next payload: the first inner
	// payload type (0 in SKF fragments after the first).
	NextPayload uint8
	// Fragment and Total are the RFC 7383 numbers (0 for SK).
	Fragment, Total uint16
	// Inner is the decrypted inner payload chain, padding removed.
	Inner []byte
}

// DecryptIKE authenticates and decrypts the SK or SKF payload of msg
// (an IKE message without non-ESP marker) with the first key set that
// verifies; the I flag selects the initiator's or responder's keys.
func DecryptIKE(msg []byte, c IKECipher, sets []IKEKeys) (Decrypted, error) {
	sk, err := findSK(msg)
	if err != nil {
		return Decrypted{}, err
	}
	fromInitiator := msg[19]&0x08 != 0
	for _, k := range sets {
		ek, ak := k.ER, k.AR
		if fromInitiator {
			ek, ak = k.EI, k.AI
		}
		if inner, err := sk.open(msg, c, ek, ak); err == nil {
			sk.d.Inner = inner
			return sk.d, nil
		}
	}
	return Decrypted{}, ErrNoKeys
}

// skPayload locates the protected part of a message.
type skPayload struct {
	d       Decrypted
	aadEnd  int // end of header + SK/SKF header (+ fragment numbers)
	payload int // end of the SK/SKF payload
}

// findSK walks the outer chain to the SK (46) or SKF (53) payload.
func findSK(msg []byte) (skPayload, error) {
	if len(msg) < 28 {
		return skPayload{}, fmt.Errorf("message of %d bytes", len(msg))
	}
	next, off := msg[16], 28
	for next != 0 {
		if off+4 > len(msg) {
			return skPayload{}, fmt.Errorf("payload header past the end at %d", off)
		}
		plen := int(binary.BigEndian.Uint16(msg[off+2:]))
		if plen < 4 || off+plen > len(msg) {
			return skPayload{}, fmt.Errorf("payload length %d at %d", plen, off)
		}
		switch next {
		case 46:
			return skPayload{d: Decrypted{NextPayload: msg[off]}, aadEnd: off + 4, payload: off + plen}, nil
		case 53:
			if plen < 8 {
				return skPayload{}, fmt.Errorf("SKF payload of %d bytes", plen)
			}
			d := Decrypted{NextPayload: msg[off], Fragment: binary.BigEndian.Uint16(msg[off+4:]),
				Total: binary.BigEndian.Uint16(msg[off+6:])}
			return skPayload{d: d, aadEnd: off + 8, payload: off + plen}, nil
		}
		next, off = msg[off], off+plen
	}
	return skPayload{}, errors.New("no SK or SKF payload")
}

// open verifies and decrypts; it returns the inner chain without padding.
func (sk skPayload) open(msg []byte, c IKECipher, ek, ak []byte) ([]byte, error) {
	body := msg[sk.aadEnd:sk.payload]
	var plain []byte
	var err error
	switch c.Encr {
	case "AES_GCM_16", "CHACHA20_POLY1305":
		plain, err = openAEAD(c.Encr, ek, msg[:sk.aadEnd], body)
	case "AES_CBC":
		plain, err = openCBC(ek, ak, c.Integ, msg[:sk.payload], body)
	default:
		return nil, fmt.Errorf("unsupported IKE cipher %s", c.Encr)
	}
	if err != nil {
		return nil, err
	}
	return unpad(plain)
}

// openAEAD: key || 4-byte salt, 8-byte IV, 16-byte ICV; the nonce is
// salt || IV (RFC 5282 for GCM, RFC 7634 for ChaCha20-Poly1305).
func openAEAD(alg string, key, aad, body []byte) ([]byte, error) {
	if len(key) < 4+16 || len(body) < 8+16 {
		return nil, errors.New("AEAD: short key or body")
	}
	aead, err := newAEAD(alg, key[:len(key)-4])
	if err != nil {
		return nil, err
	}
	nonce := append(append([]byte{}, key[len(key)-4:]...), body[:8]...)
	return aead.Open(nil, nonce, body[8:], aad)
}

func newAEAD(alg string, key []byte) (cipher.AEAD, error) {
	if alg == "CHACHA20_POLY1305" {
		return chacha20poly1305.New(key)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// openCBC: 16-byte IV, ciphertext, truncated HMAC over everything before it.
func openCBC(ek, ak []byte, integ string, signed, body []byte) ([]byte, error) {
	newHash, icvLen, err := integHash(integ)
	if err != nil {
		return nil, err
	}
	if len(body) < aes.BlockSize+icvLen || (len(body)-icvLen)%aes.BlockSize != 0 {
		return nil, errors.New("CBC: bad body length")
	}
	mac := hmac.New(newHash, ak)
	mac.Write(signed[:len(signed)-icvLen])
	if !hmac.Equal(mac.Sum(nil)[:icvLen], signed[len(signed)-icvLen:]) {
		return nil, errors.New("CBC: integrity check failed")
	}
	block, err := aes.NewCipher(ek)
	if err != nil {
		return nil, err
	}
	ct := body[aes.BlockSize : len(body)-icvLen]
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, body[:aes.BlockSize]).CryptBlocks(plain, ct)
	return plain, nil
}

func integHash(name string) (func() hash.Hash, int, error) {
	switch name {
	case "HMAC_SHA2_256_128":
		return sha256.New, 16, nil
	case "HMAC_SHA2_384_192":
		return sha512.New384, 24, nil
	case "HMAC_SHA2_512_256":
		return sha512.New, 32, nil
	case "HMAC_SHA1_96":
		return sha1.New, 12, nil
	}
	return nil, 0, fmt.Errorf("unsupported integrity %q", name)
}

// unpad strips the padding and the pad length byte (RFC 7296 3.14).
func unpad(p []byte) ([]byte, error) {
	if len(p) == 0 || int(p[len(p)-1])+1 > len(p) {
		return nil, errors.New("bad padding")
	}
	return p[:len(p)-1-int(p[len(p)-1])], nil
}

// InnerPayloadTypes walks a decrypted inner chain starting with type
// first and returns the payload types, or an error if the lengths do not
// add up to the chain.
func InnerPayloadTypes(first uint8, chain []byte) ([]uint8, error) {
	ps, err := WalkChain(first, chain)
	types := make([]uint8, len(ps))
	for i, p := range ps {
		types[i] = p.Type
	}
	return types, err
}
