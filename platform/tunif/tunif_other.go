//go:build !linux && !darwin && !windows

package tunif

import (
	"errors"
	"fmt"

	"golang.zx2c4.com/wireguard/tun"
)

// create is not implemented on this OS: flexvpn ships for Linux, macOS and
// Windows only.
func create(name string, _ int) (tun.Device, error) {
	return nil, fmt.Errorf("%w %q: %w", ErrCreate, name, errors.ErrUnsupported)
}
