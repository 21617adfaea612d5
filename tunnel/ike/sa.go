package ike

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"flexvpn/tunnel/ike/crypto"
	"flexvpn/tunnel/ike/wire"
)

// SA is one IKE SA. All protocol state below is owned by the SA's
// goroutine (run); other goroutines talk to it through inbox and cmds.
type SA struct {
	ep        *Endpoint
	cfg       Config
	log       *slog.Logger
	num       int
	initiator bool // we are the original initiator

	state      State
	spii, spir uint64
	// ikeInitiator: we initiated the exchange that made the current IKE
	// SA, IKE_SA_INIT or a rekey. It sets the I flag and the key
	// directions, and differs from initiator after the peer rekeyed
	// (RFC 7296 2.18).
	ikeInitiator  bool
	local, remote netip.AddrPort
	natLocal      bool // we are behind a NAT (or fake it)
	natRemote     bool // the peer is behind a NAT

	suite    crypto.Suite
	prf      crypto.PRF
	keys     crypto.IKEKeys
	out, in  crypto.SKCipher
	ni, nr   []byte
	initReq  []byte // IKE_SA_INIT request as sent/received, for AUTH
	initResp []byte // IKE_SA_INIT response
	kex      crypto.KeyExchange
	inter    intermediateState // IKE_INTERMEDIATE and additional key exchanges
	fuResp   *followupResp     // the peer's IKE rekey waiting for IKE_FOLLOWUP_KE

	peer       peerCaps
	peerID     Identity
	peerCert   *x509.Certificate
	localAuth  wire.AuthMethod // the method of the AUTH we sent
	configRep  *ConfigReply
	children   []*ChildSA
	childProps *childNegotiation // the Child SA being negotiated in IKE_AUTH
	eapState   *eapResponder
	assigned   []netip.Addr // addresses our CP reply handed out
	// peerLocalTS and peerRemoteTS are the ChildSelectors hook's policy
	// for this peer; nil keeps the Config's.
	peerLocalTS, peerRemoteTS []wire.TrafficSelector
	peerRekeys                map[*ChildSA]peerRekey

	tm       taskManager
	retired  []*keyState   // the keys before the last IKE rekeys, newest first
	crossed  *crossedRekey // the peer's IKE rekey that crossed ours (2.8.2)
	reasm    reassembly
	lastRecv time.Time
	created  time.Time
	rekeyAt  time.Time // next Child SA rekey
	ikeRekey time.Time // next IKE SA rekey

	inbox chan datagram
	cmds  chan func()
	timer *time.Timer
	ctx   context.Context
	stop  context.CancelFunc

	gid      atomic.Uint64 // the SA goroutine's id, to refuse calls from it
	doneOnce sync.Once
	done     chan struct{}
	upCh     chan struct{}
	upOnce   sync.Once
	mu       sync.Mutex // guards err and pubState for readers on other goroutines
	err      error
	pubState State
	pubPeer  Identity
}

// peerCaps is what the peer announced in IKE_SA_INIT and IKE_AUTH.
type peerCaps struct {
	fragmentation bool
	redirect      bool
	redirectedBy  *wire.GatewayID // REDIRECTED_FROM: the gateway that sent the peer here
	hashes        []wire.HashAlgorithm
	vendorIDs     [][]byte
	window        int
}

func newSA(e *Endpoint, cfg Config, initiator bool, num int, local, remote netip.AddrPort) *SA {
	sa := &SA{ep: e, cfg: cfg, initiator: initiator, ikeInitiator: initiator, num: num, local: local, remote: remote,
		inbox: make(chan datagram, 64), cmds: make(chan func(), 16),
		done: make(chan struct{}), upCh: make(chan struct{})}
	sa.log = cfg.Logger.With("sa", sa.String())
	sa.created = time.Now()
	sa.tm.init(cfg.WindowSize)
	sa.peer.window = 1
	return sa
}

// String is the SA's log prefix, ike[N].
func (sa *SA) String() string {
	if sa == nil {
		return "ike[-]"
	}
	return fmt.Sprintf("ike[%d]", sa.num)
}

// start launches the SA goroutine; first runs on it before anything else.
func (sa *SA) start(ctx context.Context, first func()) {
	if ctx == nil {
		ctx = context.Background()
	}
	sa.ctx, sa.stop = context.WithCancel(ctx)
	sa.timer = time.NewTimer(time.Hour)
	go sa.run(first)
}

// deliver queues an inbound datagram; when the inbox is full the datagram
// is dropped, as the network would, and retransmission recovers.
func (sa *SA) deliver(d datagram) {
	select {
	case sa.inbox <- d:
	default:
		sa.log.Debug("inbox full, dropping datagram")
	}
}

func (sa *SA) run(first func()) {
	defer sa.ep.wg.Done()
	sa.gid.Store(goroutineID())
	if first != nil {
		first()
	}
	for !sa.closed() {
		sa.armTimer()
		select {
		case d := <-sa.inbox:
			sa.receive(d)
		case f := <-sa.cmds:
			f()
		case <-sa.timer.C:
			sa.onTimer(time.Now())
		case <-sa.ctx.Done():
			sa.onContextDone()
		}
	}
}

func (sa *SA) closed() bool { return sa.state == StateClosed }

// usable reports an established SA, possibly in the middle of a rekey.
func (sa *SA) usable() bool {
	return sa.state == StateEstablished || sa.state == StateRekeying
}

// onContextDone deletes an established SA politely, or just ends.
func (sa *SA) onContextDone() {
	if sa.usable() && !sa.tm.hasTask(taskIKEDelete) {
		sa.ctx = context.Background() // keep running until the Delete is answered
		sa.queue(newIKEDeleteTask())
		return
	}
	sa.fail(context.Cause(sa.ctx))
}

// setState records and reports a state change.
func (sa *SA) setState(s State) {
	if sa.state == s {
		return
	}
	sa.log.Debug("state", "from", sa.state, "to", s)
	sa.state = s
	sa.mu.Lock()
	sa.pubState = s
	sa.mu.Unlock()
	sa.ep.emit(Event{Kind: EventState, SA: sa, State: s})
}

// established marks the IKE SA up and reports it.
func (sa *SA) established() {
	sa.setState(StateEstablished)
	sa.mu.Lock()
	sa.pubPeer = sa.peerID
	sa.mu.Unlock()
	sa.ep.established(sa)
	sa.scheduleChildRekey()
	if sa.cfg.RekeyIKE > 0 {
		sa.ikeRekey = sa.now().Add(sa.cfg.RekeyIKE)
	}
	sa.log.Info("IKE SA established", "peer", sa.peerID, "remote", sa.remote, "suite", sa.suite.String(), "addke", sa.inter.done)
	sa.ep.emit(Event{Kind: EventUp, SA: sa, Peer: sa.peerID, Config: sa.configRep})
	sa.upOnce.Do(func() { close(sa.upCh) })
}

func (sa *SA) now() time.Time { return time.Now() }

// fail ends the SA with err; nil err is an orderly close.
func (sa *SA) fail(err error) {
	if sa.state == StateClosed {
		return
	}
	for _, c := range sa.children {
		sa.ep.emit(Event{Kind: EventChildDown, SA: sa, Child: c})
	}
	sa.children = nil
	sa.forgetKeyExchange() // an SA that failed before deriving its keys
	msg := ""
	switch {
	case err == nil:
		sa.log.Info("IKE SA closed")
	case errors.Is(err, ErrPeerDeleted):
		msg = userMessage(err)
		sa.log.Info("IKE SA deleted by the peer")
	default:
		msg = userMessage(err)
		sa.log.Info("IKE SA failed", "err", err)
	}
	sa.mu.Lock()
	sa.err = err
	sa.mu.Unlock()
	sa.setState(StateClosed)
	sa.ep.unregister(sa)
	sa.ep.emit(Event{Kind: EventClosed, SA: sa, Err: err, Message: msg})
	sa.stop()
	sa.doneOnce.Do(func() { close(sa.done) })
}

// abort ends the SA from another goroutine without a Delete exchange.
func (sa *SA) abort(err error) {
	if sa.do(func() { sa.fail(err) }) != nil {
		return
	}
	<-sa.done
}

// shutdown sends a Delete the peer may or may not get (we do not wait for
// the answer) and ends the SA with ErrClosed.
func (sa *SA) shutdown() {
	if sa.do(func() {
		if sa.usable() {
			sa.sendOneWay(wire.INFORMATIONAL, []wire.Payload{wire.NewDeleteIKE()})
		}
		sa.fail(ErrClosed)
	}) != nil {
		return
	}
	<-sa.done
}

// Done is closed when the SA has ended.
func (sa *SA) Done() <-chan struct{} { return sa.done }

// Err is why the SA ended (nil while it runs or after an orderly close).
func (sa *SA) Err() error {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	return sa.err
}

// State returns the current state.
func (sa *SA) State() State {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	return sa.pubState
}

// WaitUp blocks until the SA is established, fails, or ctx ends.
// From the SA's own goroutine it cannot wait and fails with ErrReentrant
// unless the SA is already up.
func (sa *SA) WaitUp(ctx context.Context) error {
	select {
	case <-sa.upCh:
		return nil
	default:
	}
	if sa.onOwnGoroutine() {
		return ErrReentrant
	}
	select {
	case <-sa.upCh:
		return nil
	case <-sa.done:
		if err := sa.Err(); err != nil {
			return err
		}
		return ErrSADeleted
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close deletes the IKE SA with an INFORMATIONAL Delete and waits until
// the peer answered (or retransmissions gave up) or ctx ends. It fails
// with ErrReentrant from the SA's own goroutine (an event handler or
// hook), which it would have to wait for.
func (sa *SA) Close(ctx context.Context) error {
	err := sa.do(func() {
		switch {
		case sa.usable() && !sa.tm.hasTask(taskIKEDelete):
			sa.queue(newIKEDeleteTask())
		case !sa.usable():
			sa.fail(nil)
		}
	})
	if errors.Is(err, ErrReentrant) {
		return err
	}
	select {
	case <-sa.done:
		return nil
	case <-ctx.Done():
		sa.abort(ctx.Err())
		return ctx.Err()
	}
}

// Children returns a copy of the installed Child SAs. Like SPIs and
// Remote it may be called from an event handler or hook.
func (sa *SA) Children() []*ChildSA {
	var out []*ChildSA
	sa.read(func() { out = append(out, sa.children...) })
	return out
}

// Peer returns the authenticated peer identity (zero before the SA is
// established).
func (sa *SA) Peer() Identity {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	return sa.pubPeer
}

// SPIs returns the current IKE SPIs.
func (sa *SA) SPIs() (spii, spir uint64) {
	sa.read(func() { spii, spir = sa.spii, sa.spir })
	return
}

// Remote returns the peer's current address.
func (sa *SA) Remote() netip.AddrPort {
	var r netip.AddrPort
	sa.read(func() { r = sa.remote })
	return r
}
