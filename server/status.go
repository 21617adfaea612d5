package server

import (
	"net/netip"
	"sort"

	"flexvpn/tunnel/datapath"
)

// Status is the gateway at a glance, for `flexvpn server status`: where
// it listens, how full it is, what its data plane dropped and why, and
// what its peers report about their load.
type Status struct {
	Listen      []netip.AddrPort `json:"listen"`
	Sessions    int              `json:"sessions"`
	MaxSessions int              `json:"max_sessions,omitempty"` // [limits] sessions; 0 = no limit
	DataPlane   datapath.Stats   `json:"data_plane"`
	// UndecodableIKE counts datagrams to the IKE ports that did not parse
	// and got no answer (scans, garbage, spoofed sources).
	UndecodableIKE uint64          `json:"undecodable_ike"`
	PeerLoads      []PeerLoad      `json:"peer_loads,omitempty"`
	LoadReports    *LoadStatsEntry `json:"load_reports,omitempty"`
}

// PeerLoad is one peer gateway's recently reported load.
type PeerLoad struct {
	Gateway  string `json:"gateway"`
	Sessions int    `json:"sessions"`
	Capacity int    `json:"capacity,omitempty"`
}

// LoadStatsEntry is LoadStats with the reasons as text, for JSON.
type LoadStatsEntry struct {
	Accepted uint64            `json:"accepted"`
	Rejected map[string]uint64 `json:"rejected,omitempty"`
}

// Status returns the gateway's status now.
func (s *Server) Status() Status {
	st := Status{
		Listen:         s.dev.LocalAddrs(),
		Sessions:       s.reg.Count(),
		MaxSessions:    s.cfg.Load().Limits.Total,
		DataPlane:      s.dev.Stats(),
		UndecodableIKE: s.ep.Stats().Undecodable,
	}
	if s.loadRep == nil {
		return st
	}
	for gw, l := range s.PeerLoads() {
		st.PeerLoads = append(st.PeerLoads, PeerLoad{Gateway: gw, Sessions: l.Sessions, Capacity: l.Capacity})
	}
	sort.Slice(st.PeerLoads, func(i, j int) bool { return st.PeerLoads[i].Gateway < st.PeerLoads[j].Gateway })
	ls := s.LoadReportStats()
	st.LoadReports = &LoadStatsEntry{Accepted: ls.Accepted}
	for reason, n := range ls.Rejected {
		if st.LoadReports.Rejected == nil {
			st.LoadReports.Rejected = map[string]uint64{}
		}
		st.LoadReports.Rejected[reason.String()] = n
	}
	return st
}
