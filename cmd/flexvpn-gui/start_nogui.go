//go:build !gui

package main

import (
	"errors"
	"log/slog"
)

// errNoToolkit is what a build without the `gui` tag says instead of
// opening a window.
var errNoToolkit = errors.New("built without the GUI toolkit; build it with `make gui` (needs cgo and the GL/X11 development headers)")

func start(string, bool, *slog.Logger) error { return errNoToolkit }
