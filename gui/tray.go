package gui

import (
	"errors"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
)

// trayView is the system tray: an icon that shows the overall state and a
// menu with a status line, one connect/disconnect item per profile,
// "Show window" and "Quit".
type trayView struct {
	ui   *UI
	menu *fyne.Menu
	// last is what the menu and icon show, so an unchanged state (traffic
	// counters tick every few hundred ms) does not redraw the tray.
	last string
	icon State
}

func newTrayView(u *UI) *trayView {
	t := &trayView{ui: u, menu: fyne.NewMenu("flexvpn"), icon: -1}
	return t
}

func (t *trayView) update(ps []Profile, problem error) {
	items := t.items(ps, problem)
	key := menuKey(items)
	if key != t.last {
		t.menu.Items = items
		t.ui.tray.SetSystemTrayMenu(t.menu)
		t.last = key
	}
	if s := overall(ps, problem); s != t.icon {
		t.ui.tray.SetSystemTrayIcon(stateIcon(s))
		t.icon = s
	}
}

func (t *trayView) items(ps []Profile, problem error) []*fyne.MenuItem {
	status := fyne.NewMenuItem(trayStatus(ps, problem), nil)
	status.Disabled = true
	items := []*fyne.MenuItem{status, fyne.NewMenuItemSeparator()}
	for _, p := range ps {
		name := p.Name
		label := buttonText(p.State) + " " + name
		if p.State != StateIdle {
			label += " (" + p.State.String() + ")"
		}
		item := fyne.NewMenuItem(label, func() { t.ui.toggle(name) })
		item.Disabled = t.ui.busy[name]
		items = append(items, item)
	}
	quit := fyne.NewMenuItem("Quit", t.ui.Quit)
	quit.IsQuit = true
	return append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Show window", t.ui.ShowWindow), quit)
}

func menuKey(items []*fyne.MenuItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.Label)
		if it.Disabled {
			b.WriteString(" (disabled)")
		}
		b.WriteString("\x00")
	}
	return b.String()
}

// trayStatus is the menu's first line: the daemon's problem in short, or
// which profiles are up.
func trayStatus(ps []Profile, problem error) string {
	switch {
	case errors.Is(problem, ErrNoDaemon):
		return "flexvpn daemon is not running"
	case accessProblem(problem):
		return "Not allowed to use the daemon (see window)"
	case problem != nil:
		return "Cannot reach the daemon (see window)"
	case len(ps) == 0:
		return "No profiles loaded"
	}
	var up []string
	for _, p := range ps {
		if p.State == StateConnected {
			up = append(up, p.Name)
		}
	}
	if len(up) == 0 {
		return "Not connected"
	}
	return "Connected: " + strings.Join(up, ", ")
}

// trayOrder ranks states for the icon: what is happening beats what is
// settled, and a working tunnel beats a failed one.
var trayOrder = []State{StateReconnecting, StateConnecting, StateConnected, StateFailed, StateIdle}

// overall is the state the tray icon shows.
func overall(ps []Profile, problem error) State {
	if problem != nil {
		return StateUnknown
	}
	best := StateIdle
	for _, p := range ps {
		if i := slices.Index(trayOrder, p.State); i >= 0 && i < slices.Index(trayOrder, best) {
			best = p.State
		}
	}
	return best
}
