// Package daemon is the headless flexvpn daemon's core: it loads every
// profile of a directory, runs one connection per started profile, and
// answers the control socket (it implements ctl.Backend).
//
// Each running profile gets a slot: its own TUN interface (fv<slot>) and
// its own policy routing table (TableBase+slot), so two tunnels can be up
// at once without one's cleanup flushing the other's routes. The split-DNS
// proxy and the system resolver are shared (SharedDNS), and only one
// profile may own the default route at a time: the applier refuses the
// second and the daemon stops it with an error naming the owner.
//
// Profiles with connect = "auto" start when loaded and reconnect forever;
// "manual" ones wait for Up. A profile with [[track_object]] tables gets
// a track.Tracker (track.go): a "track" profile starts when its condition
// ("OBJECT up" or "OBJECT down") holds and stops when it no longer does,
// a [[peer]] with track = "OBJECT" is eligible only while the object is
// up, and the running tunnel hears of every change so it leaves a gateway
// that stopped being eligible. A tracker lives as long as the profile's
// settings: reload replaces it, removal and Shutdown stop it. Up and Down
// still work on a "track" profile; its next condition change overrides
// them.
//
// The connection itself is behind the Tunnel interface (*client.Conn in
// production) and built by a Factory, so the profile set, reload and the
// control API are tested without root.
package daemon
