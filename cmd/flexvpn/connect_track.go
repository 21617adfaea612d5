package main

import (
	"context"
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
// it when the connection ends.
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

// runTracked runs the connection (run) until ctx ends. A connect =
// "track" profile's tunnel is up only while its condition holds, as
// under the daemon; say tells the person at the terminal why it waits.
// A run that ends on its own with an error (rejected credentials) ends
// connect with it.
func runTracked(ctx context.Context, p *profile.Profile, tr *track.Tracker, run func(context.Context) error, say func(string)) error {
	if p.Connect != profile.ConnectTrack {
		return run(ctx)
	}
	cond, err := track.ParseCondition(p.Track)
	if err != nil {
		return err
	}
	edges := make(chan bool)
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go tr.Follow(fctx, cond, func(want bool) {
		select {
		case edges <- want:
		case <-fctx.Done():
		}
	})
	say("waiting until " + cond.String())
	var r tracked
	for {
		select {
		case <-ctx.Done():
			r.stop()
			return nil
		case want := <-edges:
			if want {
				r.start(ctx, run)
			} else if r.running() {
				say("stopping: no longer " + cond.String())
				r.stop()
			}
		case err := <-r.ended:
			r.cancel()
			r.ended, r.cancel = nil, nil
			if err != nil {
				return err
			}
		}
	}
}

// tracked is runTracked's current run, if any.
type tracked struct {
	cancel context.CancelFunc
	ended  chan error // nil while not running: receiving blocks
}

func (r *tracked) running() bool { return r.ended != nil }

func (r *tracked) start(ctx context.Context, run func(context.Context) error) {
	if r.running() {
		return
	}
	rctx, cancel := context.WithCancel(ctx)
	r.cancel, r.ended = cancel, make(chan error, 1)
	go func() { r.ended <- run(rctx) }()
}

// stop cancels the run and waits for it (Run tears the tunnel down).
func (r *tracked) stop() {
	if !r.running() {
		return
	}
	r.cancel()
	<-r.ended
	r.cancel, r.ended = nil, nil
}
