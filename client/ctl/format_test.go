package ctl

import (
	"math"
	"testing"
)

// TestFormatBytes: exact counts below a KiB, one decimal above, the unit
// growing with the count up to the largest a uint64 holds.
func TestFormatBytes(t *testing.T) {
	for n, want := range map[uint64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 3 << 20: "3.0 MiB",
		5 << 20: "5.0 MiB", 3 << 40: "3.0 TiB", 5 << 40: "5.0 TiB", 2 << 50: "2.0 PiB",
		math.MaxUint64: "16.0 EiB",
	} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
