package ike

import "time"

// halfOpenTimeout bounds how long a responder SA may wait for IKE_AUTH
// (and an EAP conversation) before it is dropped.
const halfOpenTimeout = 60 * time.Second

// nextPeriodic is the earliest time-driven duty: liveness check, rekeys
// or the half-open timeout.
func (sa *SA) nextPeriodic() time.Time {
	var next time.Time
	for _, t := range []time.Time{sa.dpdDue(), sa.childRekeyDue(), sa.ikeRekeyDue(), sa.halfOpenDue()} {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// periodic runs the duties that are due at now.
func (sa *SA) periodic(now time.Time) {
	if due := sa.halfOpenDue(); !due.IsZero() && !now.Before(due) {
		sa.fail(ErrTimeout)
		return
	}
	if due := sa.dpdDue(); !due.IsZero() && !now.Before(due) {
		sa.queue(dpdTask{})
	}
	if due := sa.childRekeyDue(); !due.IsZero() && !now.Before(due) {
		sa.rekeyAt = time.Time{}
		sa.startChildRekey()
	}
	if due := sa.ikeRekeyDue(); !due.IsZero() && !now.Before(due) {
		sa.ikeRekey = time.Time{}
		sa.startIKERekey()
	}
}

func (sa *SA) halfOpenDue() time.Time {
	if sa.initiator || sa.state == StateEstablished || sa.state == StateClosed || sa.state == StateDeleting {
		return time.Time{}
	}
	return sa.created.Add(halfOpenTimeout)
}

func (sa *SA) childRekeyDue() time.Time {
	if sa.state != StateEstablished {
		return time.Time{}
	}
	return sa.rekeyAt
}

func (sa *SA) ikeRekeyDue() time.Time {
	if sa.state != StateEstablished {
		return time.Time{}
	}
	return sa.ikeRekey
}
