package ike

import (
	"fmt"
	"net/netip"

	"flexvpn/tunnel/ike/wire"
)

// EventKind names what an Event reports.
type EventKind int

// Event kinds.
const (
	EventState        EventKind = iota // State changed
	EventUp                            // IKE SA established: Peer, Config
	EventChildUp                       // a Child SA is installed: Child
	EventChildRekeyed                  // Child replaces OldChild
	EventChildDown                     // Child is gone
	EventRedirect                      // the gateway asks us to move to Redirect
	EventClosed                        // the IKE SA ended; Err says why (nil: orderly)
	EventIKERekeyed                    // the IKE SA has new keys and SPIs
)

var eventNames = [...]string{"state", "up", "child-up", "child-rekeyed", "child-down", "redirect", "closed", "ike-rekeyed"}

func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "event(?)"
}

// Event is one thing that happened to an IKE SA. Handlers run on the SA's
// goroutine and must not block. Peer, State, Err, Children, SPIs and
// Remote may be called from them; the methods that act on the SA and
// wait for its goroutine (Close, RekeyChild, DeleteChild, RekeyIKE, DPD,
// Redirect, a WaitUp that would block, Endpoint.Close) fail there with
// ErrReentrant: call them from a goroutine of your own.
type Event struct {
	Kind     EventKind
	SA       *SA
	State    State
	Peer     Identity
	Config   *ConfigReply // initiator: the CP reply, if one was requested
	Child    *ChildSA
	OldChild *ChildSA
	Redirect wire.GatewayID
	Err      error
	Message  string // a sentence for the user, for failures
}

func (e Event) String() string {
	s := fmt.Sprintf("%s %s", e.SA, e.Kind)
	switch e.Kind {
	case EventState:
		s += " " + e.State.String()
	case EventChildUp, EventChildDown, EventChildRekeyed:
		s += " " + e.Child.String()
	case EventClosed:
		if e.Err != nil {
			s += ": " + e.Err.Error()
		}
	}
	return s
}

// ChildSA is everything the data plane needs for one ESP SA pair. Keys
// are per direction: In opens packets from the peer, Out seals ours.
type ChildSA struct {
	InSPI, OutSPI uint32
	Encr          uint16 // wire ENCR_* ID
	EncrKeyBits   uint16
	Integ         uint16 // wire AUTH_* ID, AUTH_NONE for AEAD
	ESN           bool
	In, Out       ChildKeys
	LocalTS       []wire.TrafficSelector
	RemoteTS      []wire.TrafficSelector
	Local, Remote netip.AddrPort // outer addresses; ESP-in-UDP when Encap
	Encap         bool
}

// ChildKeys are the keys for one direction. Encr includes the salt for
// AEAD ciphers (4 bytes at its end).
type ChildKeys struct {
	Encr, Integ []byte
}

// String describes the SA without keys.
func (c *ChildSA) String() string {
	if c == nil {
		return "child(nil)"
	}
	return fmt.Sprintf("child in=%08x out=%08x encr=%d/%d integ=%d esn=%v", c.InSPI, c.OutSPI, c.Encr, c.EncrKeyBits, c.Integ, c.ESN)
}
