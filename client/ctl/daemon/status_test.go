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
