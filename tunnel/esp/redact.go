package esp

import (
	"fmt"
	"log/slog"
)

// String describes c without its keys, so that logging a Config with %v,
// %+v or %s never leaks key material (STYLE.md habit 7).
func (c Config) String() string {
	return fmt.Sprintf("esp.Config{SPI:%#08x Encr:%d/%d Integ:%d ESN:%v ReplayWindow:%d Lifetime:%+v keys:redacted}",
		c.SPI, c.Encr, c.EncrKeyBits, c.Integ, c.ESN, c.ReplayWindow, c.Lifetime)
}

// GoString keeps %#v from printing the keys too.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog print the same redacted fields.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("spi", fmt.Sprintf("%#08x", c.SPI)),
		slog.Int("encr", int(c.Encr)),
		slog.Int("encr_bits", int(c.EncrKeyBits)),
		slog.Int("integ", int(c.Integ)),
		slog.Bool("esn", c.ESN),
	)
}
