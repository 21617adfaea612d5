package daemon

import (
	"testing"
	"time"

	"flexvpn/client"
	"flexvpn/client/profile"
)

// idleTunnel is a Tunnel whose connection has not reported any state yet.
type idleTunnel struct{ Tunnel }

func (idleTunnel) State() client.State { return client.StateIdle }

// TestStartedRunIsNotReportedIdle: right after `up`, before the connection
// reports, status must not say idle, or `up --wait` gives up at once.
func TestStartedRunIsNotReportedIdle(t *testing.T) {
	d := &Daemon{}
	r := &run{tun: idleTunnel{}, trace: client.NewTrace(0), done: make(chan struct{}), start: time.Now()}
	e := &entry{prof: &profile.Profile{Name: "lab", Connect: profile.ConnectManual}, run: r}
	if st := d.statusLocked("lab", e, false); st.State != client.StateConnecting.String() {
		t.Fatalf("started run reported %q, want connecting", st.State)
	}
	close(r.done) // the run ended: now idle is the truth
	if st := d.statusLocked("lab", e, false); st.State != client.StateIdle.String() {
		t.Fatalf("finished run reported %q, want idle", st.State)
	}
}

// waitingTunnel is a Tunnel backing off between rounds.
type waitingTunnel struct{ Tunnel }

func (waitingTunnel) State() client.State { return client.StateWaiting }

// TestWaitingRunShowsWhenItRetries: a connection backing off after a
// lost tunnel says when it tries again, and the failure that made it wait.
func TestWaitingRunShowsWhenItRetries(t *testing.T) {
	d := &Daemon{}
	r := &run{tun: waitingTunnel{}, trace: client.NewTrace(0), done: make(chan struct{}), start: time.Now()}
	retry := time.Now().Add(4 * time.Second)
	r.trace.Add(client.TraceEvent{Time: time.Now(), State: client.StateConnecting, Message: "tunnel lost; reconnecting", Err: "DPD timeout"})
	r.trace.Add(client.TraceEvent{Time: time.Now(), State: client.StateWaiting, Message: "all gateways failed; retrying in 4s",
		Err: "NO_PROPOSAL_CHOSEN", RetryAt: retry})
	e := &entry{prof: &profile.Profile{Name: "lab", Connect: profile.ConnectManual}, run: r}
	st := d.statusLocked("lab", e, false)
	if st.State != "waiting" || !st.RetryAt.Equal(retry) || st.LastError != "NO_PROPOSAL_CHOSEN" {
		t.Fatalf("status = %+v, want waiting with RetryAt %v and the failure", st, retry)
	}
}

// TestStatusCarriesBanner: the gateway's banner from the CP reply is in
// the status while connected, and gone once the tunnel is down.
func TestStatusCarriesBanner(t *testing.T) {
	h := newHarness(t)
	h.reply = func(string) *client.Reply {
		r := fullTunnel("10.8.0.2")
		r.Banner = "Authorized use only."
		return r
	}
	writeProfile(t, h.dir, "corp", "manual", "192.0.2.1")
	h.d.Reload()
	h.d.Up("corp")
	waitFor(t, "connected", func() bool { return h.state(t, "corp") == "connected" })
	st, _ := h.d.Status("corp", false)
	if st[0].Banner != "Authorized use only." {
		t.Fatalf("banner %q", st[0].Banner)
	}
	h.d.Down("corp")
	if st, _ := h.d.Status("corp", false); st[0].Banner != "" {
		t.Fatalf("banner %q after down", st[0].Banner)
	}
}

// connectedTunnel is a Tunnel that is up.
type connectedTunnel struct{ Tunnel }

func (connectedTunnel) State() client.State { return client.StateConnected }

// plainSession is a Session that does not report its key exchange.
type plainSession struct{ client.Session }

// TestStatusShowsKeyExchange: a connected profile reports how its
// session's keys were agreed; without an applied reply (not up, or torn
// down) or from a session that cannot say, the field stays empty.
func TestStatusShowsKeyExchange(t *testing.T) {
	d := &Daemon{}
	sess := &fakeSession{done: make(chan struct{})}
	r := &run{tun: connectedTunnel{}, trace: client.NewTrace(0), done: make(chan struct{}), start: time.Now(),
		reply: fullTunnel("10.8.0.2"), session: sess}
	e := &entry{prof: &profile.Profile{Name: "pq", Connect: profile.ConnectManual}, run: r}
	if st := d.statusLocked("pq", e, false); st.KeyExchange != "x25519 + ML-KEM-768" {
		t.Fatalf("key exchange %q, want the session's", st.KeyExchange)
	}
	r.session = plainSession{sess}
	if st := d.statusLocked("pq", e, false); st.KeyExchange != "" {
		t.Fatalf("key exchange %q from a session that reports none", st.KeyExchange)
	}
	r.session, r.reply = sess, nil
	if st := d.statusLocked("pq", e, false); st.KeyExchange != "" {
		t.Fatalf("key exchange %q without a connection", st.KeyExchange)
	}
}
