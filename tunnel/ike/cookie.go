package ike

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"sync"
	"time"
)

// cookieJar makes stateless COOKIEs (RFC 7296 2.6):
//
//	Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)
//
// The secret rotates every cookieLifetime; cookies made with the previous
// secret stay valid so that an initiator retrying across a rotation is
// not refused.
type cookieJar struct {
	mu       sync.Mutex
	version  uint8
	secret   [32]byte
	prev     [32]byte
	rotated  time.Time
	lifetime time.Duration
}

const cookieLifetime = 2 * time.Minute

func newCookieJar() *cookieJar {
	j := &cookieJar{lifetime: cookieLifetime}
	j.rotate(time.Now())
	return j
}

func (j *cookieJar) rotate(now time.Time) {
	j.prev = j.secret
	if _, err := rand.Read(j.secret[:]); err != nil {
		panic("ike: no randomness for cookie secret: " + err.Error())
	}
	j.version++
	j.rotated = now
}

// make returns the cookie for this initiator.
func (j *cookieJar) make(ni []byte, ip netip.Addr, spii uint64) []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	if now := time.Now(); now.Sub(j.rotated) > j.lifetime {
		j.rotate(now)
	}
	return cookieFor(j.version, &j.secret, ni, ip, spii)
}

// check reports whether c is a cookie we made for this initiator with the
// current or previous secret.
func (j *cookieJar) check(c, ni []byte, ip netip.Addr, spii uint64) bool {
	if len(c) != 1+sha256.Size {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch c[0] {
	case j.version:
		return hmac.Equal(c, cookieFor(j.version, &j.secret, ni, ip, spii))
	case j.version - 1:
		return hmac.Equal(c, cookieFor(j.version-1, &j.prev, ni, ip, spii))
	}
	return false
}

func cookieFor(version uint8, secret *[32]byte, ni []byte, ip netip.Addr, spii uint64) []byte {
	h := hmac.New(sha256.New, secret[:])
	h.Write(ni)
	b, _ := ip.Unmap().MarshalBinary()
	h.Write(b)
	h.Write(binary.BigEndian.AppendUint64(nil, spii))
	return h.Sum([]byte{version})
}
