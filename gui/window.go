package gui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// noProfiles is shown while the daemon has no profile loaded.
const noProfiles = "No profiles loaded: put *.toml files in the daemon's profile directory and reload it (`systemctl reload flexvpn`)."

// window is the main window: the daemon's problem, if any, then one card
// per profile.
type window struct {
	ui      *UI
	w       fyne.Window
	problem *widget.Label
	empty   *widget.Label
	list    *fyne.Container
	cards   map[string]*card
	order   []string
	// shown is whether the user can see the window (fyne.Window does not
	// say).
	shown bool
}

func newWindow(u *UI) *window {
	w := &window{ui: u, w: u.app.NewWindow("flexvpn"), cards: map[string]*card{}}
	w.problem = wrapped(widget.DangerImportance)
	w.empty = wrapped(widget.MediumImportance)
	w.empty.SetText(noProfiles)
	w.list = container.NewVBox()
	w.w.SetContent(container.NewBorder(container.NewVBox(w.problem, w.empty), nil, nil, nil, container.NewVScroll(w.list)))
	w.w.Resize(fyne.NewSize(520, 360))
	if u.tray != nil {
		// With a tray, closing the window only hides it.
		w.w.SetCloseIntercept(w.hide)
	}
	return w
}

func (w *window) show() {
	w.w.Show()
	w.w.RequestFocus()
	w.shown = true
}

func (w *window) hide() {
	w.w.Hide()
	w.shown = false
}

// update renders the profiles; cards are rebuilt only when the set of
// profiles changes, so a click in progress is not lost to a refresh.
func (w *window) update(ps []Profile, problem error) {
	setShown(w.problem, errText(problem))
	if problem == nil && len(ps) == 0 {
		w.empty.Show()
	} else {
		w.empty.Hide()
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	if !slices.Equal(names, w.order) {
		w.rebuild(names)
	}
	for _, p := range ps {
		w.cards[p.Name].update(p)
	}
}

func (w *window) rebuild(names []string) {
	cards := make(map[string]*card, len(names))
	objs := make([]fyne.CanvasObject, len(names))
	for i, n := range names {
		c := w.cards[n]
		if c == nil {
			c = newCard(w.ui, n)
		}
		cards[n], objs[i] = c, c.root
	}
	w.cards, w.order = cards, names
	w.list.Objects = objs
	w.list.Refresh()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
