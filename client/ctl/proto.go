package ctl

import (
	"net/netip"
	"time"
)

// Version is the protocol version every message carries.
const Version = 1

// Line limits. A request is small; a response may carry the trace of
// every profile.
const (
	MaxRequestLine  = 4 << 10
	MaxResponseLine = 1 << 20
	// MaxProfileName bounds profile names on the wire.
	MaxProfileName = 64
)

// Op is what a request asks for.
type Op string

// Operations.
const (
	OpUp     Op = "up"     // start a profile
	OpDown   Op = "down"   // stop a profile
	OpStatus Op = "status" // state of one profile or all
	OpTrace  Op = "trace"  // status plus the recent event trace
	// OpWatch answers like status, then again whenever the answer
	// changes, until the client hangs up (the GUI's event stream).
	OpWatch Op = "watch"
)

// Request is one line from a front end.
type Request struct {
	V       int    `json:"v"`
	Op      Op     `json:"op"`
	Profile string `json:"profile,omitempty"`
}

// Response is the daemon's answer to one Request.
type Response struct {
	V      int      `json:"v"`
	OK     bool     `json:"ok"`
	Error  string   `json:"error,omitempty"`
	Status []Status `json:"status,omitempty"`
}

// Status is one profile as the daemon sees it.
type Status struct {
	Profile string `json:"profile"`
	// Connect is the profile's connect mode (auto, manual, track).
	Connect string `json:"connect"`
	// State is the connection state (idle, connecting, connected,
	// waiting, failed).
	State string `json:"state"`
	// Gateway is the gateway of the current or last attempt.
	Gateway string `json:"gateway,omitempty"`
	// Addrs are the inner addresses the gateway assigned.
	Addrs []netip.Prefix `json:"addrs,omitempty"`
	// Banner is the gateway's login banner (CP UNITY_BANNER) of the
	// current connection, while connected.
	Banner string `json:"banner,omitempty"`
	// KeyExchange is how the current IKE SA's keys were agreed, while
	// connected: "x25519 + ML-KEM-768" for a post-quantum hybrid (RFC
	// 9370), a single group such as "ecp256" for a classic one.
	KeyExchange string `json:"key_exchange,omitempty"`
	// DefaultRoute is set while this profile owns the default route.
	DefaultRoute bool `json:"default_route,omitempty"`
	// Since is when the profile entered State.
	Since time.Time `json:"since,omitzero"`
	// RetryAt, while waiting, is when the next attempt starts.
	RetryAt time.Time `json:"retry_at,omitzero"`
	// Counters of the current session's data plane (inner packets and
	// bytes), while connected.
	PacketsIn  uint64 `json:"packets_in,omitempty"`
	BytesIn    uint64 `json:"bytes_in,omitempty"`
	PacketsOut uint64 `json:"packets_out,omitempty"`
	BytesOut   uint64 `json:"bytes_out,omitempty"`
	// LastError is the most recent failure, kept after recovery.
	LastError string `json:"last_error,omitempty"`
	// Track is the state of each of the profile's tracked objects
	// ([[track_object]]), in profile order.
	Track []TrackObject `json:"track,omitempty"`
	// Trace holds the recent events, oldest first (op "trace" only).
	Trace []Event `json:"trace,omitempty"`
}

// Event is one line of a profile's event trace.
type Event struct {
	Time    time.Time `json:"time"`
	State   string    `json:"state"`
	Gateway string    `json:"gateway,omitempty"`
	Message string    `json:"message"`
	Err     string    `json:"err,omitempty"`
}

// TrackObject is one tracked object as the daemon's tracker sees it.
type TrackObject struct {
	Name string `json:"name"`
	// State is unknown (not probed yet), up or down.
	State string `json:"state"`
	// Since is when the object entered State.
	Since time.Time `json:"since,omitzero"`
	// Reason says why the object is in State.
	Reason string `json:"reason,omitempty"`
	// LastError is the latest probe failure ("" after a success).
	LastError string `json:"last_error,omitempty"`
}
