package ike

import (
	"time"

	"flexvpn/tunnel/ike/wire"
)

// Dead peer detection (RFC 7296 2.4): after DPDInterval without any
// message from the peer we send an empty INFORMATIONAL request; when its
// retransmissions run out the SA ends with errDeadPeer.
//
//	HDR, SK {}  -->
//	        <--  HDR, SK {}

type dpdTask struct{}

func (dpdTask) kind() taskKind                      { return taskDPD }
func (dpdTask) exchange() wire.ExchangeType         { return wire.INFORMATIONAL }
func (dpdTask) build(*SA) ([]wire.Payload, error)   { return nil, nil }
func (dpdTask) process(*SA, *message) (step, error) { return stepDone, nil }

// dpdDue is when the next liveness check is due (zero: none).
func (sa *SA) dpdDue() time.Time {
	if sa.cfg.DPDInterval <= 0 || sa.state != StateEstablished || sa.tm.hasTask(taskDPD) || len(sa.tm.active) > 0 {
		return time.Time{}
	}
	return sa.lastRecv.Add(sa.cfg.DPDInterval)
}

// DPD sends a liveness check now (on demand, for example after the
// network changed).
// It fails with ErrReentrant from the SA's own goroutine and with
// ErrSADeleted once the SA has ended.
func (sa *SA) DPD() error {
	return sa.do(func() {
		if sa.state == StateEstablished && !sa.tm.hasTask(taskDPD) {
			sa.queue(dpdTask{})
		}
	})
}
