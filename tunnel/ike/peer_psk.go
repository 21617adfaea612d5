package ike

import (
	"fmt"

	"flexvpn/tunnel/ike/wire"
)

// choosePeerPSK asks Config.PSKFor for the keys of the peer that claims
// id, so that a gateway can hold a key per user or per site instead of
// one key every peer shares. It runs before the peer's AUTH is checked
// and before ours is computed; the SA's own copy of the config takes the
// keys, so other SAs are unaffected.
func (sa *SA) choosePeerPSK(id Identity) error {
	if sa.cfg.PSKFor == nil {
		return nil
	}
	pi := sa.peerInfo()
	pi.ID = id
	local, remote, err := sa.cfg.PSKFor(pi)
	if err == nil && local == nil && sa.cfg.localPSK() == nil && !sa.cfg.usesCert() {
		err = fmt.Errorf("no local key for this peer")
	}
	if err != nil {
		err = fmt.Errorf("%w: peer %s: %w", ErrAuthFailed, id, err)
		sa.log.Warn("no pre-shared key for peer", "peer", id, "reason", err)
		return &wire.NotifyError{Type: wire.AUTHENTICATION_FAILED, Msg: err.Error(), Err: err}
	}
	if local != nil {
		sa.cfg.LocalPSK = local
	}
	if remote != nil {
		sa.cfg.RemotePSK = remote
	}
	return nil
}
