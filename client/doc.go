// Package client is the connection state machine of the flexvpn client: it
// picks a gateway from the static and downloaded lists, drives an IKE SA in
// tunnel/ike, follows redirects, turns the gateway's configuration reply
// into a desired state for the platform (addresses, routes, DNS) with pure
// functions, and reconnects with backoff when the tunnel fails.
//
// A session counts as failed not only when the gateway or DPD ends it but
// also when the system pulls the ground from under it: the data plane
// stopped because its TUN device failed, the TUN interface was deleted,
// or the local address its sockets are bound to went away (tunnel.go,
// tunwatch.go). Each ends the session with a sentinel from errors.go
// that says why, and the Conn dials again with a new device and SA.
//
// Tracked objects (client/track) decide which gateways are eligible; the
// owner of the tracker calls Conn.EligibilityChanged on every change so
// that a session on a gateway whose object went down moves to the next
// one, a preferred gateway whose object came back takes the session
// back, and a wait while no gateway was eligible ends at once
// (eligibility.go).
package client
