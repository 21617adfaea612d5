//go:build !linux

package router

import "errors"

// New returns a Router that fails with errors.ErrUnsupported: this OS has
// no router implementation yet.
func New(run Runner) Router { return unsupported{} }

type unsupported struct{}

func (unsupported) Set(Config) error { return errors.ErrUnsupported }
func (unsupported) Close() error     { return nil }
