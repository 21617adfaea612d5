package ike

import "sync/atomic"

// EndpointStats counts what an Endpoint dropped without answering, for
// a gateway's metrics: a rising count is a scan, a flood of spoofed
// garbage, or a peer whose messages we cannot parse.
type EndpointStats struct {
	// Undecodable datagrams were not IKE as far as we can tell (a
	// broken header or payload chain) and got no answer, so that
	// garbage under a spoofed source is not reflected.
	Undecodable uint64
}

type endpointCounters struct {
	undecodable atomic.Uint64
}

// Stats returns the Endpoint's counters so far.
func (e *Endpoint) Stats() EndpointStats {
	return EndpointStats{Undecodable: e.stats.undecodable.Load()}
}
