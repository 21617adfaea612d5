package datapath

import (
	"net/netip"
	"strconv"
	"testing"

	"flexvpn/platform/tunif/tunfake"
)

// nullOpener is an inbound SA that the install benchmarks never open.
type nullOpener struct{}

func (nullOpener) Open([]byte) ([]byte, byte, error) { return nil, 0, nil }

// session i of a server: its inner /32, its inbound SPI and its own
// remote (every client behind its own NAT mapping).
func sessionHost(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
}

func sessionSPI(i int) uint32 { return 0x10000000 + uint32(i) }

func sessionRemote(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{100, 64 + byte(i>>16), byte(i >> 8), byte(i)}), 4500)
}

// preloadSessions installs sessions 0..n-1 as a server would.
func preloadSessions(b testing.TB, d *Device, n int) {
	b.Helper()
	for i := range n {
		host := []netip.Prefix{sessionHost(i)}
		must(b, d.AddInbound(sessionSPI(i), nullOpener{}, host))
		must(b, d.SetOutbound(host, nullSealer{i}, sessionRemote(i)))
	}
}

// freshRemote is session n's remote on its i-th connection: a new NAT
// mapping each time.
func freshRemote(n, i int) netip.AddrPort {
	r := sessionRemote(n)
	return netip.AddrPortFrom(r.Addr(), uint16(1024+i%60000))
}

// BenchmarkSessionInstall is what the server does to the SA tables when a
// client comes and goes while n others stay connected: one op installs
// the session (AddInbound, SetOutbound for its /32) and removes it again
// (RemoveOutbound, RemoveInbound). Like real sessions, each op brings a
// fresh SPI and NAT mapping (remote port) while pool addresses recur, so
// the tables' occasional rebuilds are part of the average.
func BenchmarkSessionInstall(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run("sessions="+strconv.Itoa(n), func(b *testing.B) {
			d, _ := newTestDevice(b, tunfake.Config{}, Config{})
			preloadSessions(b, d, n)
			host := []netip.Prefix{sessionHost(n)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				spi := sessionSPI(n + i)
				must(b, d.AddInbound(spi, nullOpener{}, host))
				must(b, d.SetOutbound(host, nullSealer{n}, freshRemote(n, i)))
				d.RemoveOutbound(host)
				d.RemoveInbound(spi)
			}
		})
	}
}

// BenchmarkSessionRekey is a Child SA rekey of one of n sessions: the new
// inbound SA (a fresh SPI), the outbound switch, the old inbound SA
// removed.
func BenchmarkSessionRekey(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run("sessions="+strconv.Itoa(n), func(b *testing.B) {
			d, _ := newTestDevice(b, tunfake.Config{}, Config{})
			preloadSessions(b, d, n)
			host := []netip.Prefix{sessionHost(n / 2)}
			old := sessionSPI(n / 2)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				cur := sessionSPI(n + i)
				must(b, d.AddInbound(cur, nullOpener{}, host))
				must(b, d.SetOutbound(host, nullSealer{i}, sessionRemote(n/2)))
				d.RemoveInbound(old)
				old = cur
			}
		})
	}
}

// BenchmarkLookupIn is the receive path's per-packet SPI lookup with
// 10 000 sessions installed, hits and misses alternating.
func BenchmarkLookupIn(b *testing.B) {
	d, _ := newTestDevice(b, tunfake.Config{}, Config{})
	const n = 10000
	preloadSessions(b, d, n)
	spis := []uint32{sessionSPI(77), sessionSPI(n + 5), sessionSPI(9000)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		_ = d.tables.lookupIn(spis[i%len(spis)])
	}
}
