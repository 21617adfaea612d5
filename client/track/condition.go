package track

import (
	"fmt"
	"strings"
)

// Condition is "OBJECT up" or "OBJECT down": the state a connect = "track"
// profile or a tracked peer waits for.
type Condition struct {
	Object string
	Want   State // Up or Down
}

// ParseCondition parses "OBJECT", "OBJECT up" or "OBJECT down". A bare
// object means up, as in IOS "peer 1 ... track 10".
func ParseCondition(s string) (Condition, error) {
	s = strings.TrimSpace(s)
	obj, state, _ := strings.Cut(s, " ")
	state = strings.TrimSpace(state)
	if obj == "" {
		return Condition{}, fmt.Errorf("%w: %q is empty; write it like \"uplink up\"", ErrInvalidCondition, s)
	}
	switch state {
	case "", "up":
		return Condition{Object: obj, Want: Up}, nil
	case "down":
		return Condition{Object: obj, Want: Down}, nil
	}
	return Condition{}, fmt.Errorf("%w: %q must be \"OBJECT up\" or \"OBJECT down\"", ErrInvalidCondition, s)
}

// Met reports whether an object in state s meets the condition. Unknown
// meets neither: nothing starts before the object is known.
func (c Condition) Met(s State) bool { return s != Unknown && s == c.Want }

func (c Condition) String() string { return c.Object + " " + c.Want.String() }
