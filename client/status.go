package client

// Counters are a session's data-plane totals (inner packets and bytes).
type Counters struct {
	PacketsIn, BytesIn, PacketsOut, BytesOut uint64
}

// Counting is a Session that reports its data-plane counters; the
// TunnelDialer's sessions do. The daemon shows them in `flexvpn status`.
type Counting interface {
	Counters() Counters
}

// Counters implements Counting from the data plane's statistics.
func (s *tunnelSession) Counters() Counters {
	st := s.dp.Stats()
	return Counters{PacketsIn: st.PacketsIn, BytesIn: st.BytesIn, PacketsOut: st.PacketsOut, BytesOut: st.BytesOut}
}
