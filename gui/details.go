package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// details is a profile's "Details" window: everything the daemon says
// about it, with the raw last error and the event trace.
type details struct {
	ui    *UI
	name  string
	w     fyne.Window
	info  *widget.Label
	trace *widget.Label
	// fetched is the state and since of the profile when the trace was
	// last fetched; a change fetches it again.
	fetched Profile
}

// showDetails opens (or raises) the details window of a profile.
func (u *UI) showDetails(name string) {
	if d := u.details[name]; d != nil {
		d.w.Show()
		d.w.RequestFocus()
		return
	}
	d := &details{ui: u, name: name, w: u.app.NewWindow("flexvpn: " + name)}
	d.info = widget.NewLabel("")
	d.info.Selectable = true
	d.trace = widget.NewLabel("loading the trace...")
	d.trace.TextStyle = fyne.TextStyle{Monospace: true}
	d.trace.Selectable = true
	refresh := widget.NewButton("Refresh", d.fetch)
	d.w.SetContent(container.NewBorder(d.info, refresh, nil, nil, container.NewScroll(d.trace)))
	d.w.Resize(fyne.NewSize(640, 400))
	d.w.SetOnClosed(func() { delete(u.details, name) })
	u.details[name] = d
	d.modelChanged()
	d.fetch()
	d.w.Show()
}

// modelChanged re-renders the summary and refetches the trace when the
// profile moved to another state.
func (d *details) modelChanged() {
	p, ok := d.ui.model.Profile(d.name)
	if !ok {
		d.info.SetText(d.name + ": not loaded in the daemon")
		return
	}
	d.info.SetText(detailsText(p, d.ui))
	if p.State != d.fetched.State || !p.Since.Equal(d.fetched.Since) {
		d.fetched = p
		d.fetch()
	}
}

// fetch asks the daemon for the trace off Fyne's goroutine.
func (d *details) fetch() {
	d.ui.Go(func() {
		ev, err := d.ui.model.Trace(d.ui.ctx, d.name)
		text := traceText(ev)
		if err != nil {
			text = "cannot read the trace: " + err.Error()
		}
		d.ui.Do(func() { d.trace.SetText(text) })
	})
}

func detailsText(p Profile, u *UI) string {
	lines := []string{p.Name + ": " + stateLine(p, u.Now()), "connect mode: " + p.Connect}
	for _, s := range []string{addrsLine(p), keysLine(p), trafficLine(p)} {
		if s != "" {
			lines = append(lines, s)
		}
	}
	if p.LastError != "" {
		lines = append(lines, "last error: "+p.LastError)
	}
	if len(p.Track) > 0 {
		lines = append(lines, "tracked objects:")
		for _, o := range p.Track {
			lines = append(lines, "  "+trackLine(o, u.Now()))
		}
	}
	return strings.Join(lines, "\n")
}
