package gui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sync"

	"fyne.io/fyne/v2"
)

// The tray icon is drawn here rather than shipped as art: a ring whose
// fill says the state (full: connected, half: on its way, empty: idle,
// cross: failed or no daemon).
const iconSize = 64

var stateColors = map[State]color.NRGBA{
	StateUnknown:      {0x70, 0x70, 0x70, 0xff},
	StateIdle:         {0x90, 0x90, 0x90, 0xff},
	StateConnecting:   {0xe0, 0xa0, 0x00, 0xff},
	StateReconnecting: {0xe0, 0x70, 0x00, 0xff},
	StateConnected:    {0x20, 0xa0, 0x40, 0xff},
	StateFailed:       {0xd0, 0x20, 0x20, 0xff},
}

var icons = sync.OnceValue(func() map[State]fyne.Resource {
	out := make(map[State]fyne.Resource, len(stateColors))
	for s, c := range stateColors {
		out[s] = fyne.NewStaticResource("flexvpn-"+s.String()+".png", drawIcon(s, c))
	}
	return out
})

// stateIcon is the tray icon for s.
func stateIcon(s State) fyne.Resource {
	if r, ok := icons()[s]; ok {
		return r
	}
	return icons()[StateUnknown]
}

// drawIcon paints the icon of s in colour c as PNG bytes.
func drawIcon(s State, c color.NRGBA) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, iconSize, iconSize))
	const mid, outer, inner = iconSize / 2, iconSize/2 - 2, iconSize/2 - 10
	for y := range iconSize {
		for x := range iconSize {
			dx, dy := x-mid, y-mid
			d2 := dx*dx + dy*dy
			if d2 <= outer*outer && (d2 >= inner*inner || filled(s, dx, dy)) {
				img.SetNRGBA(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("gui: encoding a generated icon: " + err.Error()) // cannot happen for an in-memory image
	}
	return b.Bytes()
}

// filled says whether the inside of the ring is painted at (dx, dy).
func filled(s State, dx, dy int) bool {
	switch s {
	case StateConnected:
		return true
	case StateConnecting, StateReconnecting:
		return dx < 0 // half: on its way
	case StateFailed, StateUnknown:
		return abs(dx-dy) <= 3 || abs(dx+dy) <= 3 // a cross
	}
	return false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
