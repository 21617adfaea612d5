// Package track evaluates a profile's tracked objects ([[track_object]]):
// reachability probes (ICMP echo, TCP connect, DNS resolution) and
// interface state. The client uses them two ways (seed chapter 5):
//
//   - connect = "track" brings a profile's tunnel up while its object is in
//     the wanted state ("OBJECT up" or "OBJECT down"), and down otherwise;
//   - a [[peer]] with track = "OBJECT" is eligible only while the object is
//     up (peers without an object always are).
//
// A Tracker probes every object of one profile at its Interval, each in its
// own goroutine, and keeps a State per object with hysteresis:
//
//	           first probe ok                 one probe ok
//	Unknown ───────────────────▶ Up ◀──────────────────────┐
//	   │                          │                         │
//	   │ first probe fails        │ Threshold probes fail   │
//	   │                          ▼ in a row                │
//	   └────────────────────────▶ Down ─────────────────────┘
//
// Unknown lasts until the first result: there is nothing to debounce
// then, and a client that waits Threshold intervals before it may start a
// backup tunnel would stay offline for no reason. After that, one success
// is enough to come up (a working path is proof; a lost probe is not), and
// Threshold failures in a row take the object down. Unknown meets no
// condition: neither "up" nor "down" starts a tunnel before the object is
// known, and a tracked peer is not eligible yet.
//
// Changes are published to subscribers in the order they happened; Follow
// turns them into "tunnel wanted" edges for connect = "track". Probes are
// small types behind the Prober interface so tests inject fakes.
package track
