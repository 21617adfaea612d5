package gui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
)

// Tray is the part of desktop.App the UI uses. The desktop app has it;
// fyne's test app does not, so tests pass a fake.
type Tray interface {
	SetSystemTrayMenu(*fyne.Menu)
	SetSystemTrayIcon(fyne.Resource)
}

// UI is the window, tray menu and details views of a Model. Widgets are
// only touched on Fyne's goroutine: model changes arrive through Do, and
// requests to the daemon run off it through Go.
type UI struct {
	app   fyne.App
	model *Model
	tray  Tray
	ctx   context.Context
	stop  context.CancelFunc

	// Do runs fn on Fyne's goroutine (fyne.Do); Go runs a blocking call
	// to the daemon elsewhere (a goroutine). Tests replace both to run
	// the UI deterministically. Set them before Start.
	Do func(fn func())
	Go func(fn func())
	// Now is the clock of the "since" texts.
	Now func() time.Time
	// Hidden starts with the window hidden, for a session's autostart;
	// it is ignored without a tray, which would leave nothing to click.
	Hidden bool

	win     *window
	trayV   *trayView
	details map[string]*details
	// busy holds the profiles with a click in flight: their controls
	// are disabled so a second click does not queue another request.
	busy map[string]bool
}

// NewUI returns the views of m in app. tray is nil where the platform has
// no system tray; then the window is the only view.
func NewUI(app fyne.App, m *Model, tray Tray) *UI {
	ctx, stop := context.WithCancel(context.Background())
	return &UI{
		app: app, model: m, tray: tray, ctx: ctx, stop: stop,
		Do: fyne.Do, Go: func(fn func()) { go fn() }, Now: time.Now,
		details: map[string]*details{}, busy: map[string]bool{},
	}
}

// Start builds the views and follows the model.
func (u *UI) Start() {
	u.win = newWindow(u)
	if u.tray != nil {
		u.trayV = newTrayView(u)
	}
	if u.tray == nil || !u.Hidden {
		u.win.show()
	}
	u.model.OnChange(func() { u.Do(u.refresh) })
	u.refresh()
}

// Context ends when the user quits.
func (u *UI) Context() context.Context { return u.ctx }

// ShowWindow brings the main window up.
func (u *UI) ShowWindow() { u.win.show() }

// Quit ends the application.
func (u *UI) Quit() {
	u.stop()
	u.app.Quit()
}

// Close ends the UI's requests to the daemon (and the Context) when the
// application stops some other way.
func (u *UI) Close() { u.stop() }

// refresh renders the model in every view; it runs on Fyne's goroutine.
func (u *UI) refresh() {
	ps, problem := u.model.Profiles(), u.model.Problem()
	u.win.update(ps, problem)
	if u.trayV != nil {
		u.trayV.update(ps, problem)
	}
	for _, d := range u.details {
		d.modelChanged()
	}
}

// toggle is a click on a profile's connect/disconnect control; it runs
// on Fyne's goroutine.
func (u *UI) toggle(name string) {
	if u.busy[name] {
		return
	}
	u.busy[name] = true
	u.refresh()
	u.Go(func() {
		u.model.Toggle(u.ctx, name)
		u.Do(func() {
			delete(u.busy, name)
			u.refresh()
		})
	})
}
