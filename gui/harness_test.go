package gui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// uiHarness runs a UI on fyne's headless test app against a fake daemon.
// Work the model hands to Fyne's goroutine is queued and run by the test
// goroutine in until, so widgets are only touched there.
type uiHarness struct {
	t    *testing.T
	d    *fakeDaemon
	m    *Model
	ui   *UI
	app  *recordingApp
	tray *fakeTray

	mu     sync.Mutex
	queue  []func()
	signal chan struct{}
}

// recordingApp is the test app, keeping the notifications it was asked
// to send.
type recordingApp struct {
	fyne.App
	mu   sync.Mutex
	sent []fyne.Notification
}

func (a *recordingApp) SendNotification(n *fyne.Notification) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sent = append(a.sent, *n)
}

func (a *recordingApp) notifications() []fyne.Notification {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]fyne.Notification(nil), a.sent...)
}

// fakeTray records what the UI puts in the system tray.
type fakeTray struct {
	menu     *fyne.Menu
	icon     fyne.Resource
	menuSets int
}

func (f *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { f.menu, f.menuSets = m, f.menuSets+1 }
func (f *fakeTray) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }

// newHarness starts a UI (with a tray) on a model of a daemon at path; d
// may be nil when the test serves the socket itself.
func newHarness(t *testing.T, d *fakeDaemon, path string, opt Options) *uiHarness {
	t.Helper()
	h := &uiHarness{t: t, d: d, tray: &fakeTray{}, signal: make(chan struct{}, 1)}
	if d != nil {
		serveFake(t, d, path)
	}
	h.app = &recordingApp{App: test.NewTempApp(t)}
	h.m, _ = runModel(t, path, opt)
	h.ui = NewUI(h.app, h.m, h.tray)
	h.ui.Do = h.post
	h.ui.Now = func() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) }
	t.Cleanup(h.ui.Close)
	h.ui.Start()
	return h
}

// post queues fn for the test goroutine; it never blocks the model.
func (h *uiHarness) post(fn func()) {
	h.mu.Lock()
	h.queue = append(h.queue, fn)
	h.mu.Unlock()
	select {
	case h.signal <- struct{}{}:
	default:
	}
}

// until runs queued UI work until cond holds, failing after a generous
// timeout.
func (h *uiHarness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		q := h.queue
		h.queue = nil
		h.mu.Unlock()
		for _, fn := range q {
			fn()
		}
		if cond() {
			return
		}
		select {
		case <-h.signal:
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s; profiles %+v, problem %v", what, h.m.Profiles(), h.m.Problem())
		}
	}
}

// card is the window's card of a profile, once it exists.
func (h *uiHarness) card(name string) *card {
	h.t.Helper()
	h.until("a card for "+name, func() bool { return h.ui.win.cards[name] != nil })
	return h.ui.win.cards[name]
}

// shows reports whether l is visible and says want.
func shows(l *widget.Label, want string) bool {
	return l.Visible() && strings.Contains(l.Text, want)
}

// menuLabels lists the tray menu's item labels ("-" for a separator).
func (h *uiHarness) menuLabels() []string {
	if h.tray.menu == nil {
		return nil
	}
	var out []string
	for _, it := range h.tray.menu.Items {
		if it.IsSeparator {
			out = append(out, "-")
			continue
		}
		out = append(out, it.Label)
	}
	return out
}

// menuItem finds the tray item labelled label.
func (h *uiHarness) menuItem(label string) *fyne.MenuItem {
	h.t.Helper()
	if h.tray.menu != nil {
		for _, it := range h.tray.menu.Items {
			if it.Label == label {
				return it
			}
		}
	}
	h.t.Fatalf("no tray item %q in %q", label, h.menuLabels())
	return nil
}
