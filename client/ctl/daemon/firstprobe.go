package daemon

import (
	"slices"
	"time"

	"flexvpn/client/profile"
	"flexvpn/client/track"
)

// resultSlack covers handing a probe's result to the tracker after the
// probe's own timeout fired.
const resultSlack = 250 * time.Millisecond

// awaitFirstResults waits until a peer of p is eligible or every object
// its peers track has a first probe result, at most the objects' longest
// probe timeout. A tracker starts with every object unknown, and a
// manual profile whose gateways are all tracked would otherwise fail an
// `up` given right after the daemon started or reloaded with "no
// gateway is eligible": the user asked to connect, so the answer is
// worth a few seconds. It returns at once when nothing is pending.
func awaitFirstResults(tr *track.Tracker, p *profile.Profile) {
	if tr == nil || p == nil || !pendingResults(tr, p) {
		return
	}
	sub := tr.Subscribe() // its first deliveries are the current states: no change is missed
	defer sub.Close()
	timer := time.NewTimer(probeBound(p))
	defer timer.Stop()
	for pendingResults(tr, p) {
		select {
		case _, ok := <-sub.C():
			if !ok {
				return // the tracker closed (reload, shutdown)
			}
		case <-timer.C:
			return
		}
	}
}

// pendingResults reports that no peer of p is eligible yet while some
// peer's object (one the tracker has) still has no result.
func pendingResults(tr *track.Tracker, p *profile.Profile) bool {
	names := tr.Names()
	pending := false
	for _, peer := range p.Peers {
		if tr.Eligible(peer.Track) {
			return false
		}
		c, err := track.ParseCondition(peer.Track)
		if err != nil || !slices.Contains(names, c.Object) {
			continue
		}
		if _, known := tr.State(c.Object); !known {
			pending = true
		}
	}
	return pending
}

// probeBound is the longest probe timeout of p's objects plus slack: by
// then every object's first probe has ended, since a tracker starts
// probing at once.
func probeBound(p *profile.Profile) time.Duration {
	objs, err := track.Compile(p.Objects)
	if err != nil {
		return 0 // no tracker could have been built from these
	}
	var longest time.Duration
	for _, o := range objs {
		longest = max(longest, o.Timeout)
	}
	return longest + resultSlack
}

// awaitTracking is awaitFirstResults for the named profile's current
// tracker; it holds no lock while waiting, so status and down go on.
func (d *Daemon) awaitTracking(name string) {
	d.mu.Lock()
	e, ok := d.profiles[name]
	var tr *track.Tracker
	var p *profile.Profile
	if ok {
		tr, p = e.tracker, e.prof
	}
	d.mu.Unlock()
	awaitFirstResults(tr, p)
}
