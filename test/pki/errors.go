package pki

import "errors"

// ErrKeyType means an unknown KeyType was asked for.
var ErrKeyType = errors.New("pki: unknown key type")
