package datapath

// Overhead describes what an ESP transform adds around an inner packet.
type Overhead struct {
	IVLen     int // explicit IV carried after the sequence number
	BlockSize int // the padded plaintext is a multiple of this (at least 4)
	ICVLen    int // integrity check value after the trailer
}

// Overheads of the transforms tunnel/esp implements.
var (
	OverheadAESGCM       = Overhead{IVLen: 8, BlockSize: 4, ICVLen: 16}   // RFC 4106, ICV 16
	OverheadChaCha20     = Overhead{IVLen: 8, BlockSize: 4, ICVLen: 16}   // RFC 7634
	OverheadAESCBCSHA1   = Overhead{IVLen: 16, BlockSize: 16, ICVLen: 12} // HMAC-SHA1-96
	OverheadAESCBCSHA256 = Overhead{IVLen: 16, BlockSize: 16, ICVLen: 16} // HMAC-SHA-256-128
	OverheadAESCBCSHA384 = Overhead{IVLen: 16, BlockSize: 16, ICVLen: 24} // HMAC-SHA-384-192
	OverheadAESCBCSHA512 = Overhead{IVLen: 16, BlockSize: 16, ICVLen: 32} // HMAC-SHA-512-256
	// overheadWorstCase sizes the default inner MTU before the cipher is known.
	overheadWorstCase = OverheadAESCBCSHA512
)

const (
	defaultPathMTU  = 1500
	espHeaderLen    = 8 // SPI + sequence number
	udpHeaderLen    = 8
	espTrailerFixed = 2 // pad length + next header
	ipv4HeaderLen   = 20
	ipv6HeaderLen   = 40
	tcpHeaderLen    = 20
)

// InnerMTU is the largest inner IP packet that, once sealed with a
// transform of overhead o and carried in UDP over an outer IPv4 (or IPv6)
// path of pathMTU bytes, still fits the path without fragmentation. Set the
// TUN MTU to it. Non-positive pathMTU means 1500.
func InnerMTU(pathMTU int, outerIPv6 bool, o Overhead) int {
	if pathMTU <= 0 {
		pathMTU = defaultPathMTU
	}
	room := pathMTU - outerHeaderLen(outerIPv6) - udpHeaderLen - espHeaderLen - o.IVLen - o.ICVLen
	block := max(o.BlockSize, 4) // RFC 4303 2.4: the trailer ends 4-byte aligned
	mtu := room/block*block - espTrailerFixed
	return max(mtu, 0)
}

// maxMSS is the TCP MSS that fits an inner MTU for the packet's IP version.
func maxMSS(innerMTU int, ipv6 bool) int {
	if ipv6 {
		return innerMTU - ipv6HeaderLen - tcpHeaderLen
	}
	return innerMTU - ipv4HeaderLen - tcpHeaderLen
}

// payloadMTUer is implemented by *esp.Outbound: the exact largest inner
// packet that fits espMTU bytes of ESP.
type payloadMTUer interface {
	PayloadMTU(espMTU int) int
}

// InnerMTU is the largest inner packet every installed outbound SA can
// carry over the configured path MTU without fragmenting the outer packet.
// Before any SA is installed it assumes the costliest transform. Use it for
// the TUN MTU; the pump clamps TCP MSS to it.
func (d *Device) InnerMTU() int { return int(d.innerMTU.Load()) }

func (d *Device) pathMTU() int {
	if d.cfg.PathMTU > 0 {
		return d.cfg.PathMTU
	}
	return defaultPathMTU
}

// defaultInnerMTU assumes the costliest transform and, when any socket
// is IPv6, an IPv6 outer header.
func (d *Device) defaultInnerMTU() int {
	return InnerMTU(d.pathMTU(), d.anyV6(), overheadWorstCase)
}

// routeMTU is the largest inner packet sa carries over the configured
// path from NAT-T socket sock, whose family sets the outer header.
func (d *Device) routeMTU(sa Sealer, sock int) int {
	v6 := d.natt[sock].v6
	if p, ok := sa.(payloadMTUer); ok {
		return p.PayloadMTU(d.pathMTU() - outerHeaderLen(v6) - udpHeaderLen)
	}
	return InnerMTU(d.pathMTU(), v6, overheadWorstCase)
}

func outerHeaderLen(v6 bool) int {
	if v6 {
		return ipv6HeaderLen
	}
	return ipv4HeaderLen
}
