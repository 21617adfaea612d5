//go:build !linux

package service

import "errors"

// send: only systemd's notify protocol is implemented.
func send(addr string, msg []byte) error { return errors.ErrUnsupported }
