package gui

// State is a profile's connection state as the GUI shows it. It follows
// the daemon's states (client.State), except that a profile that was up
// and is trying to get back (daemon "waiting", or "connecting" after
// "connected") is Reconnecting: the user should see that the tunnel is
// not merely starting.
type State int

// States.
const (
	StateUnknown State = iota // the daemon sent a state this build does not know
	StateIdle
	StateConnecting
	StateConnected
	StateReconnecting
	StateFailed
)

var stateNames = [...]string{"unknown", "idle", "connecting", "connected", "reconnecting", "failed"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Active reports whether the daemon is working on the profile (the
// button then disconnects).
func (s State) Active() bool {
	return s == StateConnecting || s == StateConnected || s == StateReconnecting
}

// mapState turns the daemon's state name into a State; wasUp says the
// profile was connected since the user last started it.
func mapState(daemon string, wasUp bool) State {
	switch daemon {
	case "idle":
		return StateIdle
	case "connected":
		return StateConnected
	case "failed":
		return StateFailed
	case "waiting":
		return StateReconnecting
	case "connecting":
		if wasUp {
			return StateReconnecting
		}
		return StateConnecting
	}
	return StateUnknown
}
