package ctl

import "fmt"

// FormatBytes renders a byte count of Status (BytesIn, BytesOut) with a
// binary unit, e.g. "1023 B", "1.5 KiB", "3.0 TiB": the CLI and the GUI
// show traffic the same way.
func FormatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
