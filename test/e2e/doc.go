// Package e2e holds the root-only end-to-end tests of `flexvpn server`:
// the real binary runs in a gateway network namespace with a LAN behind
// it, and strongSwan road warriors and our own `flexvpn connect` log in
// from a client namespace, reach a LAN host through the tunnel and are
// disconnected and redirected through the admin socket.
//
// The tests skip, saying why, without root, `ip netns`, or strongSwan.
// Run them with: go test ./test/e2e/
package e2e
