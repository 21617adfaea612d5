// Package tunif creates the TUN device the data plane reads inner packets
// from and writes them to. It wraps golang.zx2c4.com/wireguard/tun so the rest
// of flexvpn depends only on the tun.Device interface; addresses and routes
// on the interface are platform/router's job, not this package's.
//
// A channel-backed fake for tests lives in the sibling package tunfake.
package tunif

import "golang.zx2c4.com/wireguard/tun"

// DefaultMTU is used when Create is given a non-positive MTU. It is the inner
// MTU of an ESP-in-UDP tunnel with AES-CBC and HMAC-SHA-256 over a
// 1500-byte IPv4 path; datapath.Device.InnerMTU gives the exact figure.
const DefaultMTU = 1422

// Create makes a TUN interface called name with the given MTU. The returned
// device is up as far as the TUN layer is concerned; on Linux it negotiates
// virtio-net headers, so BatchSize may exceed 1 and reads may return several
// GSO-split segments at once.
func Create(name string, mtu int) (tun.Device, error) {
	if mtu <= 0 {
		mtu = DefaultMTU
	}
	return create(name, mtu)
}
