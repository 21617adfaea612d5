package esp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"sync"

	"flexvpn/tunnel/ike/wire"
)

// cbcTransform is AES-CBC (RFC 3602) with a truncated HMAC (RFC 4868,
// RFC 2404), encrypt-then-MAC: the ICV covers header, IV and ciphertext
// (plus the high sequence bits with ESN, RFC 4303 2.2.1) and is verified
// before anything is decrypted.
type cbcTransform struct {
	label string
	block cipher.Block
	// ivGen encrypts (SPI, sequence number) under a random per-SA key: the
	// IVs are unique and unpredictable without a getrandom call per packet.
	ivGen   cipher.Block
	newHash func() hash.Hash
	macKey  []byte
	icv     int
	esn     bool
	workers sync.Pool // *cbcWorker
}

// ivSetter is implemented by the standard library's CBC modes; reusing one
// mode per worker with a new IV avoids cipher.NewCBC* on every packet.
type ivSetter interface {
	cipher.BlockMode
	SetIV([]byte)
}

// cbcWorker is per-goroutine state: CBC modes and HMAC are not safe for
// concurrent use, so each packet borrows one from the pool.
type cbcWorker struct {
	enc, dec ivSetter
	mac      hash.Hash
	sum      [64]byte
	ivIn     [aes.BlockSize]byte
	seqHi    [4]byte
}

// integSpec maps an AUTH_* ID to its hash, key length and ICV length.
func integSpec(id uint16) (func() hash.Hash, int, int, error) {
	switch id {
	case wire.AUTH_HMAC_SHA1_96:
		return sha1.New, 20, 12, nil
	case wire.AUTH_HMAC_SHA2_256_128:
		return sha256.New, 32, 16, nil
	case wire.AUTH_HMAC_SHA2_384_192:
		return sha512.New384, 48, 24, nil
	case wire.AUTH_HMAC_SHA2_512_256:
		return sha512.New, 64, 32, nil
	}
	return nil, 0, 0, fmt.Errorf("%w: integrity transform %d", ErrUnsupported, id)
}

// integNames are the strongSwan proposal keywords of the integrity IDs.
var integNames = map[uint16]string{
	wire.AUTH_HMAC_SHA1_96: "sha1", wire.AUTH_HMAC_SHA2_256_128: "sha256",
	wire.AUTH_HMAC_SHA2_384_192: "sha384", wire.AUTH_HMAC_SHA2_512_256: "sha512",
}

func newCBCTransform(cfg *Config, sealer bool) (*cbcTransform, error) {
	if err := keyBits(cfg, len(cfg.EncrKey), 128, 256); err != nil {
		return nil, err
	}
	newHash, keyLen, icv, err := integSpec(cfg.Integ)
	if err != nil {
		return nil, err
	}
	if len(cfg.IntegKey) != keyLen {
		return nil, fmt.Errorf("%w: integrity key of %d bytes, want %d", ErrConfig, len(cfg.IntegKey), keyLen)
	}
	block, err := aes.NewCipher(cfg.EncrKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	t := &cbcTransform{block: block, newHash: newHash, icv: icv, esn: cfg.ESN,
		macKey: append([]byte(nil), cfg.IntegKey...),
		label:  fmt.Sprintf("aes%d-%s", len(cfg.EncrKey)*8, integNames[cfg.Integ])}
	if sealer {
		if t.ivGen, err = newIVGenerator(); err != nil {
			return nil, err
		}
	}
	w, err := t.newWorker()
	if err != nil {
		return nil, err
	}
	t.workers.Put(w)
	t.workers.New = func() any { w, _ := t.newWorker(); return w }
	return t, nil
}

func newIVGenerator() (cipher.Block, error) {
	var key [16]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, fmt.Errorf("esp: iv key: %w", err)
	}
	return aes.NewCipher(key[:])
}

// newWorker fails only if the standard library stops offering SetIV; the
// constructor calls it once so that failure surfaces as an error there.
func (t *cbcTransform) newWorker() (*cbcWorker, error) {
	var zero [aes.BlockSize]byte
	enc, ok1 := cipher.NewCBCEncrypter(t.block, zero[:]).(ivSetter)
	dec, ok2 := cipher.NewCBCDecrypter(t.block, zero[:]).(ivSetter)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: CBC mode without SetIV", ErrUnsupported)
	}
	return &cbcWorker{enc: enc, dec: dec, mac: hmac.New(t.newHash, t.macKey)}, nil
}

func (t *cbcTransform) name() string { return t.label }
func (t *cbcTransform) ivLen() int   { return cbcIVLen }
func (t *cbcTransform) align() int   { return aes.BlockSize }
func (t *cbcTransform) icvLen() int  { return t.icv }

// mac computes the full HMAC of pkt[:end] (and the ESN high bits) into w.sum.
func (t *cbcTransform) mac(w *cbcWorker, pkt []byte, end int, seq uint64) []byte {
	w.mac.Reset()
	w.mac.Write(pkt[:end])
	if t.esn {
		binary.BigEndian.PutUint32(w.seqHi[:], uint32(seq>>32))
		w.mac.Write(w.seqHi[:])
	}
	return w.mac.Sum(w.sum[:0])
}

func (t *cbcTransform) seal(pkt []byte, ctEnd int, seq uint64) {
	const hdr = espHeaderLen + cbcIVLen
	w := t.workers.Get().(*cbcWorker)
	copy(w.ivIn[:4], pkt[:4])
	binary.BigEndian.PutUint64(w.ivIn[8:], seq)
	iv := pkt[espHeaderLen:hdr]
	t.ivGen.Encrypt(iv, w.ivIn[:])
	w.enc.SetIV(iv)
	w.enc.CryptBlocks(pkt[hdr:ctEnd], pkt[hdr:ctEnd])
	sum := t.mac(w, pkt, ctEnd, seq)
	copy(pkt[ctEnd:ctEnd+t.icv], sum)
	t.workers.Put(w)
}

func (t *cbcTransform) open(pkt []byte, seq uint64) error {
	const hdr = espHeaderLen + cbcIVLen
	ctEnd := len(pkt) - t.icv
	w := t.workers.Get().(*cbcWorker)
	defer t.workers.Put(w)
	sum := t.mac(w, pkt, ctEnd, seq)
	if subtle.ConstantTimeCompare(sum[:t.icv], pkt[ctEnd:]) != 1 {
		return ErrAuth
	}
	w.dec.SetIV(pkt[espHeaderLen:hdr])
	w.dec.CryptBlocks(pkt[hdr:ctEnd], pkt[hdr:ctEnd])
	return nil
}
