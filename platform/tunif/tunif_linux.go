package tunif

import (
	"fmt"

	"golang.zx2c4.com/wireguard/tun"
)

// create opens /dev/net/tun. It needs CAP_NET_ADMIN.
func create(name string, mtu int) (tun.Device, error) {
	dev, err := tun.CreateTUN(name, mtu)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrCreate, name, err)
	}
	return dev, nil
}
