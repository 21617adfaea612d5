package netns

import (
	"fmt"
	"testing"
	"time"
)

// Poll calls f until it returns nil or timeout passes, backing off from
// 10 ms to 250 ms between tries. It returns ErrTimeout wrapping f's last
// error.
func Poll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	delay := 10 * time.Millisecond
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %v: %w", ErrTimeout, timeout, err)
		}
		time.Sleep(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
}

// WaitFor is Poll that fails the test with f's last error on timeout.
func WaitFor(t testing.TB, timeout time.Duration, f func() error) {
	t.Helper()
	if err := Poll(timeout, f); err != nil {
		t.Fatal(err)
	}
}
