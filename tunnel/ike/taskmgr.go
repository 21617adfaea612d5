package ike

import (
	"errors"
	"net/netip"
	"time"

	"flexvpn/tunnel/ike/wire"
)

// A task is one exchange we initiate. The task manager numbers its
// requests, retransmits them and hands the matching response back.
type task interface {
	kind() taskKind
	exchange() wire.ExchangeType
	// build returns the payloads of the next request.
	build(sa *SA) ([]wire.Payload, error)
	// process handles the response. An error ends the IKE SA; failures
	// that only concern the task are handled inside it.
	process(sa *SA, m *message) (step, error)
}

type taskKind int

const (
	taskIKEInit taskKind = iota
	taskIKEAuth
	taskIKEDelete
	taskChildDelete
	taskChildRekey
	taskIKERekey
	taskDPD
	taskRedirect
	taskIKEIntermediate
)

// step tells the manager what follows a response.
type step int

const (
	stepDone        step = iota // exchange complete
	stepAgain                   // send the task's next request (EAP rounds)
	stepRestart                 // resend the first request anew with ID 0 (COOKIE, INVALID_KE)
	stepKeepWaiting             // ignore this response; the request stays outstanding
)

// outstanding is a request waiting for its response.
type outstanding struct {
	t        task
	id       uint32
	pkts     [][]byte
	tries    int
	deadline time.Time
}

// taskManager owns message IDs, the windows, retransmissions and the
// responses cached for duplicate requests (RFC 7296 2.1-2.3).
type taskManager struct {
	queue  []task
	active []*outstanding
	nextID uint32 // next request ID we send

	window int    // our receive window
	recvID uint32 // lowest request ID not yet answered
	cache  map[uint32][][]byte
}

func (tm *taskManager) init(window int) {
	tm.window = window
	tm.cache = map[uint32][][]byte{}
}

func (tm *taskManager) hasTask(k taskKind) bool {
	for _, t := range tm.queue {
		if t.kind() == k {
			return true
		}
	}
	for _, o := range tm.active {
		if o.t.kind() == k {
			return true
		}
	}
	return false
}

// queue adds t and starts it when the window allows.
func (sa *SA) queue(t task) {
	sa.tm.queue = append(sa.tm.queue, t)
	sa.kick()
}

// kick sends queued requests while the peer's window has room. Nothing
// but IKE_SA_INIT and IKE_AUTH runs before the SA is established.
func (sa *SA) kick() {
	for len(sa.tm.queue) > 0 && len(sa.tm.active) < sa.peer.window && !sa.closed() {
		t := sa.tm.queue[0]
		if !sa.canStart(t) {
			return
		}
		sa.tm.queue = sa.tm.queue[1:]
		err := sa.sendRequest(t)
		switch {
		case errors.Is(err, errSkipTask):
			sa.log.Debug("task no longer applies", "err", err)
		case err != nil:
			sa.fail(err)
			return
		}
	}
}

func (sa *SA) canStart(t task) bool {
	switch t.kind() {
	case taskIKEInit, taskIKEIntermediate, taskIKEAuth:
		return true
	}
	if sa.state != StateEstablished && sa.state != StateRekeying && sa.state != StateDeleting {
		return false
	}
	// An IKE SA rekey moves to new keys and message IDs, and answers
	// under the old ones are dropped: it starts only when nothing else is
	// outstanding, and nothing starts while it is (windows above 1).
	if sa.activeIKERekey() != nil {
		return false
	}
	return t.kind() != taskIKERekey || (len(sa.tm.active) == 0 && !sa.followupPending())
}

// sendRequest builds t's next request with the next message ID.
func (sa *SA) sendRequest(t task) error {
	ps, err := t.build(sa)
	if err != nil {
		return err
	}
	id := sa.tm.nextID
	sa.tm.nextID++
	pkts, err := sa.encode(t.exchange(), id, false, ps)
	if err != nil {
		return err
	}
	if t.exchange() == wire.IKE_SA_INIT {
		sa.initReq = pkts[0] // AUTH signs it
	}
	if err := sa.chainSent(t.exchange(), id, false, ps); err != nil {
		return err
	}
	o := &outstanding{t: t, id: id, pkts: pkts}
	o.deadline = time.Now().Add(sa.retransmitDelay(o))
	sa.tm.active = append(sa.tm.active, o)
	sa.transmit(pkts, sa.local, sa.remote)
	return nil
}

// transmit sends every packet (fragment) of a message.
func (sa *SA) transmit(pkts [][]byte, local, remote netip.AddrPort) {
	for _, p := range pkts {
		if err := sa.ep.send(p, local, remote); err != nil {
			sa.log.Debug("send failed", "err", err)
		}
	}
}

// handleResponse matches a response to its request and runs the task.
func (sa *SA) handleResponse(m *message) {
	i := sa.tm.find(m.hdr.MessageID)
	if i < 0 || sa.tm.active[i].t.exchange() != m.hdr.Exchange {
		sa.log.Debug("dropping unexpected response", "id", m.hdr.MessageID)
		return
	}
	o := sa.tm.active[i]
	sa.tm.active = append(sa.tm.active[:i], sa.tm.active[i+1:]...)
	st, err := o.t.process(sa, m)
	if err != nil {
		sa.fail(err)
		return
	}
	switch st {
	case stepAgain:
		err = sa.sendRequest(o.t)
	case stepRestart:
		sa.tm.nextID = o.id
		err = sa.sendRequest(o.t)
	case stepKeepWaiting:
		sa.tm.active = append(sa.tm.active, o)
	}
	if err != nil {
		sa.fail(err)
		return
	}
	sa.kick()
}

func (tm *taskManager) find(id uint32) int {
	for i, o := range tm.active {
		if o.id == id {
			return i
		}
	}
	return -1
}

// requestVerdict classifies a request's message ID against our window.
type requestVerdict int

const (
	reqNew requestVerdict = iota
	reqDuplicate
	reqOutOfWindow
)

func (tm *taskManager) classify(id uint32) requestVerdict {
	if _, ok := tm.cache[id]; ok {
		return reqDuplicate
	}
	if id < tm.recvID || id >= tm.recvID+uint32(tm.window) {
		return reqOutOfWindow
	}
	return reqNew
}

// answered caches the response to request id and slides the window.
func (tm *taskManager) answered(id uint32, pkts [][]byte) {
	tm.cache[id] = pkts
	for {
		if _, ok := tm.cache[tm.recvID]; !ok {
			break
		}
		tm.recvID++
	}
	for k := range tm.cache {
		if k+uint32(tm.window) < tm.recvID {
			delete(tm.cache, k)
		}
	}
}

// onTimer retransmits overdue requests and runs periodic work.
func (sa *SA) onTimer(now time.Time) {
	for _, o := range sa.tm.active {
		if now.Before(o.deadline) {
			continue
		}
		if o.tries+1 >= sa.cfg.RetransmitN {
			sa.fail(sa.timeoutError(o.t))
			return
		}
		o.tries++
		o.deadline = now.Add(sa.retransmitDelay(o))
		sa.log.Debug("retransmitting", "id", o.id, "try", o.tries+1)
		sa.transmit(o.pkts, sa.local, sa.remote)
	}
	sa.periodic(now)
}

// retransmitDelay is the wait before o's next copy: RetransmitT doubling
// per try (RFC 7296 2.1), or the fixed DPDRetry for liveness checks (the
// IOS "dpd 30 6" schedule).
func (sa *SA) retransmitDelay(o *outstanding) time.Duration {
	if o.t.kind() == taskDPD && sa.cfg.DPDRetry > 0 {
		return sa.cfg.DPDRetry
	}
	return sa.cfg.RetransmitT << o.tries
}

func (sa *SA) timeoutError(t task) error {
	if t.kind() == taskDPD {
		return errors.Join(ErrTimeout, errDeadPeer)
	}
	return ErrTimeout
}

var errDeadPeer = errors.New("ike: dead peer detected")

// errSkipTask from a task's first build drops the task (its Child SA went
// away while it waited in the queue) without harming the IKE SA.
var errSkipTask = errors.New("ike: task no longer applies")

// armTimer points the timer at the earliest deadline.
func (sa *SA) armTimer() {
	next := sa.nextPeriodic()
	for _, o := range sa.tm.active {
		if next.IsZero() || o.deadline.Before(next) {
			next = o.deadline
		}
	}
	d := time.Hour
	if !next.IsZero() {
		d = max(time.Until(next), 0)
	}
	if !sa.timer.Stop() {
		select {
		case <-sa.timer.C:
		default:
		}
	}
	sa.timer.Reset(d)
}
