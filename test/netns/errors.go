package netns

import "errors"

// Sentinel errors returned by the harness.
var (
	// ErrTimeout means a polled condition did not become true in time.
	ErrTimeout = errors.New("netns: timed out")
	// ErrNoSA means strongSwan lists no IKE SA matching the query.
	ErrNoSA = errors.New("netns: no matching IKE SA")
	// ErrNotRunning means a background process has already exited.
	ErrNotRunning = errors.New("netns: process not running")
	// ErrNoKeys means no logged key set authenticates a message.
	ErrNoKeys = errors.New("netns: no IKE key set decrypts the message")
)
