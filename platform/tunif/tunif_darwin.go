package tunif

import (
	"fmt"

	"golang.zx2c4.com/wireguard/tun"
)

// create opens a utun device; macOS picks the number when name is "utun".
func create(name string, mtu int) (tun.Device, error) {
	dev, err := tun.CreateTUN(name, mtu)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrCreate, name, err)
	}
	return dev, nil
}
