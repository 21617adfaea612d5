package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// card is one profile in the window: name, state, addresses, keys, traffic,
// errors, the gateway's banner, and the big connect/disconnect button.
type card struct {
	ui   *UI
	name string

	title   *widget.Label
	state   *widget.Label
	addrs   *widget.Label
	keys    *widget.Label
	traffic *widget.Label
	problem *widget.Label
	banner  *widget.Label
	dismiss *widget.Button
	button  *widget.Button
	details *widget.Button

	bannerBox   *fyne.Container
	root        *fyne.Container
	shownBanner string
}

func newCard(u *UI, name string) *card {
	c := &card{ui: u, name: name}
	c.title = widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.state = widget.NewLabel("")
	c.addrs = widget.NewLabel("")
	c.keys = widget.NewLabel("")
	c.traffic = widget.NewLabel("")
	c.problem = wrapped(widget.DangerImportance)
	c.banner = wrapped(widget.MediumImportance)
	// Model calls leave Fyne's goroutine: their change notice comes back
	// through fyne.Do, which must not be called from it.
	c.dismiss = widget.NewButton("Dismiss", func() { u.Go(func() { u.model.DismissBanner(name) }) })
	c.button = widget.NewButton("Connect", func() { u.toggle(name) })
	c.button.Importance = widget.HighImportance
	c.details = widget.NewButton("Details", func() { u.showDetails(name) })
	c.bannerBox = container.NewBorder(nil, nil, nil, c.dismiss, c.banner)
	head := container.NewBorder(nil, nil, nil, container.NewHBox(c.details, c.button), c.title)
	c.root = container.NewVBox(head, c.state, c.addrs, c.keys, c.traffic, c.problem, c.bannerBox, widget.NewSeparator())
	return c
}

func wrapped(imp widget.Importance) *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = imp
	return l
}

// update renders p.
func (c *card) update(p Profile) {
	c.state.SetText(stateLine(p, c.ui.Now()))
	setShown(c.addrs, addrsLine(p))
	setShown(c.keys, keysLine(p))
	setShown(c.traffic, trafficLine(p))
	setShown(c.problem, c.problemText(p))
	c.button.SetText(buttonText(p.State))
	if c.ui.busy[p.Name] {
		c.button.Disable()
	} else {
		c.button.Enable()
	}
	c.updateBanner(p)
}

// problemText is the click's error, else the reason a profile failed or
// is retrying.
func (c *card) problemText(p Profile) string {
	switch {
	case p.ActionError != "":
		return p.ActionError
	case p.State == StateFailed, p.State == StateReconnecting:
		return failureText(p.LastError)
	}
	return ""
}

// updateBanner shows the banner until dismissed and announces a new one
// with a notification, once per connection (the model clears it between
// connections).
func (c *card) updateBanner(p Profile) {
	c.banner.SetText(p.Banner)
	if p.Banner == "" {
		c.bannerBox.Hide()
	} else {
		c.bannerBox.Show()
	}
	if p.Banner != "" && p.Banner != c.shownBanner {
		c.ui.app.SendNotification(fyne.NewNotification(p.Name, oneLine(p.Banner)))
	}
	c.shownBanner = p.Banner
}

// setShown sets a label's text and hides it while empty.
func setShown(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}
