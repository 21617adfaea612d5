package esp

import (
	"encoding/binary"
)

// Inbound is a receiving SA. Open is safe for concurrent use.
type Inbound struct {
	sa
	minLen  int // header, IV, smallest ciphertext and ICV
	ctAlign int // ciphertext length must be a multiple of this
	window  *replayWindow
}

// NewInbound builds a receiving SA from cfg.
func NewInbound(cfg Config) (*Inbound, error) {
	w, err := cfg.replayWindow()
	if err != nil {
		return nil, err
	}
	in := &Inbound{window: newReplayWindow(w), ctAlign: 1}
	if err := in.init(&cfg, false); err != nil {
		return nil, err
	}
	minCT := trailerLen
	if _, ok := in.tr.(*cbcTransform); ok {
		// A block cipher can only produce whole blocks; AEAD ciphertext
		// alignment is the sender's business and covered by the tag.
		minCT, in.ctAlign = in.tr.align(), in.tr.align()
	}
	in.minLen = in.hdr + minCT + in.tr.icvLen()
	return in, nil
}

// HighestSeq is the highest sequence number accepted so far (0 before the
// first packet); with ESN it includes the inferred high half.
func (in *Inbound) HighestSeq() uint64 {
	in.window.mu.Lock()
	defer in.window.mu.Unlock()
	return in.window.top
}

// ReplayWindow is the anti-replay window size in packets.
func (in *Inbound) ReplayWindow() int { return int(in.window.size) }

// Open authenticates and decrypts the ESP packet pkt (starting at the SPI)
// in place and returns the inner packet, a sub-slice of pkt, and the next
// header. A next header of NextHeaderNone marks a dummy packet to discard.
//
// The replay window is checked before authentication and updated only
// after it succeeds. Errors are the unwrapped sentinels ErrMalformed,
// ErrReplay, ErrAuth, ErrPadding, ErrHardLifetime and ErrClosed; each
// except ErrClosed is counted in Stats.
func (in *Inbound) Open(pkt []byte) (payload []byte, nextHeader byte, err error) {
	if err := in.refusal(); err != nil {
		return nil, 0, err
	}
	icv := in.tr.icvLen()
	if len(pkt) < in.minLen || (len(pkt)-in.hdr-icv)%in.ctAlign != 0 ||
		binary.BigEndian.Uint32(pkt) != in.spi {
		return nil, 0, in.ctr.drop(dropMalformed)
	}
	seq, ok := in.checkSeq(binary.BigEndian.Uint32(pkt[4:8]))
	if !ok {
		return nil, 0, in.ctr.drop(dropReplay)
	}
	if in.tr.open(pkt, seq) != nil {
		return nil, 0, in.ctr.drop(dropAuth)
	}
	if !in.window.update(seq) {
		return nil, 0, in.ctr.drop(dropReplay)
	}
	payload, nextHeader, ok = parseTrailer(pkt[in.hdr : len(pkt)-icv])
	if !ok {
		return nil, 0, in.ctr.drop(dropPadding)
	}
	if !in.life.charge(&in.ctr, len(payload)) {
		return nil, 0, in.ctr.drop(dropHardLifetime)
	}
	return payload, nextHeader, nil
}

func (in *Inbound) checkSeq(lo uint32) (uint64, bool) {
	if in.esn {
		return in.window.checkESN(lo)
	}
	return uint64(lo), in.window.check(uint64(lo))
}

// parseTrailer splits decrypted ESP data into payload and next header and
// checks the monotonic padding (RFC 4303 2.4).
func parseTrailer(pt []byte) (payload []byte, nextHeader byte, ok bool) {
	n := len(pt)
	if n < trailerLen {
		return nil, 0, false
	}
	pad := int(pt[n-2])
	end := n - trailerLen - pad
	if end < 0 {
		return nil, 0, false
	}
	for i, b := range pt[end : n-trailerLen] {
		if b != byte(i+1) {
			return nil, 0, false
		}
	}
	return pt[:end], pt[n-1], true
}

// PeekSPI returns the SPI of an ESP packet received on UDP 4500 so the
// caller can find the SA. It returns false for packets too short to be ESP
// and for SPI 0, the non-ESP marker that prefixes IKE messages (RFC 3948).
func PeekSPI(pkt []byte) (uint32, bool) {
	if len(pkt) < espHeaderLen {
		return 0, false
	}
	spi := binary.BigEndian.Uint32(pkt)
	return spi, spi != 0
}
