// Package gui is the desktop front end of the flexvpn daemon: a tray menu
// and a window with one connect button per profile.
//
// It never speaks IKE. Everything it shows comes from the daemon's control
// socket (client/ctl): a Model follows the daemon's watch stream and keeps
// one Profile per loaded profile; the connect and disconnect buttons are
// ctl up/down requests. The views (UI) render the Model with Fyne widgets
// and are tested headless with fyne.io/fyne/v2/test.
//
//	daemon ──watch stream──▶ Model ──OnChange──▶ UI (window, tray, details)
//	   ▲                                            │
//	   └──────────── up / down / trace ─────────────┘
//
// The package never imports fyne.io/fyne/v2/app (cgo, GL): only
// cmd/flexvpn-gui does, so `go vet` and the tests here need no display and
// no C toolchain.
package gui
