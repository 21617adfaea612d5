package server

import "net/netip"

// startLoadReports starts the gateway load-report channel when the
// configuration has load keys: our load, signed with our key, goes to
// every redirect gateway; theirs, checked with their keys, feeds the
// least-sessions policy. Its socket binds the first listen address (all
// addresses when that is unspecified).
func (s *Server) startLoadReports(cfg *Config) error {
	if cfg.LoadKeys == nil {
		return nil
	}
	bind := listenAddr(cfg)
	if bind.IsUnspecified() {
		bind = netip.Addr{} // both families
	}
	peers := make([]LoadPeer, 0, len(cfg.RedirectTargets))
	for _, g := range cfg.RedirectTargets {
		if g.Name != cfg.LoadID { // a cluster-wide gateways list names us too
			peers = append(peers, LoadPeer{Host: g.Name, Port: cfg.LoadPort})
		}
	}
	r, err := NewLoadReporter(LoadReporterConfig{
		ID: cfg.LoadID, Keys: *cfg.LoadKeys, Interval: cfg.LoadInterval,
		Listen: netip.AddrPortFrom(bind, cfg.LoadPort), Peers: peers,
		Own: func() (int, int) {
			return s.reg.Count(), s.cfg.Load().Limits.Total
		},
		Logger: s.log.With("component", "loadreport"),
	})
	if err != nil {
		return err
	}
	s.loadRep = r
	return nil
}

// PeerLoads are the loads the peer gateways reported recently, by their
// name in [redirect] gateways; nil without load reports.
func (s *Server) PeerLoads() map[string]GatewayLoad {
	if s.loadRep == nil {
		return nil
	}
	return s.loadRep.Loads()
}

// LoadReportStats counts the load reports received, accepted and dropped
// by reason; zero without load reports.
func (s *Server) LoadReportStats() LoadStats {
	if s.loadRep == nil {
		return LoadStats{}
	}
	return s.loadRep.Stats()
}

// loads is the redirect policy's LoadSource.
func (s *Server) loads() (map[string]GatewayLoad, int) { return s.PeerLoads(), s.reg.Count() }
