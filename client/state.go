package client

// State is where a connection is in its life:
//
//	            Connect                 IKE SA + Child SA up
//	Idle ──────────────▶ Connecting ─────────────────────────▶ Connected
//	 ▲                     │   ▲                                  │
//	 │ Disconnect          │   │ backoff over, next gateway       │ DPD / Delete /
//	 │                     ▼   │                                  │ network change
//	 └──────────────── Waiting ◀──────────────────────────────────┘
//	                       │ (manual mode: a failed first round ends in
//	                       │  Failed, a lost tunnel is retried like auto;
//	                       │  rejected credentials, and in manual mode any
//	                       │  failure no retry can fix, end in Failed at once)
//	                       ▼
//	                    Failed ── Connect ──▶ Connecting
//
// Redirects stay in Connecting: the next attempt goes to the target.
type State int

// States.
const (
	StateIdle State = iota
	StateConnecting
	StateConnected
	StateWaiting
	StateFailed
)

var stateNames = [...]string{"idle", "connecting", "connected", "waiting", "failed"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(?)"
}
