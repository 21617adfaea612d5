// Package client is the connection state machine of the flexvpn client: it
// picks a gateway from the static and downloaded lists, drives an IKE SA in
// tunnel/ike, follows redirects, turns the gateway's configuration reply
// into a desired state for the platform (addresses, routes, DNS) with pure
// functions, and reconnects with backoff when the tunnel fails.
package client
