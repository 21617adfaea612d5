package instance

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Kinds of instance.
const (
	KindDaemon  = "daemon"
	KindConnect = "connect"
	KindCleanup = "cleanup"
)

// Holder describes the instance holding the lock; it is what the lock
// file holds.
type Holder struct {
	Kind    string    `json:"kind"`
	Profile string    `json:"profile,omitempty"` // connect: the profile it runs
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
}

// String names the holder the way a user would look for it, e.g.
// "flexvpn connect (profile corp, pid 4242)".
func (h Holder) String() string {
	kind := h.Kind
	if kind == "" {
		kind = "instance"
	}
	var details []string
	if h.Profile != "" {
		details = append(details, "profile "+h.Profile)
	}
	if h.PID > 0 {
		details = append(details, fmt.Sprintf("pid %d", h.PID))
	}
	if len(details) == 0 {
		return "flexvpn " + kind
	}
	return fmt.Sprintf("flexvpn %s (%s)", kind, strings.Join(details, ", "))
}

// maxHolder bounds what is read of a lock file: a holder is a few dozen
// bytes, anything longer is not ours.
const maxHolder = 4096

// parseHolder reads a lock file's content. The file is written right
// after the lock is taken, so a reader may see it empty or half written:
// then the holder is unknown, not an error.
func parseHolder(b []byte) (Holder, bool) {
	var h Holder
	if len(b) == 0 || len(b) > maxHolder || json.Unmarshal(b, &h) != nil {
		return Holder{}, false
	}
	if h.PID < 0 || len(h.Kind) > 32 || len(h.Profile) > 255 {
		return Holder{}, false
	}
	return h, true
}

func (h Holder) encode() []byte {
	b, _ := json.Marshal(h) // plain fields: cannot fail
	return append(b, '\n')
}
