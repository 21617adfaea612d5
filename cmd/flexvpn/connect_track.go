package main

import (
	"log/slog"

	"flexvpn/client"
	"flexvpn/client/ctl/daemon"
	"flexvpn/client/profile"
	"flexvpn/client/track"
)

// loadProfile is profile.Load plus the check of its [[track_object]]
// tables, which the daemon does for its profiles too.
func loadProfile(path string) (*profile.Profile, error) {
	p, err := profile.Load(path)
	if err != nil {
		return nil, err
	}
	if err := daemon.ValidateObjects(p); err != nil {
		return nil, err
	}
	return p, nil
}

// startTracker starts a foreground connection's tracked objects; close
// it when the connection ends. connect runs a connect = "track" profile
// at once (the user asked for the tunnel); tracked peers still wait for
// their objects.
func startTracker(p *profile.Profile, log *slog.Logger) (*track.Tracker, error) {
	return track.New(track.Config{Objects: p.Objects, Logger: log})
}

// trackEligibility is a Conn's Eligible from the tracker.
func trackEligibility(tr *track.Tracker) client.Eligibility {
	return func(peer client.Peer) bool { return tr.Eligible(peer.Track) }
}

// feedEligibility tells conn about every change of tr until tr closes.
func feedEligibility(tr *track.Tracker, conn *client.Conn) {
	sub := tr.Subscribe()
	for range sub.C() {
		conn.EligibilityChanged()
	}
}
