package esp

import (
	"encoding/binary"
	"math"
	"sync/atomic"
)

// Outbound is a sending SA. Seal is safe for concurrent use.
type Outbound struct {
	sa
	seq     atomic.Uint64 // last sequence number used
	seqMax  uint64
	seqSoft uint64 // past this the engine is asked to rekey
	// seqDone makes the exhaustion event fire once. It is kept apart from
	// the hard lifetime so Seal keeps answering ErrSeqExhausted.
	seqDone atomic.Bool
}

// NewOutbound builds a sending SA from cfg.
func NewOutbound(cfg Config) (*Outbound, error) {
	o := &Outbound{seqMax: math.MaxUint32}
	if err := o.init(&cfg, true); err != nil {
		return nil, err
	}
	if cfg.ESN {
		o.seqMax = math.MaxUint64
	}
	o.seqSoft = o.seqMax - o.seqMax/16
	return o, nil
}

// Seal turns the inner packet buf[start:end] into an ESP packet in place:
// the ESP header and IV go into buf[start-Headroom():start], the trailer
// and ICV after end within cap(buf). nextHeader is NextHeaderIPv4 or
// NextHeaderIPv6 (tunnel mode). It returns the ESP packet's bounds in buf.
//
// Errors are the unwrapped sentinels ErrNoRoom, ErrSeqExhausted,
// ErrHardLifetime and ErrClosed; the buffer is then left untouched.
func (o *Outbound) Seal(buf []byte, start, end int, nextHeader byte) (pktStart, pktEnd int, err error) {
	if err := o.refusal(); err != nil {
		return 0, 0, err
	}
	n := end - start
	pad := padLen(n, o.tr.align())
	ctEnd := end + pad + trailerLen
	pktEnd = ctEnd + o.tr.icvLen()
	if start < o.hdr || n < 0 || pktEnd > cap(buf) {
		return 0, 0, o.ctr.drop(dropNoRoom)
	}
	seq, ok := o.nextSeq()
	if !ok {
		if o.seqDone.CompareAndSwap(false, true) {
			o.life.report(true, LimitSequence)
		}
		return 0, 0, o.ctr.drop(dropSeqExhausted)
	}
	if seq >= o.seqSoft {
		o.life.soft(LimitSequence)
	}
	if !o.life.charge(&o.ctr, n) {
		return 0, 0, o.ctr.drop(dropHardLifetime)
	}
	buf = buf[:pktEnd]
	writeTrailer(buf[end:ctEnd], nextHeader)
	pktStart = start - o.hdr
	pkt := buf[pktStart:]
	binary.BigEndian.PutUint32(pkt[0:4], o.spi)
	binary.BigEndian.PutUint32(pkt[4:8], uint32(seq))
	o.tr.seal(pkt, ctEnd-pktStart, seq)
	return pktStart, pktEnd, nil
}

// nextSeq reserves the next sequence number. It never wraps: once seqMax
// is used every later call fails (RFC 4303 3.3.3).
func (o *Outbound) nextSeq() (uint64, bool) {
	for {
		cur := o.seq.Load()
		if cur >= o.seqMax {
			return 0, false
		}
		if o.seq.CompareAndSwap(cur, cur+1) {
			return cur + 1, true
		}
	}
}

// Expired reports whether a hard lifetime was reached or the sequence
// numbers are used up: either way the SA can send nothing more.
func (o *Outbound) Expired() bool { return o.sa.Expired() || o.seq.Load() >= o.seqMax }

// LastSeq is the last sequence number used (0 before the first packet).
func (o *Outbound) LastSeq() uint64 { return o.seq.Load() }

// Headroom is the number of bytes Seal writes in front of the inner packet.
func (o *Outbound) Headroom() int { return o.hdr }

// Tailroom is the most bytes Seal writes after the inner packet.
func (o *Outbound) Tailroom() int { return o.tr.align() - 1 + trailerLen + o.tr.icvLen() }

// Overhead is the exact number of bytes ESP adds to an n-byte inner packet.
func (o *Outbound) Overhead(n int) int {
	return o.hdr + padLen(n, o.tr.align()) + trailerLen + o.tr.icvLen()
}

// PayloadMTU is the largest inner packet whose ESP packet fits in espMTU
// bytes (the path MTU minus outer IP and UDP headers), or 0 if none does.
func (o *Outbound) PayloadMTU(espMTU int) int {
	a := o.tr.align()
	n := (espMTU-o.hdr-o.tr.icvLen())/a*a - trailerLen
	return max(n, 0)
}

// writeTrailer fills t with the monotonic padding 1, 2, 3, ... (RFC 4303
// 2.4), the pad length and the next header.
func writeTrailer(t []byte, nextHeader byte) {
	pad := len(t) - trailerLen
	for i := range pad {
		t[i] = byte(i + 1)
	}
	t[pad] = byte(pad)
	t[pad+1] = nextHeader
}
