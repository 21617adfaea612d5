package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// Load reports are single UDP datagrams between gateways of one cluster:
//
//	"FVLR" | version 1 | id length | id | seq (8) | unix nanoseconds (8) |
//	sessions (4) | capacity (4) | HMAC-SHA256 over everything before it (32)
//
// The HMAC with the cluster's shared secret authenticates the sender id;
// the sequence number defeats replays within a sender's lifetime and the
// timestamp defeats replays of old reports across restarts.

const (
	loadMagic      = "FVLR"
	loadVersion    = 1
	loadFixedLen   = len(loadMagic) + 2 + 8 + 8 + 4 + 4
	loadMACLen     = sha256.Size
	loadMaxIDLen   = 255
	loadMaxMsgSize = loadFixedLen + loadMaxIDLen + loadMACLen
)

// LoadReport is one gateway's load at one moment.
type LoadReport struct {
	ID       string // the sender, as its peers name it in [redirect] gateways
	Seq      uint64 // strictly increasing per sender
	Time     time.Time
	Sessions uint32
	Capacity uint32 // 0 = no limit
}

// AppendLoadReport appends the signed encoding of r to dst.
func AppendLoadReport(dst []byte, r LoadReport, secret []byte) ([]byte, error) {
	if r.ID == "" || len(r.ID) > loadMaxIDLen {
		return dst, fmt.Errorf("%w: sender id must be 1-%d bytes, not %d", ErrLoadReport, loadMaxIDLen, len(r.ID))
	}
	start := len(dst)
	dst = append(dst, loadMagic...)
	dst = append(dst, loadVersion, byte(len(r.ID)))
	dst = append(dst, r.ID...)
	dst = binary.BigEndian.AppendUint64(dst, r.Seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.Time.UnixNano()))
	dst = binary.BigEndian.AppendUint32(dst, r.Sessions)
	dst = binary.BigEndian.AppendUint32(dst, r.Capacity)
	return append(dst, loadMAC(secret, dst[start:])...), nil
}

// ParseLoadReport checks the HMAC of b and decodes it. It never panics;
// any malformed or unauthenticated input is an ErrLoadReport.
func ParseLoadReport(b, secret []byte) (LoadReport, error) {
	if len(b) < loadFixedLen+1+loadMACLen || string(b[:4]) != loadMagic {
		return LoadReport{}, fmt.Errorf("%w: not a load report", ErrLoadReport)
	}
	if b[4] != loadVersion {
		return LoadReport{}, fmt.Errorf("%w: version %d", ErrLoadReport, b[4])
	}
	idLen := int(b[5])
	if idLen == 0 || len(b) != loadFixedLen+idLen+loadMACLen {
		return LoadReport{}, fmt.Errorf("%w: length %d does not match id length %d", ErrLoadReport, len(b), idLen)
	}
	body, mac := b[:len(b)-loadMACLen], b[len(b)-loadMACLen:]
	if !hmac.Equal(mac, loadMAC(secret, body)) {
		return LoadReport{}, fmt.Errorf("%w: bad HMAC", ErrLoadReport)
	}
	p := body[6+idLen:]
	return LoadReport{
		ID:       string(body[6 : 6+idLen]),
		Seq:      binary.BigEndian.Uint64(p),
		Time:     time.Unix(0, int64(binary.BigEndian.Uint64(p[8:]))),
		Sessions: binary.BigEndian.Uint32(p[16:]),
		Capacity: binary.BigEndian.Uint32(p[20:]),
	}, nil
}

func loadMAC(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}
