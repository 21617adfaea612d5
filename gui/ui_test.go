package gui

import (
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"flexvpn/client/ctl"
)

func TestWindowConnectButton(t *testing.T) {
	d := newFakeDaemon("corp")
	h := newHarness(t, d, socketPath(t), Options{})
	c := h.card("corp")
	h.until("idle with a Connect button", func() bool { return shows(c.state, "idle") && c.button.Text == "Connect" })

	test.Tap(c.button)
	h.until("the daemon asked to connect", func() bool { return slices.Contains(d.called(), "up corp") })
	h.until("connecting shown", func() bool { return shows(c.state, "connecting") && c.button.Text == "Disconnect" })

	d.set("corp", func(s *ctl.Status) {
		s.State, s.Gateway, s.Since = "connected", "gw1.example.com", time.Date(2026, 11, 27, 9, 59, 0, 0, time.UTC)
		s.Addrs = []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32")}
		s.PacketsIn, s.BytesIn, s.PacketsOut, s.BytesOut = 10, 4096, 5, 100
	})
	h.until("connected shown", func() bool {
		return shows(c.state, "connected since") && shows(c.state, "via gw1.example.com") &&
			shows(c.addrs, "10.8.0.2/32") && shows(c.traffic, "received 4.0 KiB, sent 100 B")
	})

	test.Tap(c.button)
	h.until("the daemon asked to disconnect", func() bool { return slices.Contains(d.called(), "down corp") })
	h.until("idle again", func() bool { return shows(c.state, "idle") && !c.addrs.Visible() && c.button.Text == "Connect" })
}

func TestWindowWrongPassword(t *testing.T) {
	d := newFakeDaemon("corp")
	h := newHarness(t, d, socketPath(t), Options{})
	c := h.card("corp")
	d.set("corp", func(s *ctl.Status) {
		s.State, s.LastError = "failed", "IKE_AUTH with gw1: wrong username or password (MS-CHAPv2 error 691)"
	})
	h.until("the failure explained", func() bool {
		return shows(c.state, "failed") && shows(c.problem, "rejected the user name or password") && c.button.Text == "Connect"
	})
}

func TestWindowRefusedClick(t *testing.T) {
	d := newFakeDaemon("corp")
	d.failUp(errEx("profile corp: secrets file is readable by others (chmod 600 it)"))
	h := newHarness(t, d, socketPath(t), Options{})
	c := h.card("corp")
	test.Tap(c.button)
	h.until("the refusal shown", func() bool { return shows(c.problem, "the daemon refused: profile corp: secrets file") })
}

func TestWindowDaemonNotRunning(t *testing.T) {
	h := newHarness(t, nil, socketPath(t), Options{})
	h.until("not running shown", func() bool {
		return shows(h.ui.win.problem, "daemon is not running") && shows(h.ui.win.problem, "systemctl start flexvpn")
	})
	if h.ui.win.empty.Visible() {
		t.Error(`"no profiles" shown while the daemon is not running`)
	}
	h.until("tray says so", func() bool {
		labels := h.menuLabels()
		return len(labels) > 0 && labels[0] == "flexvpn daemon is not running" && h.tray.icon == stateIcon(StateUnknown)
	})
}

func TestWindowNotAllowed(t *testing.T) {
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go refuseAll(ln)
	h := newHarness(t, nil, path, Options{})
	h.until("the fix shown", func() bool { return shows(h.ui.win.problem, "add yourself to the flexvpn group") })
}

func TestWindowNoProfiles(t *testing.T) {
	h := newHarness(t, newFakeDaemon(), socketPath(t), Options{})
	h.until("the hint", func() bool { return h.m.Problem() == nil && shows(h.ui.win.empty, "No profiles loaded") })
}

func TestTrayMenu(t *testing.T) {
	d := newFakeDaemon("corp", "lab")
	d.set("lab", func(s *ctl.Status) { s.State = "connected" })
	h := newHarness(t, d, socketPath(t), Options{})
	want := []string{"Connected: lab", "-", "Connect corp", "Disconnect lab (connected)", "-", "Show window", "Quit"}
	h.until("the menu", func() bool { return reflect.DeepEqual(h.menuLabels(), want) })
	if !h.menuItem("Quit").IsQuit || !h.menu0Disabled() {
		t.Error("Quit is not the quit item, or the status line is clickable")
	}
	if h.tray.icon != stateIcon(StateConnected) {
		t.Errorf("icon %v, want the connected icon", h.tray.icon.Name())
	}

	// Traffic alone does not redraw the tray.
	sets := h.tray.menuSets
	d.set("lab", func(s *ctl.Status) { s.PacketsIn, s.BytesIn = 1, 60 })
	h.until("traffic", func() bool { p, _ := h.m.Profile("lab"); return p.BytesIn == 60 })
	h.until("refresh", func() bool { return true })
	if h.tray.menuSets != sets {
		t.Errorf("menu set %d times for a traffic change", h.tray.menuSets-sets)
	}

	h.menuItem("Connect corp").Action()
	h.until("up corp", func() bool { return slices.Contains(d.called(), "up corp") })
	h.until("connecting icon", func() bool {
		return h.tray.icon == stateIcon(StateConnecting) && slices.Contains(h.menuLabels(), "Disconnect corp (connecting)")
	})
	h.menuItem("Disconnect lab (connected)").Action()
	h.until("down lab", func() bool { return slices.Contains(d.called(), "down lab") })
}

func (h *uiHarness) menu0Disabled() bool {
	return h.tray.menu != nil && len(h.tray.menu.Items) > 0 && h.tray.menu.Items[0].Disabled
}

func TestBannerOncePerConnectionInWindow(t *testing.T) {
	d := newFakeDaemon("corp")
	opt := Options{Banner: func(s ctl.Status) string { return "Authorized use only.\nWelcome to " + s.Gateway }}
	h := newHarness(t, d, socketPath(t), opt)
	c := h.card("corp")
	d.set("corp", func(s *ctl.Status) { s.State, s.Gateway, s.Since = "connected", "gw1", time.Unix(1, 0) })
	h.until("the banner", func() bool { return c.bannerBox.Visible() && strings.Contains(c.banner.Text, "Welcome to gw1") })
	if n := h.app.notifications(); len(n) != 1 || n[0].Title != "corp" || n[0].Content != "Authorized use only. Welcome to gw1" {
		t.Fatalf("notifications %+v, want one with the banner", n)
	}
	test.Tap(c.dismiss)
	h.until("the banner dismissed", func() bool { return !c.bannerBox.Visible() })
	d.set("corp", func(s *ctl.Status) { s.PacketsIn, s.BytesIn = 1, 60 })
	h.until("traffic", func() bool { return shows(c.traffic, "60 B") })
	if c.bannerBox.Visible() || len(h.app.notifications()) != 1 {
		t.Fatal("banner shown again in the same connection")
	}
	d.set("corp", func(s *ctl.Status) { s.State = "waiting" })
	h.until("reconnecting", func() bool { return shows(c.state, "reconnecting") })
	d.set("corp", func(s *ctl.Status) { s.State, s.Gateway, s.Since = "connected", "gw2", time.Unix(2, 0) })
	h.until("the new connection's banner", func() bool { return c.bannerBox.Visible() && strings.Contains(c.banner.Text, "gw2") })
	if len(h.app.notifications()) != 2 {
		t.Fatalf("notifications %+v, want a second one", h.app.notifications())
	}
}

func TestDetailsShowsTrace(t *testing.T) {
	d := newFakeDaemon("corp")
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	d.trace["corp"] = []ctl.Event{
		{Time: at, State: "connecting", Gateway: "gw1", Message: "connecting"},
		{Time: at, State: "failed", Gateway: "gw1", Message: "the gateway rejected the credentials;\nnot retrying", Err: "wrong username or password"},
	}
	d.set("corp", func(s *ctl.Status) { s.State, s.LastError = "failed", "wrong username or password" })
	h := newHarness(t, d, socketPath(t), Options{})
	c := h.card("corp")
	h.until("failed", func() bool { return shows(c.state, "failed") })
	test.Tap(c.details)
	dv := h.ui.details["corp"]
	if dv == nil {
		t.Fatal("no details window")
	}
	h.until("the trace", func() bool {
		return strings.Contains(dv.trace.Text, "the gateway rejected the credentials; not retrying  [gw1]: wrong username or password") &&
			strings.Count(dv.trace.Text, "\n") == 2
	})
	if !strings.Contains(dv.info.Text, "last error: wrong username or password") {
		t.Errorf("details info %q lacks the raw error", dv.info.Text)
	}
	// A state change fetches the trace again.
	d.setTrace("corp", nil)
	d.set("corp", func(s *ctl.Status) { s.State = "idle" })
	h.until("the new trace", func() bool { return dv.trace.Text == "no events yet" })
}

func TestWindowShownUnlessHiddenWithTray(t *testing.T) {
	for _, c := range []struct {
		tray, hidden, shown bool
	}{{true, false, true}, {true, true, false}, {false, true, true}} {
		app := test.NewTempApp(t)
		var tray Tray
		if c.tray {
			tray = &fakeTray{}
		}
		u := NewUI(app, NewModel(Options{Client: &ctl.Client{Path: socketPath(t)}}), tray)
		u.Hidden = c.hidden
		u.Start()
		if got := u.win.shown; got != c.shown {
			t.Errorf("tray %v, hidden %v: window shown %v", c.tray, c.hidden, got)
		}
	}
}

func TestTrayShowWindow(t *testing.T) {
	h := newHarness(t, newFakeDaemon("corp"), socketPath(t), Options{})
	h.until("the menu", func() bool { return h.tray.menu != nil })
	h.ui.win.hide()
	h.menuItem("Show window").Action()
	if !h.ui.win.shown {
		t.Fatal("Show window did not show it")
	}
	h.menuItem("Quit").Action()
	if h.ui.Context().Err() == nil {
		t.Fatal("Quit left the UI's requests running")
	}
}

// TestClickInFlightDisablesControls: while the daemon has not answered a
// click, the button and the tray item are disabled, so an impatient
// second click sends nothing.
func TestClickInFlightDisablesControls(t *testing.T) {
	d := newFakeDaemon("corp")
	release := d.holdUp()
	t.Cleanup(release)
	h := newHarness(t, d, socketPath(t), Options{})
	c := h.card("corp")
	h.until("the tray item", func() bool { return slices.Contains(h.menuLabels(), "Connect corp") })
	test.Tap(c.button)
	if !c.button.Disabled() || !h.menuItem("Connect corp").Disabled {
		t.Fatal("controls enabled while the click is in flight")
	}
	test.Tap(c.button)
	h.menuItem("Connect corp").Action()
	release()
	h.until("the answer", func() bool { return shows(c.state, "connecting") && !c.button.Disabled() })
	if got := d.called(); !reflect.DeepEqual(got, []string{"up corp"}) {
		t.Fatalf("daemon saw %q, want one up", got)
	}
}

// TestCardKeys: a connected card says whether its keys are post-quantum,
// and says nothing about keys once the tunnel is down.
func TestCardKeys(t *testing.T) {
	d := newFakeDaemon("corp", "lab")
	h := newHarness(t, d, socketPath(t), Options{})
	corp, lab := h.card("corp"), h.card("lab")
	h.until("idle", func() bool { return shows(corp.state, "idle") && shows(lab.state, "idle") })
	if corp.keys.Visible() || lab.keys.Visible() {
		t.Fatal("keys shown while idle")
	}
	d.set("corp", func(s *ctl.Status) { s.State, s.KeyExchange = "connected", "x25519 + ML-KEM-768" })
	d.set("lab", func(s *ctl.Status) { s.State, s.KeyExchange = "connected", "ecp256" })
	h.until("the key exchanges", func() bool {
		return corp.keys.Visible() && corp.keys.Text == "Keys: x25519 + ML-KEM-768 (post-quantum)" &&
			lab.keys.Visible() && lab.keys.Text == "Keys: ecp256 (classic)"
	})
	test.Tap(corp.button)
	h.until("disconnected", func() bool { return shows(corp.state, "idle") && !corp.keys.Visible() })
	if !shows(lab.keys, "ecp256 (classic)") {
		t.Errorf("lab's keys %q gone with corp's", lab.keys.Text)
	}
}

func TestDetailsShowsTrackedObjects(t *testing.T) {
	d := newFakeDaemon("corp")
	h := newHarness(t, d, socketPath(t), Options{})
	since := h.ui.Now().Add(-90 * time.Second)
	d.set("corp", func(s *ctl.Status) {
		s.Connect, s.State = "track", "waiting"
		s.Track = []ctl.TrackObject{
			{Name: "primary-link", State: "down", Since: since, Reason: "3 probes failed", LastError: "no reply from 192.0.2.1"},
			{Name: "office-dns", State: "unknown", Reason: "not probed yet"},
		}
	})
	c := h.card("corp")
	h.until("waiting", func() bool { return shows(c.state, "reconnecting") })
	test.Tap(c.details)
	dv := h.ui.details["corp"]
	if dv == nil {
		t.Fatal("no details window")
	}
	want := "tracked objects:\n" +
		"  primary-link: down since " + since.Local().Format("15:04:05") + " (3 probes failed; last probe: no reply from 192.0.2.1)\n" +
		"  office-dns: unknown (not probed yet)"
	h.until("the tracked objects", func() bool { return strings.HasSuffix(dv.info.Text, want) })

	// A new slice, as the daemon builds one per status: editing the old
	// one in place would also edit the answer the watch compares with.
	d.set("corp", func(s *ctl.Status) {
		s.Track = []ctl.TrackObject{{Name: "primary-link", State: "up", Reason: "probe answered"}, s.Track[1]}
	})
	h.until("the object back up", func() bool {
		return strings.Contains(dv.info.Text, "\n  primary-link: up (probe answered)\n  office-dns: unknown")
	})
}
