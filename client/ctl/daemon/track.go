package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"

	"flexvpn/client"
	"flexvpn/client/ctl"
	"flexvpn/client/profile"
	"flexvpn/client/track"
	"flexvpn/internal/tomlpos"
)

// EligibilityNotifier is a Tunnel that wants to hear when a tracked
// object changed, so it can leave a gateway that stopped being eligible,
// go back to a preferred one, or end a wait; *client.Conn is one.
type EligibilityNotifier interface {
	EligibilityChanged()
}

// retrackLocked gives e a tracker for its current profile, replacing
// (and stopping) the previous one. It starts the goroutines that feed
// eligibility changes to the running tunnel and, for connect = "track",
// start and stop the profile as its condition comes and goes. A tracker
// that cannot be built (a probe the host refuses) is logged: the profile
// stays loaded, its tracked peers ineligible and a track profile idle.
// Caller holds d.mu.
func (d *Daemon) retrackLocked(name string, e *entry) {
	d.untrackLocked(e)
	if len(e.prof.Objects) == 0 {
		return
	}
	tr, err := track.New(track.Config{Objects: e.prof.Objects, Logger: d.log.With("profile", name), NewProber: d.cfg.NewProber})
	if err != nil {
		d.log.Error("tracked objects not started", "profile", name, "err", err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.tracker, e.stopFollow = tr, cancel
	go d.forwardEligibility(ctx, e, tr)
	if e.prof.Connect != profile.ConnectTrack {
		return
	}
	cond, err := track.ParseCondition(e.prof.Track)
	if err != nil {
		d.log.Error("track condition not followed", "profile", name, "err", err)
		return
	}
	go func() {
		err := tr.Follow(ctx, cond, func(want bool) { d.trackEdge(name, tr, want) })
		if err != nil && ctx.Err() == nil {
			d.log.Error("track condition not followed", "profile", name, "err", err)
		}
	}()
}

// untrackLocked stops e's tracker and what follows it. Caller holds d.mu;
// nothing the tracker runs takes d.mu, so Close cannot wait on us.
func (d *Daemon) untrackLocked(e *entry) {
	if e.stopFollow != nil {
		e.stopFollow()
	}
	if e.tracker != nil {
		e.tracker.Close()
	}
	e.tracker, e.stopFollow = nil, nil
}

// trackEdge starts or stops a connect = "track" profile when its
// condition comes or goes. An edge from a tracker the profile no longer
// has (reloaded, removed, shut down) is stale and ignored. Stopping does
// not mark the run as ended by the user (that is Down's doing).
func (d *Daemon) trackEdge(name string, tr *track.Tracker, want bool) {
	d.ops.Lock()
	defer d.ops.Unlock()
	d.mu.Lock()
	e, ok := d.profiles[name]
	stale := !ok || e.tracker != tr || d.closing
	d.mu.Unlock()
	if stale {
		return
	}
	if !want {
		d.log.Info("track condition no longer met; stopping", "profile", name, "track", e.prof.Track)
		if err := d.stop(e); err != nil {
			d.log.Error("profile not stopped", "profile", name, "err", err)
		}
		return
	}
	d.log.Info("track condition met; starting", "profile", name, "track", e.prof.Track)
	if err := d.start(name); err != nil {
		d.log.Error("profile not started", "profile", name, "err", err)
	}
}

// forwardEligibility tells e's running tunnel about every change of its
// tracker until ctx ends or the tracker closes.
func (d *Daemon) forwardEligibility(ctx context.Context, e *entry, tr *track.Tracker) {
	sub := tr.Subscribe()
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-sub.C():
			if !ok {
				return
			}
			if n, ok := d.runningTunnel(e, tr).(EligibilityNotifier); ok {
				n.EligibilityChanged()
			}
		}
	}
}

// runningTunnel is e's unfinished run's tunnel while tr is e's tracker.
func (d *Daemon) runningTunnel(e *entry, tr *track.Tracker) Tunnel {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e.tracker != tr || e.run == nil || e.run.finished() {
		return nil
	}
	return e.run.tun
}

// eligibility is a run's client.Eligibility: peers without an object
// always are, tracked peers only while their condition holds.
func eligibility(tr *track.Tracker) client.Eligibility {
	return func(p client.Peer) bool {
		if p.Track == "" {
			return true
		}
		return tr != nil && tr.Eligible(p.Track)
	}
}

// trackStatus is the tracker's view of each object, for ctl.Status.
func trackStatus(tr *track.Tracker) []ctl.TrackObject {
	if tr == nil {
		return nil
	}
	var out []ctl.TrackObject
	for _, s := range tr.Statuses() {
		out = append(out, ctl.TrackObject{Name: s.Object, State: s.State.String(), Since: s.Since, Reason: s.Reason, LastError: s.LastErr})
	}
	return out
}

// ValidateObjects is LoadDir's check of a profile's [[track_object]]
// tables (profile.Load cannot run it: track imports profile). Each
// problem is a *profile.Error at the object's line, so a broken edit
// keeps the profile's old settings like any other load error.
func ValidateObjects(p *profile.Profile) error {
	src, _ := os.ReadFile(p.Path) // no file (tests): no line numbers
	pos := tomlpos.New(src)
	var errs []error
	seen := map[string]bool{}
	for i, ob := range p.Objects {
		err := track.Validate([]profile.TrackOb{ob})
		if err == nil && seen[ob.Name] {
			err = fmt.Errorf("%w: track_object %q: the name is used twice; give each [[track_object]] its own name", track.ErrInvalidObject, ob.Name)
		}
		seen[ob.Name] = true
		if err != nil {
			errs = append(errs, &profile.Error{File: p.Path, Line: pos.Line("track_object", i), Msg: err.Error()})
		}
	}
	return errors.Join(errs...)
}
