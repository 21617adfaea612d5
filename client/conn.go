package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"flexvpn/client/profile"
	"flexvpn/tunnel/ike"
	"flexvpn/tunnel/ike/eap"
)

// Target is one resolved connection attempt.
type Target struct {
	Peer           Peer   // the gateway-list entry this attempt belongs to
	Host           string // what was dialed: Peer.Host or a redirect target
	Addr           netip.Addr
	RedirectedFrom netip.Addr // set when a gateway redirected us here
	// Port and NATTPort are the gateway's IKE and NAT-T ports (0: 500
	// and 4500). A redirect target gets the defaults: RFC 5685 names
	// only an address or FQDN.
	Port, NATTPort uint16
}

// Session is an established tunnel (IKE SA, Child SA, data plane).
type Session interface {
	// Reply is the gateway's configuration reply.
	Reply() Reply
	// Wait blocks until the session ends and says why: a *RedirectError
	// when the gateway moved us, another error for DPD/Delete/failures.
	Wait(ctx context.Context) error
	// Close tears the session down (Delete sent, data plane stopped).
	Close(ctx context.Context) error
}

// Applied is a Session that wants to know when its routes and DNS were
// applied (the TUN interface is up and routed from then on); the
// TunnelDialer's sessions do.
type Applied interface {
	Applied()
}

// Dialer makes one connection attempt. A gateway that redirects during
// the handshake makes Dial return a *RedirectError.
type Dialer interface {
	Dial(ctx context.Context, t Target) (Session, error)
}

// Resolver resolves a gateway host name at each attempt.
type Resolver interface {
	Resolve(ctx context.Context, host string) (netip.Addr, error)
}

// Applier makes the system match a desired state and undoes it.
type Applier interface {
	Apply(gateway netip.Addr, r Reply) error
	Clear() error
}

// RedirectError says the gateway asked us to connect to Target instead.
type RedirectError struct {
	Target string // address or FQDN (RFC 5685 gateway identity)
}

func (e *RedirectError) Error() string { return "gateway redirected us to " + e.Target }

// ConnConfig wires a Conn.
type ConnConfig struct {
	Profile  *profile.Profile
	Dialer   Dialer
	Resolver Resolver
	Applier  Applier
	// Eligible reports track-object eligibility of a peer; nil: all are.
	Eligible Eligibility
	Logger   *slog.Logger
	Trace    *Trace
	// Backoff between rounds over the gateway list: Min doubling to Max.
	BackoffMin, BackoffMax time.Duration
	// ReactivateEvery is how often a connection to a backup peer checks
	// whether a preferred peer is eligible again (0: never).
	ReactivateEvery time.Duration
	// Sleep waits; tests replace it. It returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Conn is one profile's connection state machine.
type Conn struct {
	cfg      ConnConfig
	gateways *GatewayList
	log      *slog.Logger
	netChg   chan struct{}
	eligChg  chan struct{} // see EligibilityChanged
	// seen is which gateways were eligible when the current one was
	// picked (see recheck).
	seen map[Peer]bool
	// redirect is where a gateway sent an established session; Run's
	// goroutine dials it before the next gateway of the list.
	redirect *Target
	// movedAt bounds how often established sessions are redirected.
	movedAt []time.Time
	// wasUp is set once a session of this Run was connected (routes and
	// DNS applied): from then on manual mode retries like auto mode (see
	// pause).
	wasUp bool

	mu    sync.Mutex
	state State
	watch []chan State
}

// NewConn returns a connection for cfg.Profile, idle.
func NewConn(cfg ConnConfig) *Conn {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Trace == nil {
		cfg.Trace = NewTrace(0)
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = time.Second
	}
	if cfg.BackoffMax < cfg.BackoffMin {
		cfg.BackoffMax = 60 * time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	var peers []Peer
	for _, p := range cfg.Profile.Peers {
		peers = append(peers, Peer{Seq: p.Seq, Host: p.Host, Track: p.Track, Port: p.Port, NATTPort: uint16(p.NATTPort)})
	}
	return &Conn{
		cfg:      cfg,
		gateways: NewGatewayList(peers),
		log:      cfg.Logger.With("profile", cfg.Profile.Name),
		netChg:   make(chan struct{}, 1),
		eligChg:  make(chan struct{}, 1),
	}
}

// State returns the current state.
func (c *Conn) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Watch returns a channel that receives every state change (buffered;
// a slow reader misses intermediate states, never the latest).
func (c *Conn) Watch() <-chan State {
	ch := make(chan State, 16)
	c.mu.Lock()
	c.watch = append(c.watch, ch)
	c.mu.Unlock()
	return ch
}

// NetworkChanged tells the connection that the host's network changed
// (address, default route, Wi-Fi): the session is re-established at once.
func (c *Conn) NetworkChanged() {
	select {
	case c.netChg <- struct{}{}:
	default:
	}
}

func (c *Conn) setState(s State, gw, msg string, err error) {
	ev := TraceEvent{Time: time.Now(), State: s, Gateway: gw, Message: msg}
	if err != nil {
		ev.Err = err.Error()
	}
	c.emit(ev, err)
}

// emit records ev in the trace before telling the watchers, so that a
// watcher reading the trace finds the event of the state it was sent.
func (c *Conn) emit(ev TraceEvent, err error) {
	c.cfg.Trace.Add(ev)
	c.mu.Lock()
	c.state = ev.State
	for _, w := range c.watch {
		select {
		case w <- ev.State:
		default:
		}
	}
	c.mu.Unlock()
	c.log.Info(ev.Message, "state", ev.State, "gateway", ev.Gateway, "err", err)
}

// Run connects and keeps the connection up until ctx ends (then it tears
// down and returns nil). In manual mode a full round of failed first
// attempts ends Run with the last error, in state Failed; once the tunnel
// was up, a lost tunnel is retried with backoff until ctx ends, as in
// auto mode. Failures no retry can fix end Run at once (see stopsAtOnce).
func (c *Conn) Run(ctx context.Context) error {
	defer c.cfg.Applier.Clear()
	c.wasUp = false
	backoff := c.cfg.BackoffMin
	var lastErr error
	for {
		if ctx.Err() != nil {
			c.setState(StateIdle, "", "disconnected", nil)
			return nil
		}
		redirect := c.redirect
		c.redirect = nil
		// Before the pick: a gateway that becomes eligible after this
		// is news to recheck even if it was so before Next looked.
		c.seen = c.eligibleNow()
		peer, wrapped, ok := Peer{}, false, true
		if redirect == nil {
			peer, wrapped, ok = c.gateways.Next(c.cfg.Eligible)
		} else {
			peer = redirect.Peer
		}
		if !ok {
			lastErr = errNoEligible
		}
		if (wrapped || !ok) && lastErr != nil {
			if stop, err := c.pause(ctx, &backoff, lastErr); stop {
				return err
			}
		}
		if !ok {
			continue
		}
		sess, target, err := c.connect(ctx, peer, redirect)
		if ctx.Err() != nil {
			c.closeSession(sess)
			continue
		}
		if why, stop := c.stopsAtOnce(err); stop {
			c.setState(StateFailed, peer.Host, why, err)
			return err
		}
		if err != nil {
			lastErr = err
			continue
		}
		lastErr = nil
		done, err := c.serve(ctx, sess, target)
		if done {
			continue // ctx ended: the loop's top says goodbye
		}
		if err == nil {
			backoff = c.cfg.BackoffMin // the tunnel was up: start afresh
			continue
		}
		// Routes or DNS could not be applied: retrying at once would
		// hammer the gateway with handshakes that end the same way.
		if stop, err := c.pause(ctx, &backoff, err); stop {
			return err
		}
	}
}

// errNoEligible is the failure when tracking leaves no gateway to try.
var errNoEligible = errors.New("no gateway is eligible (all tracked objects are in the wrong state)")

// pause ends a round of failed attempts: manual mode stops in Failed with
// the last error unless the tunnel was up before (a user who connected
// expects the client to get the tunnel back until they disconnect);
// otherwise it waits out the backoff and doubles it. stop reports that
// Run must return err (nil when ctx ended the wait).
func (c *Conn) pause(ctx context.Context, backoff *time.Duration, lastErr error) (stop bool, err error) {
	if c.cfg.Profile.Connect == profile.ConnectManual && !c.wasUp {
		c.setState(StateFailed, "", "could not connect to any gateway", lastErr)
		return true, lastErr
	}
	wait, now := jitter(*backoff), time.Now()
	ev := TraceEvent{Time: now, State: StateWaiting, RetryAt: now.Add(wait),
		Message: fmt.Sprintf("all gateways failed; retrying in %v", wait.Round(time.Second))}
	if lastErr != nil {
		ev.Err = lastErr.Error()
	}
	c.emit(ev, lastErr)
	woken, err := c.backoffSleep(ctx, wait)
	if err != nil {
		c.setState(StateIdle, "", "disconnected", nil)
		return true, nil
	}
	if woken {
		c.log.Info("gateway eligibility changed; trying again now")
		return false, nil
	}
	*backoff = min(*backoff*2, c.cfg.BackoffMax)
	return false, nil
}

// connect resolves peer and dials it, following redirects; redirect,
// when set, is the already resolved target an established session was
// sent to.
func (c *Conn) connect(ctx context.Context, peer Peer, redirect *Target) (Session, Target, error) {
	if redirect != nil {
		return c.dial(ctx, *redirect)
	}
	c.setState(StateConnecting, peer.Host, "connecting", nil)
	addr, err := c.cfg.Resolver.Resolve(ctx, peer.Host)
	if err != nil {
		err = fmt.Errorf("cannot resolve gateway %s: %w", peer.Host, err)
		c.setState(StateConnecting, peer.Host, "gateway name did not resolve; trying the next gateway", err)
		return nil, Target{}, err
	}
	return c.dial(ctx, Target{Peer: peer, Host: peer.Host, Addr: addr, Port: peer.Port, NATTPort: peer.NATTPort})
}

// dial dials t, following redirects during the handshake.
func (c *Conn) dial(ctx context.Context, t Target) (Session, Target, error) {
	peer := t.Peer
	var redirects []time.Time
	for {
		sess, err := c.cfg.Dialer.Dial(ctx, t)
		var re *RedirectError
		if !errors.As(err, &re) {
			if err != nil && ctx.Err() == nil {
				c.setState(StateConnecting, peer.Host, "connection failed", err)
			}
			return sess, t, err
		}
		redirects = recent(append(redirects, time.Now()), 300*time.Second)
		if len(redirects) > c.maxRedirects() {
			return nil, t, ErrTooManyRedirects
		}
		next, err := c.cfg.Resolver.Resolve(ctx, re.Target)
		if err != nil {
			return nil, t, fmt.Errorf("redirect target %s does not resolve: %w", re.Target, err)
		}
		c.setState(StateConnecting, re.Target, "redirected by "+t.Addr.String(), nil)
		t = Target{Peer: peer, Host: re.Target, Addr: next, RedirectedFrom: t.Addr}
	}
}

// serve holds an established session until it ends. It reports true when
// the user (ctx) ended it; false means reconnect, with an error when the
// desired state could not be applied.
func (c *Conn) serve(ctx context.Context, sess Session, t Target) (bool, error) {
	reply := sess.Reply()
	if t.RedirectedFrom.IsValid() {
		// A redirect target is not one of our peers: its backup list does
		// not replace the one we have.
		reply.BackupServers = nil
	} else {
		c.gateways.Connected(reply.BackupServers)
	}
	if err := c.cfg.Applier.Apply(t.Addr, reply); err != nil {
		c.setState(StateConnecting, t.Host, "could not apply routes and DNS", err)
		c.closeSession(sess)
		return false, fmt.Errorf("applying routes and DNS: %w", err)
	}
	if a, ok := sess.(Applied); ok {
		a.Applied()
	}
	c.wasUp = true
	c.setState(StateConnected, t.Host, "connected", nil)
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait(ctx) }()
	var tick <-chan time.Time
	if c.cfg.ReactivateEvery > 0 {
		tk := time.NewTicker(c.cfg.ReactivateEvery)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		select {
		case <-ctx.Done():
			c.closeSession(sess)
			return true, nil
		case err := <-ended:
			// The tunnel is gone but the session still holds its TUN
			// device and sockets; the next attempt needs them free.
			c.closeSession(sess)
			return c.ended(ctx, t, err), nil
		case <-c.netChg:
			c.setState(StateConnecting, t.Host, "network changed; reconnecting", nil)
			c.closeSession(sess)
			c.gateways.Rewind(t.Peer) // the same gateway first
			return false, nil
		case <-c.eligChg:
			if c.recheck(sess, t) {
				return false, nil
			}
		case <-tick:
			if c.reactivate(sess) {
				return false, nil
			}
		}
	}
}

// ended handles a session that ended on its own. A gateway that
// redirected the session (RFC 5685 in INFORMATIONAL) is followed: the
// next attempt goes to the target, not to the next gateway of the list.
func (c *Conn) ended(ctx context.Context, t Target, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	var re *RedirectError
	if errors.As(err, &re) {
		c.movedAt = recent(append(c.movedAt, time.Now()), 300*time.Second)
		if len(c.movedAt) > c.maxRedirects() {
			c.setState(StateConnecting, t.Host, "tunnel lost; reconnecting", ErrTooManyRedirects)
			return false
		}
		next, rerr := c.cfg.Resolver.Resolve(ctx, re.Target)
		if rerr == nil {
			c.setState(StateConnecting, re.Target, "redirected by "+t.Addr.String(), nil)
			c.redirect = &Target{Peer: t.Peer, Host: re.Target, Addr: next, RedirectedFrom: t.Addr}
			return false
		}
		err = fmt.Errorf("redirect target %s does not resolve: %w", re.Target, rerr)
	}
	if errors.Is(err, ike.ErrRekeyRefused) {
		// The gateway is alive and only wants a fresh post-quantum SA:
		// reauthenticate with it rather than fail over.
		c.setState(StateConnecting, t.Host, "the gateway refused to rekey the hybrid IKE SA; reconnecting", err)
		c.gateways.Rewind(t.Peer)
		return false
	}
	c.setState(StateConnecting, t.Host, "tunnel lost; reconnecting", err)
	return false
}

// stopsAtOnce says whether a failed attempt ends Run without trying
// another gateway or waiting for a backoff, and the sentence for the
// user. A rejected password stops every mode: retrying with the same
// secret, even in auto mode, would only run into the gateway's lockout.
// In manual mode the other failures no retry can fix stop too (a
// certificate or identity refused by either side, no common proposal, a
// configuration the engine refuses): the user is there to act on them.
// Auto mode keeps trying those with backoff, since the gateway's admin
// may fix them while nobody watches the router.
func (c *Conn) stopsAtOnce(err error) (string, bool) {
	switch {
	case err == nil, errors.Is(err, ike.ErrRekeyRefused):
		// A refused hybrid rekey may carry NO_PROPOSAL_CHOSEN, but a
		// reconnect fixes it: it never stops a run.
		return "", false
	case needsUser(err):
		return "the gateway rejected the credentials; not retrying", true
	case c.cfg.Profile.Connect != profile.ConnectManual:
		return "", false
	case errors.Is(err, ike.ErrAuthFailed):
		return "authentication failed (a certificate, identity or key was refused); not retrying", true
	case errors.Is(err, ike.ErrNoProposal):
		return "the gateway accepts none of our proposals; not retrying", true
	case errors.Is(err, ike.ErrInvalidConfig):
		return "the profile's IKE settings are not usable; not retrying", true
	}
	return "", false
}

// needsUser reports that the gateway rejected the password (or the
// account).
func needsUser(err error) bool {
	return errors.Is(err, eap.ErrAuthFailed) || errors.Is(err, eap.ErrPasswordExpired) ||
		errors.Is(err, eap.ErrAccountRestricted)
}

func (c *Conn) closeSession(s Session) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = s.Close(ctx)
}

func (c *Conn) maxRedirects() int {
	if n := c.cfg.Profile.IKE.MaxRedirects; n > 0 {
		return n
	}
	return profile.DefaultMaxRedirects
}

func recent(ts []time.Time, window time.Duration) []time.Time {
	cut := time.Now().Add(-window)
	out := ts[:0]
	for _, t := range ts {
		if t.After(cut) {
			out = append(out, t)
		}
	}
	return out
}

// jitter spreads reconnects of many clients after a gateway restart.
func jitter(d time.Duration) time.Duration {
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
