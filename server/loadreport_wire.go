package server

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// Load reports are single UDP datagrams between gateways of one cluster:
//
//	"FVLR" | version 2 | id length | id | epoch (8) | seq (8) |
//	sessions (4) | capacity (4) | Ed25519 signature over everything before it (64)
//
// Each gateway signs with its own private key, and a receiver checks the
// signature with the public key it has configured for the id the report
// names, so no gateway can speak for another. Epoch is the sender's start
// time (unix ns) and seq counts its reports since then; a receiver takes
// only a pair above the last one it accepted from that id, which defeats
// replays without the gateways' clocks having to agree. Version 1 was an
// HMAC under a secret the whole cluster shared, with a timestamp.

const (
	loadMagic      = "FVLR"
	loadVersion    = 2
	loadVersionMAC = 1 // the shared-secret reports version 2 replaced
	loadHeaderLen  = len(loadMagic) + 2
	loadFixedLen   = loadHeaderLen + 8 + 8 + 4 + 4
	loadSigLen     = ed25519.SignatureSize
	loadMaxIDLen   = 255
	loadMaxMsgSize = loadFixedLen + loadMaxIDLen + loadSigLen
)

// LoadReport is one gateway's load at one moment.
type LoadReport struct {
	ID       string // the sender, as its peers name it in [redirect] gateways
	Epoch    uint64 // the sender's start time, unix ns: larger after a restart
	Seq      uint64 // strictly increasing within an epoch
	Sessions uint32
	Capacity uint32 // 0 = no limit
}

// after reports whether r's (epoch, seq) pair is strictly above prev's.
func (r LoadReport) after(prev LoadReport) bool {
	return r.Epoch > prev.Epoch || r.Epoch == prev.Epoch && r.Seq > prev.Seq
}

// AppendLoadReport appends r, signed with key, to dst.
func AppendLoadReport(dst []byte, r LoadReport, key ed25519.PrivateKey) ([]byte, error) {
	if r.ID == "" || len(r.ID) > loadMaxIDLen {
		return dst, fmt.Errorf("%w: sender id must be 1-%d bytes, not %d", ErrLoadReport, loadMaxIDLen, len(r.ID))
	}
	if len(key) != ed25519.PrivateKeySize {
		return dst, fmt.Errorf("%w: signing key is %d bytes, not an Ed25519 private key", ErrLoadReport, len(key))
	}
	start := len(dst)
	dst = append(dst, loadMagic...)
	dst = append(dst, loadVersion, byte(len(r.ID)))
	dst = append(dst, r.ID...)
	dst = binary.BigEndian.AppendUint64(dst, r.Epoch)
	dst = binary.BigEndian.AppendUint64(dst, r.Seq)
	dst = binary.BigEndian.AppendUint32(dst, r.Sessions)
	dst = binary.BigEndian.AppendUint32(dst, r.Capacity)
	return append(dst, ed25519.Sign(key, dst[start:])...), nil
}

// ParseLoadReport decodes b and checks its signature with the key peers
// holds for the id it names. It never panics; what it rejects is a
// *LoadReportError saying why (and matching ErrLoadReport).
func ParseLoadReport(b []byte, peers map[string]ed25519.PublicKey) (LoadReport, error) {
	if len(b) < loadHeaderLen || string(b[:len(loadMagic)]) != loadMagic {
		return LoadReport{}, rejectLoad(LoadMalformed, "", "not a load report")
	}
	switch v := b[4]; v {
	case loadVersion:
	case loadVersionMAC:
		return LoadReport{}, rejectLoad(LoadOldVersion, "", "version 1 (shared-secret) report")
	default:
		return LoadReport{}, rejectLoad(LoadMalformed, "", fmt.Sprintf("unknown version %d", v))
	}
	idLen := int(b[5])
	if idLen == 0 || len(b) != loadFixedLen+idLen+loadSigLen {
		return LoadReport{}, rejectLoad(LoadMalformed, "", fmt.Sprintf("length %d does not match id length %d", len(b), idLen))
	}
	body, sig := b[:len(b)-loadSigLen], b[len(b)-loadSigLen:]
	idBytes := body[loadHeaderLen : loadHeaderLen+idLen]
	pub, ok := peers[string(idBytes)] // no allocation for the lookup
	if !ok {
		return LoadReport{}, rejectLoad(LoadUnknownSender, string(idBytes), "no public key configured for this id")
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, body, sig) {
		return LoadReport{}, rejectLoad(LoadBadSignature, string(idBytes), "signature does not verify with its configured key")
	}
	p := body[loadHeaderLen+idLen:]
	return LoadReport{
		ID:       string(idBytes),
		Epoch:    binary.BigEndian.Uint64(p),
		Seq:      binary.BigEndian.Uint64(p[8:]),
		Sessions: binary.BigEndian.Uint32(p[16:]),
		Capacity: binary.BigEndian.Uint32(p[20:]),
	}, nil
}
