// Package ctl is the control protocol between the flexvpn daemon and its
// front ends (`flexvpn up/down/status`, the GUI): one JSON object per line
// over the daemon's local socket, a request answered by exactly one
// response.
//
//	→ {"v":1,"op":"up","profile":"corp"}
//	← {"v":1,"ok":true}
//	→ {"v":1,"op":"status"}
//	← {"v":1,"ok":true,"status":[{"profile":"corp","state":"connected",...}]}
//
// Decoding is strict because the socket is a privilege boundary: unknown
// fields, a wrong version, trailing data and over-long lines are refused.
// The server side (Server) drives a Backend, which the daemon implements;
// the client side (Client) is what the CLI uses.
package ctl
