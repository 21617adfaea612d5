//go:build gui

package main

import (
	"log/slog"

	"fyne.io/fyne/v2/app"

	"flexvpn/client/ctl"
	"flexvpn/gui"
)

// start runs the GUI until the user quits.
func start(socket string, hidden bool, log *slog.Logger) error {
	a := app.NewWithID("net.flexvpn.gui")
	model := gui.NewModel(gui.Options{Client: &ctl.Client{Path: socket}, Logger: log})
	tray, _ := a.(gui.Tray)
	ui := gui.NewUI(a, model, tray)
	ui.Hidden = hidden
	a.Lifecycle().SetOnStarted(func() {
		go model.Run(ui.Context())
	})
	a.Lifecycle().SetOnStopped(ui.Close)
	ui.Start()
	a.Run()
	return nil
}
