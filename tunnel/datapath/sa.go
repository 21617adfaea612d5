package datapath

// Sealer is the outbound half of a Child SA as the pump needs it;
// *esp.Outbound satisfies it. Seal encrypts buf[start:end] in place, writing
// the ESP header into the headroom before start and the trailer and ICV
// after end, and returns where the finished ESP packet lies in buf. It must
// be safe for concurrent use and must not allocate.
type Sealer interface {
	Seal(buf []byte, start, end int, nextHeader byte) (pktStart, pktEnd int, err error)
}

// Opener is the inbound half of a Child SA; *esp.Inbound satisfies it. Open
// authenticates, replay-checks and decrypts an ESP packet in place and
// returns the inner payload as a sub-slice of pkt.
type Opener interface {
	Open(pkt []byte) (payload []byte, nextHeader byte, err error)
}

// ESP next-header values the pump produces and accepts (IANA protocol
// numbers): tunnel mode carries whole IP packets.
const (
	nextHeaderIPv4   = 4  // IP-in-IP
	nextHeaderIPv6   = 41 // IPv6
	nextHeaderNoNext = 59 // RFC 4303 2.6 dummy packet (TFC), to be discarded
)
