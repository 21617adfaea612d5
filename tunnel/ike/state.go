package ike

// State is the life-cycle state of an IKE SA.
//
//	             Initiate                       IKE_SA_INIT done
//	StateIdle ────────────▶ StateInitSent ───────────────────────▶ StateAuthSent
//	    │ IKE_SA_INIT request                                           │ IKE_AUTH done
//	    ▼                                                               ▼
//	StateInitReplied ── IKE_AUTH verified ─────────────────────▶ StateEstablished
//	                                                                    │ rekey / delete
//	                    StateRekeying ◀─────────────────────────────────┤
//	                         │ new keys                                 ▼
//	                         └──────────▶ StateEstablished        StateDeleting
//	                                                                    │
//	any failure, timeout or Delete ────────────────────────────▶ StateClosed
type State int

// SA states.
const (
	StateIdle State = iota
	StateInitSent
	StateInitReplied
	StateAuthSent
	StateEstablished
	StateRekeying
	StateDeleting
	StateClosed
)

var stateNames = [...]string{
	StateIdle:        "idle",
	StateInitSent:    "init-sent",
	StateInitReplied: "init-replied",
	StateAuthSent:    "auth-sent",
	StateEstablished: "established",
	StateRekeying:    "rekeying",
	StateDeleting:    "deleting",
	StateClosed:      "closed",
}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(?)"
}
